// Database connection: a real PostgreSQL server (knex + pg) when DATABASE_URL is set, otherwise an
// embedded PostgreSQL (PGlite, through knex-pglite) whose files live under `${dataDir}/s360-pglite`.
// The same migrations and SQL run on both.
import fs from 'node:fs';
import path from 'node:path';
import { knex, type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { PGlite } from '@electric-sql/pglite';
import { loadOrCreateKeyFile, SecretKeyError } from '../config/secrets';
import { maskUrl } from '../config';

export type Db = Knex;

export interface CreateDbOptions {
  /** postgres:// URL of a PostgreSQL server. When absent, the embedded PGlite database is used. */
  databaseUrl?: string | undefined;
  /** Folder of the embedded database (`${dataDir}/s360-pglite`). */
  dataDir: string;
  /** Embedded database in memory only (tests). */
  pgliteInMemory?: boolean | undefined;
  /**
   * In-memory only: start from this image (made by `dumpEmbeddedDb`) instead of an empty cluster.
   * About 5x faster than initdb; tests use it to get a fresh migrated database per suite.
   */
  pgliteImage?: Blob | undefined;
}

/** A connection failure, with a one-line message that never contains a password. */
export class DatabaseConnectionError extends Error {
  override name = 'DatabaseConnectionError';
}

/** The folder of the embedded database. */
export const pgliteDir = (dataDir: string): string => path.join(dataDir, 's360-pglite');

const PG_CONNECT_TIMEOUT_MS = 5_000;

/**
 * knex's logger, minus the multi-line "Acquire connection error" warning with its stack: the
 * caller turns that failure into one line. Other warnings still reach stderr.
 */
const knexLog: Knex.Logger = {
  warn(message: string) {
    if (typeof message === 'string' && message.startsWith('Acquire connection error')) return;
    process.stderr.write(`knex: ${message}\n`);
  },
};

/** Releases the embedded database's lock file, per knex instance. */
const releasers = new WeakMap<Knex, () => void>();

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function describePgError(err: unknown, url: string): string {
  const e = err as NodeJS.ErrnoException & { message?: string };
  let reason = e.code && /^E[A-Z]+$/.test(e.code) ? `${e.code}${e.message && !e.message.includes(e.code) ? ` (${e.message})` : ''}` : (e.message ?? String(err));
  // Never echo the password, even if a driver message quoted the URL.
  const pw = (() => {
    try {
      return decodeURIComponent(new URL(url).password);
    } catch {
      return '';
    }
  })();
  if (pw) reason = reason.split(pw).join('***');
  return oneLine(reason);
}

/** Opens (and checks) the database. Fails fast with a one-line message naming DATABASE_URL. */
export async function createDb(opts: CreateDbOptions): Promise<Knex> {
  if (opts.databaseUrl) return createPostgres(opts.databaseUrl);
  if (!opts.pgliteInMemory) {
    // `dev` owns the embedded database and serves it on loopback (db/embedded-server.ts): share it.
    const served = findEmbeddedServer(opts.dataDir);
    if (served) return createPostgres(embeddedServerUrl(served.url, opts.dataDir), `the embedded database served by process ${served.pid}`);
  }
  return createPglite(opts);
}

/** Where a process serving the embedded database (`dev`) announces its URL. */
export const serverFileOf = (dataDir: string): string => `${pgliteDir(dataDir)}.server.json`;

export interface EmbeddedServerInfo {
  /** Without the password: that stays in its own file. */
  url: string;
  pid: number;
}

/** The password the embedded database server requires (hex, in this file under DATA_DIR, mode 0600). */
export const EMBEDDED_DB_PASSWORD_FILE = 'embedded-db.password';

/** The embedded database server's password, generated on first use. Never print it. */
export function embeddedDbPassword(dataDir: string): string {
  try {
    return loadOrCreateKeyFile(dataDir, EMBEDDED_DB_PASSWORD_FILE, EMBEDDED_DB_PASSWORD_FILE).key.toString('hex');
  } catch (err) {
    if (!(err instanceof SecretKeyError)) throw err;
    throw new DatabaseConnectionError(`${path.join(dataDir, EMBEDDED_DB_PASSWORD_FILE)} is damaged; stop dev, delete the file and start dev again (it writes a new one)`);
  }
}

/** `url` (from the server file) with the password of the embedded database under `dataDir`. */
export function embeddedServerUrl(url: string, dataDir: string): string {
  const u = new URL(url);
  u.password = embeddedDbPassword(dataDir);
  return u.toString();
}

/** The URL of the embedded database served by another live process, if there is one. */
export function findEmbeddedServer(dataDir: string): EmbeddedServerInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(serverFileOf(dataDir), 'utf8')) as EmbeddedServerInfo;
    if (typeof info.url === 'string' && Number.isInteger(info.pid) && info.pid !== process.pid && pidAlive(info.pid)) return info;
  } catch {
    // no server file, or unreadable: no server
  }
  return undefined;
}

