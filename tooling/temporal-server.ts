// The real Temporal server (go.temporal.io/server, not the dev server) on PostgreSQL: persistence and SQL advanced
// visibility in two databases, N history shards, all four services in one process on loopback ports, optional
// frontend TLS. Used by `temporal-server`, `dev --engine postgres`, the engine tests and the benchmark.
//
// Binaries, in this order (like tooling/temporal-cli.ts does for the CLI):
//   1. $TEMPORAL_SERVER_PATH and $TEMPORAL_SQL_TOOL_PATH;
//   2. `temporal-server` and `temporal-sql-tool` on PATH (the names of Temporal's release archives and images);
//   3. `server` and `sql` built earlier into $(go env GOBIN) or $(go env GOPATH)/bin;
//   4. `go install go.temporal.io/server/cmd/server@v1.29.1` and `.../cmd/tools/sql@v1.29.1` when Go is present.
// Schemas: the versioned PostgreSQL v12 schemas of the same module in the Go module cache, else the copies the sql
// tool embeds (same version as the tool).
import { spawn, execFile, execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import pg from 'pg';
import YAML from 'yaml';
import { ALL_SEARCH_ATTRIBUTES } from '../common/search-attributes';
import { registerSearchAttributes } from '../temporal/connection';
import { freePort, portAnswers } from '../temporal/ports';
import { findGo, goBinDirs, isExecutable, onPath } from './temporal-cli';

const execFileP = promisify(execFile);

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const TEMPORAL_SERVER_MODULE = `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`;
export const TEMPORAL_SQL_TOOL_MODULE = `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`;
/** Namespace retention of a namespace registered by startTemporalServer. */
export const NAMESPACE_RETENTION_DAYS = 3;

export interface TemporalServerTls {
  /** PEM file paths for the frontend. */
  serverCert: string;
  serverKey: string;
  /** PEM file path; with requireClientAuth the frontend demands a client cert signed by it. */
  clientCa?: string;
  requireClientAuth?: boolean;
  /**
   * PEM file paths of the client certificate used by the server's own system worker (which calls the frontend) and by
   * this tooling's admin connection (readiness, namespace, search attributes). With requireClientAuth and none given,
   * the server certificate is used (it must then allow client authentication: no extended key usage, or clientAuth).
   */
  clientCert?: string;
  clientKey?: string;
  /** PEM file path of the CA that signed serverCert, trusted by the system worker and the admin connection; default clientCa, else the system's roots. */
  serverCa?: string;
  /** Name serverCert is checked against; default: the host the frontend listens on (an IP is checked against IP SANs). */
  serverName?: string;
}

export interface TemporalServerOptions {
  /** postgres://user[:pw]@host:port/anydb  (server to hold Temporal's two databases); ?sslmode=require|verify-full turns TLS on. */
  postgresUrl: string;
  /** Default 'temporal' -> databases <prefix> and <prefix>_visibility. */
  databasePrefix?: string;
  /** numHistoryShards, default 4. Fixed when the database is first set up. */
  shards?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default: a free port. */
  frontendPort?: number;
  /** Config files (and the default log) go here. */
  dataDir: string;
  /** Default <dataDir>/temporal-server.log. */
  logFile?: string;
  /** Default 'default'; registered (idempotent) with every search attribute of common/search-attributes. */
  namespace?: string;
  tls?: TemporalServerTls;
  /** Dynamic config values on top of DEFAULT_SERVER_DYNAMIC_CONFIG (a value of undefined removes a default). */
  dynamicConfig?: Record<string, unknown>;
  /** Server log level; default 'warn'. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** How long startTemporalServer and restart wait for a ready frontend; default 120 s. */
  startTimeoutMs?: number;
  /** Progress lines (binaries built, schemas, readiness); default: none. */
  say?: (line: string) => void;
}

/** Ports of the services other than the frontend's gRPC port. */
export interface TemporalServerPorts {
  frontendMembership: number;
  historyGrpc: number;
  historyMembership: number;
  matchingGrpc: number;
  matchingMembership: number;
  workerGrpc: number;
  workerMembership: number;
  /** Frontend HTTP API; 0 (default) turns it off. */
  frontendHttp: number;
}

export interface TemporalServer {
  /** host:port of the frontend. */
  address: string;
  /** Of the current server process (changes on restart). */
  readonly pid: number;
  configDir: string;
  logFile: string;
  namespace: string;
  /** The current server process (changes on restart). */
  readonly process: ChildProcess;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** E.g. 'SIGKILL' for fault tests, no wait. */
  kill(signal?: NodeJS.Signals): void;
  /** Start again with the same config and ports (the running process, if any, is stopped first); wait until ready. */
  restart(): Promise<void>;
  /** TLS options for a client connection (@temporalio/client Connection) to this server, as the tooling connects; undefined without TLS. */
  clientTls(): TLSConfig | undefined;
}

/**
 * Dynamic config the server gets unless overridden: what `temporal server start-dev` sets, which the product's tests
 * and `dev` rely on (a new search attribute usable at once; persistence and visibility rate limits raised to match).
 */
export const DEFAULT_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, unknown>> = {
  'system.forceSearchAttributesCacheRefreshOnRead': true,
  'frontend.persistenceMaxQPS': 10000,
  'history.persistenceMaxQPS': 45000,
  'frontend.namespaceRPS.visibility': 100,
  'history.hostLevelCacheMaxSize': 8096,
};

// ---------------------------------------------------------------------------------------------------------------
// Binaries

type Binaries = { server: string; sqlTool: string; schemaDir: string };

function goModCache(): string | undefined {
  const go = findGo();
  if (!go) return undefined;
  try {
    return execFileSync(go, ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The module's schema/postgresql/v12 directory in the Go module cache, or '' (then the sql tool's embedded schemas are used). */
function findSchemaDir(): string {
  const cache = goModCache();
  if (!cache) return '';
  const dir = path.join(cache, 'go.temporal.io', `server@${TEMPORAL_SERVER_VERSION}`, 'schema', 'postgresql', 'v12');
  return fs.existsSync(path.join(dir, 'temporal', 'versioned')) && fs.existsSync(path.join(dir, 'visibility', 'versioned')) ? dir : '';
}

function findBinary(envVar: string, envValue: string | undefined, pathName: string, goName: string): string | undefined {
  if (envValue) {
    if (!isExecutable(envValue)) throw new Error(`${envVar}: ${envValue} is not an executable file`);
    return envValue;
  }
  const p = onPath(pathName);
  if (p) return p;
  for (const dir of goBinDirs()) {
    const candidate = path.join(dir, goName);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** The server and sql tool binaries without building anything; undefined for a missing one. */
export function findTemporalServerBinaries(env: NodeJS.ProcessEnv = process.env): { server?: string; sqlTool?: string } {
  return {
    server: findBinary('TEMPORAL_SERVER_PATH', env.TEMPORAL_SERVER_PATH, 'temporal-server', 'server'),
    sqlTool: findBinary('TEMPORAL_SQL_TOOL_PATH', env.TEMPORAL_SQL_TOOL_PATH, 'temporal-sql-tool', 'sql'),
  };
}

/** Found, or built once with `go install` into $(go env GOPATH)/bin. Throws without binaries and without Go. */
export function ensureTemporalServerBinaries(log: (m: string) => void = (m) => process.stderr.write(`${m}\n`)): Binaries {
  let found = findTemporalServerBinaries();
  const missing = ([['server', TEMPORAL_SERVER_MODULE], ['sqlTool', TEMPORAL_SQL_TOOL_MODULE]] as const).filter(([k]) => !found[k]);
  if (missing.length) {
    const go = findGo();
    if (!go) {
      throw new Error(
        `Temporal server binaries not found (set TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH, or install Go to build ${missing.map(([, m]) => m).join(' and ')})`,
      );
    }
    for (const [, mod] of missing) {
      log(`building ${mod} with Go (first time only, a few minutes)...`);
      const res = spawnSync(go, ['install', mod], { stdio: ['ignore', 'inherit', 'inherit'] });
      if (res.status !== 0) throw new Error(`go install ${mod} failed with exit code ${res.status}; see the output above`);
    }
    found = findTemporalServerBinaries();
    if (!found.server || !found.sqlTool) throw new Error(`go install succeeded but the server or sql binary was not found in ${goBinDirs().join(', ')}`);
  }
  return { server: found.server!, sqlTool: found.sqlTool!, schemaDir: findSchemaDir() };
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL

interface PgTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** 'disable' (default), 'require' (TLS, no verification) or 'verify-full'. */
  sslmode: 'disable' | 'require' | 'verify-full';
}

export function parsePostgresUrl(url: string): PgTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('postgresUrl: not a URL (expected postgres://user[:password]@host:port/database)');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new Error(`postgresUrl: expected a postgres:// URL, got ${u.protocol}//`);
  if (!u.hostname) throw new Error('postgresUrl: no host');
  const mode = u.searchParams.get('sslmode') ?? 'disable';
  const sslmode = mode === 'verify-full' || mode === 'verify-ca' ? 'verify-full' : mode === 'require' ? 'require' : 'disable';
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username) || 'postgres',
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
    sslmode,
  };
}

function databaseNames(opts: Pick<TemporalServerOptions, 'databasePrefix'>): { main: string; visibility: string } {
  const prefix = opts.databasePrefix ?? 'temporal';
  if (!/^[a-z_][a-z0-9_]{0,45}$/.test(prefix)) throw new Error(`databasePrefix: ${JSON.stringify(prefix)} must be lower-case letters, digits and _ (at most 46)`);
  return { main: prefix, visibility: `${prefix}_visibility` };
}

function pgClient(t: PgTarget, database: string): pg.Client {
  return new pg.Client({
    host: t.host,
    port: t.port,
    user: t.user,
    password: t.password || undefined,
    database,
    ssl: t.sslmode === 'disable' ? false : { rejectUnauthorized: t.sslmode === 'verify-full' },
    connectionTimeoutMillis: 10_000,
  });
}

async function withPg<T>(t: PgTarget, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = pgClient(t, t.database);
  try {
    await c.connect();
  } catch (err) {
    throw new Error(`cannot reach PostgreSQL at ${t.host}:${t.port} (postgresUrl): ${(err as Error).message}`, { cause: err });
  }
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function createDatabaseIfMissing(t: PgTarget, name: string): Promise<boolean> {
  return withPg(t, async (c) => {
    const { rowCount } = await c.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount) return false;
    try {
      await c.query(`create database ${quoteIdent(name)}`);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === '42P04') return false; // created meanwhile by another process
      throw err;
    }
  });
}

/** Drops Temporal's two databases (tests; the server must be stopped). */
export async function dropTemporalDatabases(opts: Pick<TemporalServerOptions, 'postgresUrl' | 'databasePrefix'>): Promise<void> {
  const t = parsePostgresUrl(opts.postgresUrl);
  const names = databaseNames(opts);
  await withPg(t, async (c) => {
    for (const db of [names.main, names.visibility]) await c.query(`drop database if exists ${quoteIdent(db)} with (force)`);
  });
}

function sqlToolEnv(t: PgTarget): NodeJS.ProcessEnv {
  // The password goes through the environment, never argv.
  const env: NodeJS.ProcessEnv = { ...process.env, SQL_PASSWORD: t.password };
  if (t.sslmode !== 'disable') {
    env.SQL_TLS = 'true';
    if (t.sslmode === 'require') env.SQL_TLS_DISABLE_HOST_VERIFICATION = 'true';
  }
  return env;
}

/** The schema version recorded in a database, or undefined before setup. */
async function schemaVersion(t: PgTarget, database: string): Promise<string | undefined> {
  const c = pgClient(t, database);
  await c.connect();
  try {
    const r = await c.query<{ curr_version: string }>('select curr_version from schema_version where version_partition = 0 and db_name = $1', [database]);
    return r.rows[0]?.curr_version;
  } catch {
    return undefined;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Highest vX.Y directory of a versioned schema directory. */
function latestVersion(versionedDir: string): string | undefined {
  const versions = fs
    .readdirSync(versionedDir)
    .map((d) => /^v(\d+)\.(\d+)$/.exec(d))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => [Number(m[1]), Number(m[2])] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const last = versions.at(-1);
  return last ? `${last[0]}.${last[1]}` : undefined;
}

async function runSqlTool(sqlTool: string, t: PgTarget, database: string, args: string[]): Promise<void> {
  const argv = ['--plugin', 'postgres12', '--ep', t.host, '-p', String(t.port), '-u', t.user, '--db', database, ...args];
  try {
    await execFileP(sqlTool, argv, { env: sqlToolEnv(t), maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    const tail = `${e.stderr ?? ''}${e.stdout ?? ''}`.trim().split('\n').slice(-5).join(' | ');
    throw new Error(`temporal sql tool ${args[0]} on database ${database} failed: ${tail || e.message}`, { cause: err });
  }
}

/**
 * Idempotent: creates the two databases when missing, sets up the schema-version tables and updates both schemas to
 * the latest version of the tool. A database already up to date is left alone.
 */
export async function setupTemporalSchemas(opts: TemporalServerOptions): Promise<void> {
  const t = parsePostgresUrl(opts.postgresUrl);
  const names = databaseNames(opts);
  const bins = ensureTemporalServerBinaries(opts.say);
  for (const [db, kind] of [
    [names.main, 'temporal'],
    [names.visibility, 'visibility'],
  ] as const) {
    const created = await createDatabaseIfMissing(t, db);
    const versionedDir = bins.schemaDir ? path.join(bins.schemaDir, kind, 'versioned') : '';
    const latest = versionedDir ? latestVersion(versionedDir) : undefined;
    const current = created ? undefined : await schemaVersion(t, db);
    if (latest && current === latest) {
      opts.say?.(`database ${db}: schema ${current}, up to date`);
      continue;
    }
    await runSqlTool(bins.sqlTool, t, db, ['setup-schema', '-v', '0.0']);
    await runSqlTool(bins.sqlTool, t, db, ['update-schema', ...(versionedDir ? ['-d', versionedDir] : ['--schema-name', `postgresql/v12/${kind}`])]);
    opts.say?.(`database ${db}: ${created ? 'created, ' : ''}schema ${current ?? 'none'} -> ${(await schemaVersion(t, db)) ?? '?'}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Config

/** Default ports around the frontend's, as Temporal's own defaults are around 7233 (7234, 7235, 7239, 6933...). */
export function defaultServerPorts(frontendPort: number): TemporalServerPorts {
  return {
    frontendMembership: frontendPort - 300,
    historyGrpc: frontendPort + 1,
    historyMembership: frontendPort - 299,
    matchingGrpc: frontendPort + 2,
    matchingMembership: frontendPort - 298,
    workerGrpc: frontendPort + 6,
    workerMembership: frontendPort - 294,
    frontendHttp: 0,
  };
}

export const CONFIG_ENV = 'temporal';
/** Environment variable the config's template reads the PostgreSQL password from (kept out of the file). */
export const PASSWORD_ENV = 'TEMPORAL_POSTGRES_PASSWORD';

export function configDirOf(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'config');
}

/**
 * The server's config (`<configDir>/temporal.yaml`) and dynamic config (`<configDir>/dynamicconfig.yaml`). Pure:
 * the same options give the same text. The PostgreSQL password is not in the text: the config is a template reading
 * it from $TEMPORAL_POSTGRES_PASSWORD, which startTemporalServer sets for the server process.
 */
export function renderServerConfig(opts: TemporalServerOptions & { frontendPort: number; ports?: Partial<TemporalServerPorts> }): {
  configYaml: string;
  dynamicConfigYaml: string;
} {
  const t = parsePostgresUrl(opts.postgresUrl);
  const names = databaseNames(opts);
  const host = opts.host ?? '127.0.0.1';
  const shards = opts.shards ?? 4;
  if (!Number.isInteger(shards) || shards < 1) throw new Error(`shards: expected a whole number from 1 up, got ${shards}`);
  const ports = { ...defaultServerPorts(opts.frontendPort), ...opts.ports };
  const configDir = configDirOf(opts.dataDir);
  const sql = (databaseName: string, maxConns: number) => ({
    pluginName: 'postgres12',
    databaseName,
    connectAddr: `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`,
    connectProtocol: 'tcp',
    user: t.user,
    ...(t.password ? { password: `{{ env "${PASSWORD_ENV}" }}` } : {}),
    maxConns,
    maxIdleConns: maxConns,
    maxConnLifetime: '1h',
    ...(t.sslmode !== 'disable' ? { tls: { enabled: true, enableHostVerification: t.sslmode === 'verify-full' } } : {}),
  });
  const rpc = (grpcPort: number, membershipPort: number, httpPort = 0) => ({
    rpc: { grpcPort, membershipPort, bindOnIP: host, ...(httpPort ? { httpPort } : {}) },
  });
  const global: Record<string, unknown> = { membership: { maxJoinDuration: '30s', broadcastAddress: host } };
  if (opts.tls) {
    const tls = opts.tls;
    const abs = (p: string) => path.resolve(p);
    const serverName = tls.serverName ?? host;
    const serverCa = tls.serverCa ?? tls.clientCa;
    const client = { serverName, ...(serverCa ? { rootCaFiles: [abs(serverCa)] } : { forceTLS: true }) };
    const clientCert = tls.clientCert ?? (tls.requireClientAuth ? tls.serverCert : undefined);
    const clientKey = tls.clientKey ?? (tls.requireClientAuth ? tls.serverKey : undefined);
    global.tls = {
      frontend: {
        server: {
          certFile: abs(tls.serverCert),
          keyFile: abs(tls.serverKey),
          requireClientAuth: !!tls.requireClientAuth,
          ...(tls.clientCa ? { clientCaFiles: [abs(tls.clientCa)] } : {}),
        },
        client,
      },
      // The server's own system worker (schedules, batch, ...) calls the frontend: over TLS, with a client
      // certificate when the frontend demands one.
      systemWorker: { ...(clientCert && clientKey ? { certFile: abs(clientCert), keyFile: abs(clientKey) } : {}), client },
    };
  }
  const config = {
    log: { stdout: true, level: opts.logLevel ?? 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: shards,
      datastores: {
        'postgres-default': { sql: sql(names.main, 20) },
        'postgres-visibility': { sql: sql(names.visibility, 10) },
      },
    },
    global,
    services: {
      frontend: rpc(opts.frontendPort, ports.frontendMembership, ports.frontendHttp),
      history: rpc(ports.historyGrpc, ports.historyMembership),
      matching: rpc(ports.matchingGrpc, ports.matchingMembership),
      worker: rpc(ports.workerGrpc, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `${host}:${opts.frontendPort}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    publicClient: { hostPort: `${host}:${opts.frontendPort}` },
    dynamicConfigClient: { filepath: path.join(configDir, 'dynamicconfig.yaml'), pollInterval: '10s' },
  };
  const header = [
    `# Temporal server ${TEMPORAL_SERVER_VERSION} on PostgreSQL, written by s360-tixngo (tooling/temporal-server.ts); rewritten on every start.`,
    `# enable-template: the PostgreSQL password is read from $${PASSWORD_ENV}.`,
    '',
  ].join('\n');
  const dynamic: Record<string, unknown> = { ...DEFAULT_SERVER_DYNAMIC_CONFIG, ...opts.dynamicConfig };
  const dynamicDoc: Record<string, { value: unknown }[]> = {};
  for (const key of Object.keys(dynamic).sort()) {
    if (dynamic[key] !== undefined) dynamicDoc[key] = [{ value: dynamic[key] }];
  }
  return {
    configYaml: header + YAML.stringify(config, { lineWidth: 0 }),
    dynamicConfigYaml: `# Dynamic config of the Temporal server, written by s360-tixngo (tooling/temporal-server.ts).\n${YAML.stringify(dynamicDoc, { lineWidth: 0 })}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Process

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function readTls(tls: TemporalServerTls | undefined): TLSConfig | undefined {
  if (!tls) return undefined;
  const ca = tls.serverCa ?? tls.clientCa;
  const crt = tls.clientCert ?? (tls.requireClientAuth ? tls.serverCert : undefined);
  const key = tls.clientKey ?? (tls.requireClientAuth ? tls.serverKey : undefined);
  return {
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    ...(ca ? { serverRootCACertificate: fs.readFileSync(ca) } : {}),
    ...(crt && key ? { clientCertPair: { crt: fs.readFileSync(crt), key: fs.readFileSync(key) } } : {}),
  };
}

function tailOf(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** gRPC status code of an error from @temporalio/client, if any. */
const grpcCode = (err: unknown): number | undefined => (err as { code?: number }).code;

/**
 * Waits until the frontend answers, the namespace exists (registered when missing) and every custom search
 * attribute is registered and usable in a visibility query.
 */
async function prepareNamespace(address: string, tls: TLSConfig | undefined, namespace: string, deadline: number, alive: () => string | undefined, say?: (s: string) => void): Promise<void> {
  let connection: Connection | undefined;
  let lastError = '';
  const check = () => {
    const dead = alive();
    if (dead) throw new Error(dead);
    if (Date.now() > deadline) throw new Error(`the Temporal server at ${address} was not ready in time: ${lastError}`);
  };
  try {
    for (;;) {
      check();
      try {
        connection ??= await Connection.connect({ address, tls, connectTimeout: '5s' });
        await connection.workflowService.getSystemInfo({});
        break;
      } catch (err) {
        lastError = (err as Error).message;
        await sleep(500);
      }
    }
    const ws = connection.workflowService;
    let registered = false;
    for (;;) {
      check();
      try {
        await ws.describeNamespace({ namespace });
        break;
      } catch (err) {
        lastError = (err as Error).message;
        if (grpcCode(err) === 5 /* NOT_FOUND */ && !registered) {
          try {
            await ws.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(NAMESPACE_RETENTION_DAYS * 86_400_000) });
            say?.(`namespace ${namespace} registered (retention ${NAMESPACE_RETENTION_DAYS} days)`);
            registered = true;
          } catch (e) {
            if (grpcCode(e) === 6 /* ALREADY_EXISTS */) registered = true;
            else lastError = (e as Error).message;
          }
        }
        await sleep(500);
      }
    }
    const client = new Client({ connection, namespace });
    for (;;) {
      check();
      try {
        const res = await registerSearchAttributes(client, namespace);
        if (res.created.length) say?.(`search attributes registered on ${namespace}: ${res.created.join(', ')}`);
        break;
      } catch (err) {
        lastError = (err as Error).message;
        await sleep(500);
      }
    }
    // Usable: a visibility query naming every attribute is accepted (SQL visibility maps them per namespace).
    const query = ALL_SEARCH_ATTRIBUTES.map((k) => (k.type === 'BOOL' ? `${k.name} = true` : `${k.name} = 'probe'`)).join(' OR ');
    for (;;) {
      check();
      try {
        await ws.countWorkflowExecutions({ namespace, query });
        break;
      } catch (err) {
        lastError = (err as Error).message;
        await sleep(250);
      }
    }
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/** Waits until the frontend answers (after a restart: the namespace and attributes are already there). */
async function waitReady(address: string, tls: TLSConfig | undefined, namespace: string, deadline: number, alive: () => string | undefined): Promise<void> {
  await prepareNamespace(address, tls, namespace, deadline, alive);
}

/**
 * Sets up the schemas, writes the config into dataDir, spawns the server (output to logFile), waits until the
 * frontend answers, registers the namespace and the search attributes. The server is SIGKILLed if this process exits
 * without stopping it.
 */
export async function startTemporalServer(opts: TemporalServerOptions): Promise<TemporalServer> {
  const host = opts.host ?? '127.0.0.1';
  const namespace = opts.namespace ?? 'default';
  const bins = ensureTemporalServerBinaries(opts.say);
  const frontendPort = opts.frontendPort ?? (await freePort());
  if (await portAnswers(host, frontendPort)) throw new Error(`port ${host}:${frontendPort} is already in use; is another Temporal server running?`);
  const ports: TemporalServerPorts = {
    frontendMembership: await freePort(),
    historyGrpc: await freePort(),
    historyMembership: await freePort(),
    matchingGrpc: await freePort(),
    matchingMembership: await freePort(),
    workerGrpc: await freePort(),
    workerMembership: await freePort(),
    frontendHttp: 0,
  };
  const tls = readTls(opts.tls); // before anything starts: an unreadable file fails here
  await setupTemporalSchemas(opts);
  const { configYaml, dynamicConfigYaml } = renderServerConfig({ ...opts, frontendPort, ports });
  const dataDir = path.resolve(opts.dataDir);
  const configDir = configDirOf(dataDir);
  fs.mkdirSync(configDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(configDir, `${CONFIG_ENV}.yaml`), configYaml, { mode: 0o600 });
  fs.writeFileSync(path.join(configDir, 'dynamicconfig.yaml'), dynamicConfigYaml, { mode: 0o600 });
  const logFile = path.resolve(opts.logFile ?? path.join(dataDir, 'temporal-server.log'));
  const address = `${host.includes(':') ? `[${host}]` : host}:${frontendPort}`;
  const password = parsePostgresUrl(opts.postgresUrl).password;
  const timeoutMs = opts.startTimeoutMs ?? 120_000;

  let child!: ChildProcess;
  let exited: string | undefined;
  const killOnExit = () => {
    if (exited === undefined && child.pid) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };
  process.on('exit', killOnExit);
  const spawnServer = () => {
    const out = fs.openSync(logFile, 'a', 0o600);
    try {
      // Own process group: a Ctrl-C in the terminal reaches only us; we stop the server after the worker.
      child = spawn(bins.server, ['--root', '/', '--config', configDir, '--env', CONFIG_ENV, '--allow-no-auth', 'start'], {
        stdio: ['ignore', out, out],
        detached: true,
        env: { ...process.env, [PASSWORD_ENV]: password },
      });
    } finally {
      fs.closeSync(out);
    }
    exited = undefined;
    const mine = child;
    mine.once('exit', (code, signal) => {
      if (child === mine) exited = `the Temporal server exited (code ${code}, signal ${signal}); last lines of ${logFile}:\n${tailOf(logFile, 15)}`;
    });
  };
  const aliveCheck = () => exited;
  const stopChild = async (graceMs = 15_000) => {
    if (exited !== undefined || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  };

  spawnServer();
  try {
    await prepareNamespace(address, tls, namespace, Date.now() + timeoutMs, aliveCheck, opts.say);
  } catch (err) {
    await stopChild(2_000);
    process.removeListener('exit', killOnExit);
    throw err;
  }
  return {
    address,
    configDir,
    logFile,
    namespace,
    get pid() {
      return child.pid ?? -1;
    },
    get process() {
      return child;
    },
    async stop() {
      await stopChild();
      process.removeListener('exit', killOnExit);
    },
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (exited === undefined) child.kill(signal);
    },
    async restart() {
      await stopChild();
      // A SIGKILLed server's ports are free again at once (its listeners go with it); wait briefly if not.
      const portDeadline = Date.now() + 10_000;
      while ((await portAnswers(host, frontendPort)) && Date.now() < portDeadline) await sleep(200);
      spawnServer();
      await waitReady(address, tls, namespace, Date.now() + timeoutMs, aliveCheck);
    },
    clientTls: () => tls,
  };
}
