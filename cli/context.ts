// Resources CLI commands open: the S-360 database and the Temporal client. Every command opens them through
// these helpers; the with* forms always close what they opened.
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Config } from '../config';
import { closeDb, createDb } from '../db/connection';
import { migrationStatus } from '../db/migrate';
import { createRepository, type Repository } from '../db/repo';
import { connectClient } from '../temporal/connection';
import { CliError, toCliError } from './util';

/** Opens the configuration's S-360 database; the caller closes it (closeDb). A failure is a one-line CliError. */
export async function openDatabase(config: Config): Promise<Knex> {
  try {
    return await createDb({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
  } catch (err) {
    throw toCliError(err);
  }
}

export interface DatabaseOptions {
  /** Refuse a database whose migrations are pending, with a hint. */
  requireMigrated?: boolean;
}

/** Opens the database, runs `fn`, and always closes it (PGlite would keep the process alive). */
export async function withDatabase<T>(config: Config, fn: (knex: Knex) => Promise<T>, opts: DatabaseOptions = {}): Promise<T> {
  const knex = await openDatabase(config);
  try {
    if (opts.requireMigrated) {
      const { pending } = await migrationStatus(knex);
      if (pending.length > 0) throw new CliError(`the database has ${pending.length} pending migration(s): run \`s360-tixngo db migrate\` first`);
    }
    return await fn(knex);
  } catch (err) {
    throw toCliError(err);
  } finally {
    await closeDb(knex);
  }
}

export function withRepo<T>(config: Config, fn: (repo: Repository) => Promise<T>, opts: DatabaseOptions = {}): Promise<T> {
  return withDatabase(config, (knex) => fn(createRepository(knex)), opts);
}

export async function withClient<T>(config: Config, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectClient(config);
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}