async function createPostgres(url: string, what = 'DATABASE_URL'): Promise<Knex> {
  const db = knex({
    client: 'pg',
    connection: { connectionString: url, connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS, application_name: 's360-tixngo' },
    pool: { min: 0, max: 10 },
    acquireConnectionTimeout: PG_CONNECT_TIMEOUT_MS * 2,
    log: knexLog,
  });
  try {
    await db.raw('select 1');
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw new DatabaseConnectionError(`${what}: cannot connect to ${maskUrl(url)}: ${describePgError(err, url)}`);
  }
  return db;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite is single-process: two processes writing the same folder would corrupt it. A lock file
 * holding the owner's pid refuses a second opener; a lock left by a dead process is taken over.
 */
function lockDataDir(dir: string): () => void {
  const lockFile = `${dir}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx', mode: 0o600 });
      const release = () => {
        process.removeListener('exit', release);
        try {
          if (fs.readFileSync(lockFile, 'utf8').trim() === String(process.pid)) fs.rmSync(lockFile, { force: true });
        } catch {
          // already gone
        }
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) {
        const who = pid === process.pid ? 'this process (opened twice)' : `process ${pid}`;
        throw new DatabaseConnectionError(
          `embedded database ${dir} is in use by ${who}; stop it first, or set DATABASE_URL to share a PostgreSQL server between processes`,
        );
      }
      fs.rmSync(lockFile, { force: true }); // stale: its owner is gone
    }
  }
  throw new DatabaseConnectionError(`embedded database ${dir}: cannot take the lock ${lockFile}`);
}

async function createPglite(opts: CreateDbOptions): Promise<Knex> {
  let release: (() => void) | undefined;
  let connection: Record<string, string> | (() => { pglite: PGlite }) = {};
  let where = 'in memory';
  if (opts.pgliteImage) {
    if (!opts.pgliteInMemory) throw new Error('pgliteImage needs pgliteInMemory');
    // knex-pglite accepts a ready instance through a connection function.
    const pglite = new PGlite({ loadDataDir: opts.pgliteImage });
    connection = () => ({ pglite });
  } else if (!opts.pgliteInMemory) {
    const dir = pgliteDir(opts.dataDir);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const unlock = lockDataDir(dir);
    // PGlite's file system layer creates files 0666 whatever the umask: the folder (0700) is what keeps others
    // out; the modes inside are tightened at open and at close, also for a folder an older version created.
    release = () => {
      ownerOnly(dir);
      unlock();
    };
    connection = { filename: dir };
    where = `at ${dir}`;
  }
  // Pool size is fixed at 1 by knex-pglite (PGlite has a single connection).
  // knex types a connection function as a config provider; knex-pglite calls it for `{ pglite }` instead.
  const db = knex({ client: ClientPgLite, dialect: 'postgres', connection: connection as Knex.Config['connection'], log: knexLog });
  try {
    await db.raw('select 1');
  } catch (err) {
    await closeQuietly(db);
    release?.();
    throw new DatabaseConnectionError(`embedded database ${where} cannot be opened: ${oneLine((err as Error).message ?? String(err))}`);
  }
  if (release) {
    ownerOnly(pgliteDir(opts.dataDir));
    releasers.set(db, release);
  }
  return db;
}

/** Removes group and other permissions from a folder and everything in it. */
function ownerOnly(dir: string): void {
  const walk = (p: string, isDir: boolean): void => {
    try {
      fs.chmodSync(p, isDir ? 0o700 : 0o600);
      if (isDir) for (const e of fs.readdirSync(p, { withFileTypes: true })) if (!e.isSymbolicLink()) walk(path.join(p, e.name), e.isDirectory());
    } catch (err) {
      // A file PGlite removed while we walk is fine.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  };
  try {
    walk(dir, true);
  } catch (err) {
    process.stderr.write(`embedded database ${dir}: cannot restrict file modes: ${(err as Error).message}\n`);
  }
}

/** The PGlite instance behind a knex-pglite client, if any. */
function pgliteOf(db: Knex): PGlite | undefined {
  // knex-pglite keeps its instance on the client; not part of knex's types.
  return (db.client as { pglite?: PGlite }).pglite;
}

async function closeQuietly(db: Knex): Promise<void> {
  await db.destroy().catch(() => undefined);
  const pg = pgliteOf(db);
  if (pg && !pg.closed) await pg.close().catch(() => undefined);
}

/** Closes the pool; for PGlite also closes the instance (flushing it to disk) and releases its lock. */
export async function closeDb(db: Knex): Promise<void> {
  try {
    await db.destroy();
    // knex only closes connections it acquired; make sure the embedded instance is released too.
    const pg = pgliteOf(db);
    if (pg && !pg.closed) await pg.close();
  } finally {
    releasers.get(db)?.();
    releasers.delete(db);
  }
}

/** An image of an embedded database (for `pgliteImage`); undefined on PostgreSQL. */
export async function dumpEmbeddedDb(db: Knex): Promise<Blob | undefined> {
  const pg = pgliteOf(db);
  return pg ? pg.dumpDataDir('none') : undefined;
}

/** 'pglite' or 'pg', for messages and tests. */
export function backendOf(db: Knex): 'pglite' | 'pg' {
  return pgliteOf(db) ? 'pglite' : 'pg';
}
