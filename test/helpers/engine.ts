// Helpers of the engine fault tests (test/engine): a PostgreSQL-backed Temporal server a test owns (so it can
// SIGKILL and restart it), a private PostgreSQL cluster a test can restart without touching the machine's shared
// one, worker processes, and the exactly-once checks every fault test ends with.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FunctionRunSummary, InjectionFanoutResult } from '../../common/functions';
import { reconcileEvent } from '../../ops/reconcile';
import { freePort } from '../../temporal/ports';
import { dropTemporalDatabases, ensureTemporalServerBinaries, startTemporalServer, type TemporalServer } from '../../tooling/temporal-server';
import { CLI_BIN, stackCliEnv } from './cli';
import { testServerUrl } from './db';
import { eventually, type Stack } from './stack';
import { testEngine } from './temporal';

/** Why an engine fault test is skipped on this run, or false: they need the real server (`--engine postgres`). */
export function engineSkipReason(): string | false {
  return testEngine() === 'postgres' ? false : 'engine faults need the real Temporal server: npm test -- --engine postgres --suite engine';
}


export interface OwnTemporalServer {
  server: TemporalServer;
  /** Stops the server, drops its databases, removes its files (keeps the log if the test failed). */
  close(): Promise<void>;
}

/** A PostgreSQL-backed Temporal server (4 shards) for one test, on `postgresUrl` (default DATABASE_TEST_URL's). */
export async function startOwnTemporalServer(postgresUrl = testServerUrl()): Promise<OwnTemporalServer> {
  ensureTemporalServerBinaries();
  const databasePrefix = `temporal_fault_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 's360-fault-temporal-'));
  const logFile = path.join(dataDir, 'server.log');
  let server: TemporalServer;
  try {
    server = await startTemporalServer({ postgresUrl, databasePrefix, shards: 4, dataDir, logFile });
  } catch (err) {
    await dropTemporalDatabases({ postgresUrl, databasePrefix }).catch(() => undefined);
    throw err;
  }
  return {
    server,
    async close() {
      await server.stop().catch(() => undefined);
      await dropTemporalDatabases({ postgresUrl, databasePrefix }).catch(() => undefined);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const PG_BIN = process.env.PG_BIN_DIR || '/usr/lib/postgresql/15/bin';

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /**
   * `pg_ctl stop -m fast`, `downMs` without a server, `pg_ctl start`: every client connection is cut (S-360 pools and
   * Temporal's persistence alike); the server accepts connections again when this resolves.
   */
  restart(downMs: number): Promise<void>;
  stop(): void;
}

/**
 * A PostgreSQL cluster of its own (initdb in /tmp, own port, trust auth on loopback), so that a test can restart it
 * without touching the machine's shared server. As root, the server runs as the `postgres` user (it refuses root).
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's360-fault-pg-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  if (asRoot) spawnSync('chown', ['-R', 'postgres:postgres', dir]);
  const pg = (bin: string, args: string[]): void => {
    const cmd = asRoot ? 'runuser' : path.join(PG_BIN, bin);
    const argv = asRoot ? ['-u', 'postgres', '--', path.join(PG_BIN, bin), ...args] : args;
    const r = spawnSync(cmd, argv, { encoding: 'utf8', cwd: dir });
    if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || String(r.error)).trim()}`);
  };
  const port = await freePort();
  pg('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  // Temporal's server and the S-360 pools together need more than the default 100 connections.
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c max_connections=500 -c fsync=off`;
  const ctl = (action: string, extra: string[] = []): void => pg('pg_ctl', [action, '-D', dataDir, '-w', '-t', '60', '-l', logFile, '-o', options, ...extra]);
  ctl('start');
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async restart(downMs) {
      pg('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60']);
      await new Promise((r) => setTimeout(r, downMs));
      ctl('start');
    },
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        pg('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** `s360-tixngo worker` as its own process on the stack's task queue, database and secret key. */
export function spawnWorkerProcess(stack: Stack, temporalAddress: string, dataDir: string, children: ChildProcess[]): ChildProcess {
  const child = spawn(process.execPath, [CLI_BIN, 'worker'], {
    env: { ...stackCliEnv(stack), TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_NAMESPACE: 'default', DATA_DIR: dataDir, TEMPORAL_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[worker ${child.pid}] ${d.toString()}`));
  children.push(child);
  return child;
}

