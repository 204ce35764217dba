// Resources CLI commands open and always close: the S-360 database and the Temporal client.
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { closeDb, createDb } from '../db/connection';
import { createRepository, type Repository } from '../db/repo';
import { connectClient } from '../temporal/connection';

export async function withRepo<T>(config: Config, fn: (repo: Repository) => Promise<T>): Promise<T> {
  const db = await createDb({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
  try {
    return await fn(createRepository(db));
  } finally {
    await closeDb(db);
  }
}

export async function withClient<T>(config: Config, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectClient(config);
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}
