// Resources CLI commands open: the S-360 database and the Temporal client. Every command opens them through
// these helpers; the with* forms always close what they opened.
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { maskUrl, type Config } from '../config';
import { closeDb, createDb, DatabaseConnectionError, findEmbeddedServer } from '../db/connection';
import { migrationStatus } from '../db/migrate';
import { createRepository, type Repository } from '../db/repo';
import { connectClient, TemporalConnectionError } from '../temporal/connection';
import { explainTemporalError, unreachableLine, type TemporalTarget } from '../temporal/errors';
import { CliError, toCliError } from './util';

/**
 * Which DATA_DIR an embedded-database command used, and whether a `dev` serves the database there: a CLI started
 * from another folder (or with another DATA_DIR) than the running `dev` otherwise opens an empty database of its own.
 */
function dataDirNote(config: Config): string {
  const served = findEmbeddedServer(config.dataDir);
  return `DATA_DIR=${config.dataDir} (${served ? `served by dev process ${served.pid}` : 'no dev running there'})`;
}

/** The database the command talks to, for messages: never with a password. */
function databaseLabel(config: Config): string {
  if (config.DATABASE_URL) return `S-360 database at ${maskUrl(config.DATABASE_URL)}`;
  return `S-360 embedded database of ${dataDirNote(config)}`;
}

/** Opens the configuration's S-360 database; the caller closes it (closeDb). A failure is a one-line CliError. */
export async function openDatabase(config: Config): Promise<Knex> {
  try {
    return await createDb({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
  } catch (err) {
    if (err instanceof DatabaseConnectionError && !config.DATABASE_URL) throw new CliError(`${err.message}; ${dataDirNote(config)}`);
    throw toCliError(err);
  }
}

/** PostgreSQL's undefined_table: a query ran on a database without the table, that is, not (fully) migrated. */
const isUndefinedTable = (err: unknown): boolean => (err as { code?: unknown } | undefined)?.code === '42P01';

/** The one line that says why a query found no table: no schema at all, or pending migrations. */
async function schemaProblem(knex: Knex, config: Config): Promise<CliError | undefined> {
  const { applied, pending } = await migrationStatus(knex).catch(() => ({ applied: [] as string[], pending: [] as string[] }));
  if (applied.length === 0) return new CliError(`${databaseLabel(config)} has no schema: run \`s360-tixngo db migrate\``);
  if (pending.length > 0) return new CliError(`${databaseLabel(config)} has ${pending.length} pending migration(s): run \`s360-tixngo db migrate\``);
  return undefined;
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
      const problem = await schemaProblem(knex, config);
      if (problem) throw problem;
    }
    return await fn(knex);
  } catch (err) {
    if (isUndefinedTable(err)) throw (await schemaProblem(knex, config)) ?? toCliError(err);
    throw toCliError(err);
  } finally {
    await closeDb(knex);
  }
}

export function withRepo<T>(config: Config, fn: (repo: Repository) => Promise<T>, opts: DatabaseOptions = {}): Promise<T> {
  return withDatabase(config, (knex) => fn(createRepository(knex)), opts);
}

const targetOf = (config: Config): TemporalTarget => ({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });

/** A CliError or ConfigError already says what to do: it passes through the Temporal mapping unchanged. */
const isOwnError = (err: unknown): boolean => err instanceof CliError || (err as Error | undefined)?.name === 'ConfigError';

/** Connects to Temporal; a failure is one CliError line naming the cause and TEMPORAL_ADDRESS (or the variable to fix). */
export async function openClient(config: Config): Promise<Client> {
  try {
    return await connectClient(config);
  } catch (err) {
    if (isOwnError(err)) throw err;
    // temporal/connection-errors.ts already named the variable to fix (a TLS or API-key problem): keep its line.
    // Only "nothing answers" gets the general line with how to start a server.
    if (err instanceof TemporalConnectionError && !err.nothingAnswers) throw new CliError(err.message);
    throw new CliError(unreachableLine(err, targetOf(config)));
  }
}

/**
 * An error of a Temporal call as one CliError line with its cause and fix (an unregistered search attribute, an
 * unknown namespace, refused credentials, an unreachable server, ...); other errors pass through unchanged.
 */
export function temporalCliError(err: unknown, config: Config): unknown {
  if (isOwnError(err)) return err;
  const line = explainTemporalError(err, targetOf(config));
  return line ? new CliError(line) : err;
}

/** Connects, runs `fn`, always closes the connection; Temporal errors become one-line CliErrors (temporalCliError). */
export async function withClient<T>(config: Config, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await openClient(config);
  try {
    return await fn(client);
  } catch (err) {
    throw temporalCliError(err, config);
  } finally {
    await client.connection.close();
  }
}
