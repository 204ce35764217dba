// Fresh, migrated databases for tests, on both back ends:
// - 'pg': a uniquely named database created on the server of DATABASE_TEST_URL
//   (default postgres://postgres@127.0.0.1:5432/postgres) and dropped by close();
// - 'pglite': an in-memory PGlite, started from a migrated image built once per test process
//   (initdb + migrations cost ~4 s; loading the image ~0.6 s).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { knex as createKnex, type Knex } from 'knex';
import { closeDb, createDb, dumpEmbeddedDb } from '../../db/connection';
import { migrateLatest } from '../../db/migrate';
import { secretKeyFromBytes, type SecretKey } from '../../config/secrets';

export const BACKENDS = ['pg', 'pglite'] as const;
export type Backend = (typeof BACKENDS)[number];

export interface TestDb {
  backend: Backend;
  knex: Knex;
  /** The database's URL ('pg' only). */
  databaseUrl?: string;
  /** Closes the connection and, on 'pg', drops the database. Safe to call twice. */
  close(): Promise<void>;
}

export const testServerUrl = (): string => process.env.DATABASE_TEST_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** A random encryption key for interface API keys. */
export const randomSecretKey = (): SecretKey => secretKeyFromBytes(crypto.randomBytes(32));

/** Creates an empty database on the test server; returns its URL and a drop function. */
export async function createTestDatabase(prefix = 's360_test', serverUrl = testServerUrl()): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const admin = serverUrl;
  const name = `${prefix}_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const k = createKnex({ client: 'pg', connection: admin, pool: { min: 0, max: 1 } });
  try {
    await k.raw(`create database "${name}"`);
  } finally {
    await k.destroy();
  }
  const u = new URL(admin);
  u.pathname = `/${name}`;
  let dropped = false;
  return {
    url: u.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      const a = createKnex({ client: 'pg', connection: admin, pool: { min: 0, max: 1 } });
      try {
        await a.raw(`drop database if exists "${name}" with (force)`);
      } finally {
        await a.destroy();
      }
    },
  };
}

let pgliteImage: Promise<Blob> | undefined;

/**
 * A migrated in-memory PGlite image, built once per process and cached on disk between test
 * processes, keyed by the migrations' source and the PGlite version (an edited migration makes a
 * new image).
 */
function migratedPgliteImage(): Promise<Blob> {
  pgliteImage ??= (async () => {
    const migrationsDir = path.resolve(__dirname, '../../db/migrations');
    const h = crypto.createHash('sha256');
    // The installed PGlite (its package.json is not exported; read it next to its entry point).
    h.update(fs.readFileSync(path.join(path.dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json')));
    for (const f of fs.readdirSync(migrationsDir).sort()) h.update(f).update(fs.readFileSync(path.join(migrationsDir, f)));
    const cacheFile = path.join(os.tmpdir(), `s360-tixngo-pglite-${h.digest('hex').slice(0, 16)}.tar`);
    if (fs.existsSync(cacheFile)) return new Blob([fs.readFileSync(cacheFile)]);
    const db = await createDb({ dataDir: os.tmpdir(), pgliteInMemory: true });
    try {
      await migrateLatest(db);
      const image = await dumpEmbeddedDb(db);
      if (!image) throw new Error('no PGlite image');
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, Buffer.from(await image.arrayBuffer()));
      fs.renameSync(tmp, cacheFile);
      return image;
    } finally {
      await closeDb(db);
    }
  })();
  return pgliteImage;
}

/**
 * A fresh database with every migration applied. Call close() when done (in `after`). `serverUrl` ('pg' only): the
 * PostgreSQL server to create it on, default DATABASE_TEST_URL's.
 */
export async function withTestDb(backend: Backend, serverUrl?: string): Promise<TestDb> {
  if (backend === 'pglite') {
    const knex = await createDb({ dataDir: os.tmpdir(), pgliteInMemory: true, pgliteImage: await migratedPgliteImage() });
    await migrateLatest(knex); // no-op on the image; keeps the helper honest if the image is stale
    let closed = false;
    return {
      backend,
      knex,
      async close() {
        if (closed) return;
        closed = true;
        await closeDb(knex);
      },
    };
  }
  const database = await createTestDatabase(undefined, serverUrl);
  let knex: Knex;
  try {
    knex = await createDb({ databaseUrl: database.url, dataDir: os.tmpdir() });
    await migrateLatest(knex);
  } catch (err) {
    await database.drop();
    throw err;
  }
  let closed = false;
  return {
    backend,
    knex,
    databaseUrl: database.url,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await closeDb(knex);
      } finally {
        await database.drop();
      }
    },
  };
}