/** Tickets of an event with the given S-360 status. */
export async function ticketsWithStatus(stack: Stack, eventCode: string, status: string): Promise<number> {
  const r = await stack.db.knex('ticket').join('performance', 'performance.id', 'ticket.performance_id').where({ 'performance.code': eventCode, 'ticket.status': status }).count('* as n').first();
  return Number(r?.n);
}

interface SimStats {
  tickets: Record<string, number>;
  reinjectedTickets: number;
}

/**
 * The end state every engine fault must reach: the run OK with every ticket processed; every ticket PRINTED once in
 * S-360 (one INJECTION marker, one history row each), INJECTED once in TIXNGO (no injectCount > 1), every ticket
 * workflow started by the fan-out, and reconcile clean.
 */
export async function assertInjectedExactlyOnce(stack: Stack, eventCode: string, tickets: number, summary: FunctionRunSummary, since = Date.now()): Promise<void> {
  progress(since, `run ended: ${summary.outcome}, ${summary.succeeded} succeeded, ${summary.failed} failed`);
  assert.equal(summary.outcome, 'OK', `run outcome (failures: ${JSON.stringify(summary.failures.slice(0, 3))})`);
  assert.equal(summary.succeeded, tickets, 'every ticket succeeded in the run summary');
  assert.equal(await ticketsWithStatus(stack, eventCode, 'PRINTED'), tickets, 'every ticket PRINTED in S-360');
  const markers = await stack.db.knex('processing_marker').where({ function: 'INJECTION' }).count('* as n').first();
  assert.equal(Number(markers?.n), tickets, 'one INJECTION marker per ticket');
  const hist = await stack.db.knex('mobile_ticket_history').where({ source: 'INJECTION' }).count('* as n').first();
  assert.equal(Number(hist?.n), tickets, 'one injection history row per ticket');
  const stats = await stack.simAdmin<SimStats>('GET', '/__sim/stats');
  assert.equal(stats.tickets.INJECTED, tickets, 'every ticket INJECTED in TIXNGO');
  assert.equal(stats.reinjectedTickets, 0, 'no ticket injected twice (simulator injectCount > 1)');
  const report = await reconcileEvent({ repo: stack.repo, secretKey: stack.secretKey, interfaceName: stack.interfaceName, eventCode });
  assert.equal(report.checked, tickets, 'reconcile checked every ticket');
  assert.deepEqual(report.divergences, [], 'reconcile clean');
  progress(since, 'S-360, TIXNGO and reconcile checked; waiting for the ticket workflows');
  assert.ok(summary.lifecycleFanoutWorkflowId, 'the run started the ticket workflows fan-out');
  const fanout = (await stack.client.workflow.getHandle(summary.lifecycleFanoutWorkflowId).result()) as InjectionFanoutResult;
  progress(since, `fan-out ended: ${JSON.stringify(fanout)}`);
  assert.equal(fanout.notified + fanout.closed, tickets, `the fan-out reached every ticket (${JSON.stringify(fanout)})`);
  // Independently of the fan-out's own count: a ticket workflow per ticket (visibility is eventually consistent).
  const query = `WorkflowType = 'ticketLifecycle' AND InterfaceName = '${stack.interfaceName}'`;
  await eventually('a ticket workflow per ticket in visibility', async () => (await stack.client.workflow.count(query)).count, (n) => n === tickets, 120_000);
  progress(since, 'a ticket workflow per ticket in visibility');
}

/** `p`, unless one of `workers` exits first: then a failure naming its exit (instead of a run that never ends). */
export async function unlessWorkerExits<T>(p: Promise<T>, workers: readonly ChildProcess[]): Promise<T> {
  let onExit: (() => void) | undefined;
  const exited = new Promise<never>((_, reject) => {
    onExit = () => {
      const dead = workers.find((w) => w.exitCode !== null || w.signalCode !== null);
      if (dead) reject(new Error(`worker ${dead.pid} exited (${dead.exitCode ?? dead.signalCode}) before the run ended`));
    };
    for (const w of workers) w.once('exit', onExit);
    onExit();
  });
  try {
    return await Promise.race([p, exited]);
  } finally {
    for (const w of workers) if (onExit) w.off('exit', onExit);
  }
}

/** A progress line on stderr with the seconds since `since` (engine tests are long: show where the time goes). */
export function progress(since: number, line: string): void {
  process.stderr.write(`[${((Date.now() - since) / 1000).toFixed(1)} s] ${line}\n`);
}
