// The injection benchmark (`s360-tixngo bench`, `npm run bench -- --tickets N --json`).
//
// Every component is real and provisioned here, then removed, also on Ctrl-C or failure:
//   - a Temporal dev server (`startDevServer`; SQLite file in a temp dir with the fast pragmas by default,
//     or in memory), tuned with dynamic config values that matter on a single node (see DEFAULT_DYNAMIC_CONFIG);
//   - the TIXNGO simulator in a child process (it must not share an event loop with the code under test);
//   - a fresh, uniquely named PostgreSQL database (dropped at the end);
//   - the product's worker (createActivities + createWorkers), by default in a child process of its own: the
//     driver's polling and the bare loop then never share its event loop, and its CPU and peak RSS are read from
//     /proc without the driver in them (`--worker in-process` to compare).
//
// It measures, on separately seeded events of N tickets each:
//   1. the bare loop: the same page select, payload load/build, ONE bulk TIXNGO call per batch and markInjected
//      as the injection activity, in a plain loop without Temporal;
//   2. the product: the `injectTickets` workflow started as S-360 would, until every ticket is PRINTED in S-360
//      and INJECTED in TIXNGO, and until every ticket's lifecycle workflow runs (visibility count, and the
//      function workflow's end, which waits for its fan-out activities);
//   3. optionally the dev server's raw creation ceiling: N no-op workflows started and completed.
// For each phase it records the CPU seconds of the dev server, worker, simulator, PostgreSQL backends and the
// driver (from /proc), and what the rest of the machine used meanwhile (the machine is shared).
//
// The worker child is this file run with WORKER_CHILD_FLAG (see the end of the file).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { knex as createKnex, type Knex } from 'knex';
import fetch from 'node-fetch';
import type { DataConverter } from '@temporalio/common';
import { createActivities } from '../activities';
import { buildTicketPayload } from '../activities/payload';
import { getDataConverter } from '../codec/data-converter';
import { closeDb, createDb } from '../db/connection';
import { migrateLatest } from '../db/migrate';
import { createRepository, type Repository } from '../db/repository';
import { parseSecretKey, secretKeyFromBytes, type SecretKey } from '../db/secrets';
import { seed } from '../db/seed';
import { ensureTemporalCli } from '../tooling/temporal-cli';
import { startFunction } from '../temporal/functions';
import { freePort } from '../temporal/ports';
import { startDevServer, type DevServer } from '../tooling/dev-server';
import { TixngoClient } from '../tixngo/client';
import { DEFAULT_TUNING, createWorkers, installRuntime, type WorkerTuning } from '../workers/worker';
import type { FunctionRunSummary } from '../common/functions';

const ROOT = path.resolve(__dirname, '..');
const WORKER_CHILD_FLAG = '--bench-worker-child';
const WORKER_CONFIG_ENV = 'S360_BENCH_WORKER_CONFIG';
const API_KEY = 'bench-api-key-not-secret';
const NAMESPACE = 'default';

// ---------------------------------------------------------------------------------------------
// Options and results
// ---------------------------------------------------------------------------------------------

export type DynamicConfigValue = string | number | boolean;

/**
 * Dynamic config for a single-node dev server under a creation burst:
 *  - the CLI forces a search-attribute cache refresh (a SQLite read) on every request that carries search
 *    attributes, which every ticket workflow start does; ours are registered at start-up, so the cache is safe;
 *  - one task-queue partition: with one matching node, four partitions only add forwarding between them.
 */
export const DEFAULT_DYNAMIC_CONFIG: Readonly<Record<string, DynamicConfigValue>> = {
  'system.forceSearchAttributesCacheRefreshOnRead': false,
  // The batch activity runs on the workflow's own task queue: handed back in the workflow task's response
  // instead of a trip through matching (the SDK asks for it by default; the server refuses it unless enabled).
  'system.enableActivityEagerExecution': true,
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
};

export interface DevServerBenchOptions {
  /** 'file': SQLite file in the temp dir (as `dev` runs it); 'memory': in-memory SQLite. */
  persistence: 'file' | 'memory';
  /** startDevServer's fastSqlite (journal_mode=wal, synchronous=normal); file persistence only. */
  fastSqlite: boolean;
  /** Further `--sqlite-pragma` values (PRAGMA=VALUE). */
  sqlitePragmas: string[];
  dynamicConfig: Record<string, DynamicConfigValue>;
}

export interface BenchWorkerTuning extends WorkerTuning {
  /** ActivityDeps.fanoutConcurrency: start/signal calls in flight per fan-out activity. */
  fanoutConcurrency: number;
  /** Temporal client of the fan-out activities: over the worker's NativeConnection (Rust) or @grpc/grpc-js. */
  fanoutClient: 'native' | 'grpc';
  /** Eager workflow start of new ticket workflows (native client only; default off, see docs/benchmarks.md). */
  eagerStart?: boolean;
}

export interface InjectionBenchOptions {
  tickets: number;
  batchSize: number;
  devServer: DevServerBenchOptions;
  tuning: BenchWorkerTuning;
  worker: 'child' | 'in-process';
  /**
   * Stop the Temporal phase once every ticket is PRINTED + INJECTED and the function ended: the ticket workflows'
   * fan-out is not waited for (its fields are null). For the injection ratio at large N in minutes.
   */
  injectionOnly?: boolean;
  /** Phases to measure (the ceiling also needs ceiling > 0). */
  phases: ('bare' | 'temporal')[];
  /** Tickets of the warm-up (through Temporal and through the bare loop) before measuring; 0 skips it. */
  warmup: number;
  /** No-op workflows started for the raw creation ceiling; 0 skips it. */
  ceiling: number;
  ceilingConcurrency: number;
  /** PostgreSQL server (admin URL); a database is created on it and dropped at the end. */
  postgresUrl: string;
  /** Give up a phase after this long. */
  timeoutMs: number;
  log(line: string): void;
}

export interface CpuProfile {
  wallMs: number;
  /** CPU seconds used during the phase, per component. */
  cpuSeconds: { devServer: number; worker: number; simulator: number; postgres: number | null; driver: number; restOfMachine: number };
  /** Share of the machine's cores busy during the phase (all processes, ours and other sessions'). */
  machineBusyPct: number;
  cores: number;
}

export interface CeilingResult {
  workflows: number;
  concurrency: number;
  /** Until every start call returned. */
  startedMs: number;
  startsPerSec: number;
  /** Until every no-op workflow completed (visibility count). */
  completedMs: number;
  completedPerSec: number;
  profile: CpuProfile;
}

export interface InjectionBenchResult {
  tickets: number;
  batchSize: number;
  temporal: {
    /** From the workflow start until every ticket is PRINTED in S-360 and INJECTED in TIXNGO. */
    printedAndInjectedMs: number;
    ticketsPerSec: number;
    /** Until the visibility API counts N running lifecycle workflows of the event. */
    workflowsRunningMs: number;
    workflowsPerSec: number;
    /** Until the injection workflow ended (its batches done; it does not wait for the fan-out child). */
    functionDoneMs: number;
    /** Until the fan-out child ended: every ticket workflow start acknowledged. */
    fanoutDoneMs: number;
    /** Ticket workflows created per second while the fan-out ran (N / (fanoutDoneMs - functionDoneMs)). */
    fanoutWorkflowsPerSec: number;
    /** Until the main task queue has no workflow task backlog left: every lifecycle workflow's first task was handed to the worker. */
    lifecyclesDispatchedMs: number;
    lifecyclesDispatchedPerSec: number;
    tixngoCalls: number;
    callsPer100Tickets: number;
    workerPeakRssMb: number;
    outcome: string;
    batches: number;
    /** Executions of the function workflow (continue-as-new waits for the pending fan-outs first). */
    functionRuns: number;
    profile: CpuProfile;
  } | null;
  bareLoop: { ms: number; ticketsPerSec: number; tixngoCalls: number; profile: CpuProfile } | null;
  /** temporal.printedAndInjectedMs / bareLoop.ms */
  ratio: number | null;
  ceiling: CeilingResult | null;
  targets: { injectionWithin1_5xBareLoop: boolean | null; atMost1CallPer100Tickets: boolean | null; workflows500PerSec: boolean | null };
  devServer: DevServerBenchOptions & { args: string[] };
  worker: { mode: 'child' | 'in-process'; tuning: BenchWorkerTuning };
  machine: { cores: number; loadAvgAtStart: number[]; node: string };
}

export const DEFAULT_BENCH_TUNING: BenchWorkerTuning = {
  ...DEFAULT_TUNING,
  fanoutConcurrency: 32,
  fanoutClient: 'native',
};

// ---------------------------------------------------------------------------------------------
// Cleanup: everything started is registered here, undone in reverse order, once.
// ---------------------------------------------------------------------------------------------

class Cleanup {
  readonly #steps: { name: string; fn: () => Promise<void> | void }[] = [];
  readonly #children = new Set<ChildProcess>();
  #ran: Promise<void> | undefined;

  constructor(private readonly log: (line: string) => void) {}

  add(name: string, fn: () => Promise<void> | void): void {
    this.#steps.push({ name, fn });
  }

  /** A child process killed by SIGKILL when this process exits, whatever happens before. */
  child(child: ChildProcess): void {
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
  }

  killChildrenNow(): void {
    for (const c of this.#children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }

  run(): Promise<void> {
    this.#ran ??= (async () => {
      for (const step of this.#steps.reverse()) {
        try {
          await withTimeout(Promise.resolve(step.fn()), 30_000, `cleanup: ${step.name}`);
        } catch (err) {
          this.log(`cleanup: ${step.name} failed: ${(err as Error).message}`);
        }
      }
      this.killChildrenNow();
    })();
    return this.#ran;
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function tailOf(file: string, lines: number): string[] {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines);
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------
// /proc sampling: CPU per component, worker RSS, machine load
// ---------------------------------------------------------------------------------------------

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of a process (all its threads), in seconds; undefined when it is gone or not visible. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** VmRSS (or VmHWM, the peak) of a process in MB. */
function processMemoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Busy and total CPU seconds of the whole machine since boot. */
function machineCpuSeconds(): { busy: number; total: number } {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: (total - idle) / ticksPerSecond(), total: total / ticksPerSecond() };
  } catch {
    return { busy: 0, total: 0 };
  }
}

type Component = 'devServer' | 'worker' | 'simulator' | 'postgres' | 'driver';

interface Pids {
  devServer: number;
  simulator: number;
  worker: number;
  /** PostgreSQL backends serving our database (they come and go with pool connections). */
  postgres: () => Promise<number[]>;
}

/** Samples CPU per component over one phase (every second, so short-lived PostgreSQL backends are seen). */
class PhaseSampler {
  readonly #first = new Map<number, { component: Component; cpu: number }>();
  readonly #last = new Map<number, number>();
  readonly #started = performance.now();
  readonly #machine0 = machineCpuSeconds();
  #timer: NodeJS.Timeout | undefined;
  #postgresVisible = true;
  peakWorkerRssMb = 0;

  private constructor(private readonly pids: Pids) {}

  static async start(pids: Pids, cleanup: Cleanup): Promise<PhaseSampler> {
    const s = new PhaseSampler(pids);
    await s.#sample(true);
    s.#timer = setInterval(() => void s.#sample(false), 1000);
    s.#timer.unref();
    cleanup.add('sampler', () => clearInterval(s.#timer));
    return s;
  }

  async #sample(initial: boolean): Promise<void> {
    const fixed: [Component, number][] = [
      ['devServer', this.pids.devServer],
      ['simulator', this.pids.simulator],
      ['worker', this.pids.worker],
      ['driver', process.pid],
    ];
    const pg = await this.pids.postgres().catch((): number[] => []);
    const all: [Component, number][] = [...fixed.filter(([c, pid]) => !(c === 'driver' && pid === this.pids.worker)), ...pg.map((pid): [Component, number] => ['postgres', pid])];
    for (const [component, pid] of all) {
      const cpu = processCpuSeconds(pid);
      if (cpu === undefined) {
        if (component === 'postgres') this.#postgresVisible = false;
        continue;
      }
      if (!this.#first.has(pid)) this.#first.set(pid, { component, cpu: initial || component !== 'postgres' ? cpu : 0 });
      this.#last.set(pid, cpu);
    }
    const rss = processMemoryMb(this.pids.worker, 'VmRSS');
    if (rss !== undefined) this.peakWorkerRssMb = Math.max(this.peakWorkerRssMb, rss);
  }

  async stop(): Promise<CpuProfile> {
    clearInterval(this.#timer);
    await this.#sample(false);
    const wallMs = performance.now() - this.#started;
    const machine1 = machineCpuSeconds();
    const cpu: Record<Component, number> = { devServer: 0, worker: 0, simulator: 0, postgres: 0, driver: 0 };
    for (const [pid, { component, cpu: first }] of this.#first) cpu[component] += (this.#last.get(pid) ?? first) - first;
    const ours = Object.values(cpu).reduce((a, b) => a + b, 0);
    const busy = machine1.busy - this.#machine0.busy;
    const total = machine1.total - this.#machine0.total;
    const r = (x: number) => Math.round(x * 10) / 10;
    return {
      wallMs: Math.round(wallMs),
      cpuSeconds: {
        devServer: r(cpu.devServer),
        worker: r(cpu.worker),
        simulator: r(cpu.simulator),
        postgres: this.#postgresVisible ? r(cpu.postgres) : null,
        driver: r(cpu.driver),
        restOfMachine: r(Math.max(0, busy - ours)),
      },
      machineBusyPct: total > 0 ? Math.round((busy / total) * 100) : 0,
      cores: os.cpus().length,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Components
// ---------------------------------------------------------------------------------------------

export function devServerExtraArgs(o: DevServerBenchOptions): string[] {
  const args: string[] = [];
  for (const p of o.sqlitePragmas) args.push('--sqlite-pragma', p);
  for (const [k, v] of Object.entries(o.dynamicConfig)) args.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);
  return args;
}

/** Connects once the frontend is healthy (the port answers a little before it is). */
async function connectWhenHealthy<T>(what: string, connect: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connect();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
      await sleep(200);
    }
  }
}

function startSimulatorChild(cleanup: Cleanup): Promise<{ child: ChildProcess; interfaceUrl: string; adminUrl: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'simulator', 'main.ts'), '--port', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env },
    });
    cleanup.child(child);
    cleanup.add('simulator', () => stopChild(child));
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`simulator did not start within 30 s: ${err}`)), 30_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /interface URL: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, interfaceUrl: m[1]!, adminUrl: `${new URL(m[1]!).origin}/__sim` });
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited early (code ${code}): ${err}`));
    });
  });
}

function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

interface SimStats {
  calls: Record<string, number>;
  tickets: Record<string, number>;
}

async function simStats(adminUrl: string): Promise<{ calls: number; injected: number }> {
  const res = await fetch(`${adminUrl}/stats`);
  if (!res.ok) throw new Error(`simulator stats: HTTP ${res.status}`);
  const s = (await res.json()) as SimStats;
  return { calls: Object.values(s.calls).reduce((a, b) => a + b, 0), injected: s.tickets.INJECTED ?? 0 };
}

/** A fresh database on the server, migrated; dropped by cleanup (with force: pool connections may linger). */
async function createBenchDatabase(serverUrl: string, dataDir: string, cleanup: Cleanup): Promise<{ url: string; knex: Knex }> {
  const name = `s360_bench_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = createKnex({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`create database "${name}"`);
  } finally {
    await admin.destroy();
  }
  cleanup.add(`drop database ${name}`, async () => {
    const a = createKnex({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
    try {
      await a.raw(`drop database if exists "${name}" with (force)`);
    } finally {
      await a.destroy();
    }
  });
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const knex = await createDb({ databaseUrl: u.toString(), dataDir });
  cleanup.add('driver database pool', () => closeDb(knex));
  await migrateLatest(knex);
  return { url: u.toString(), knex };
}

// ---------------------------------------------------------------------------------------------
// The worker (child process by default; the same code in-process)
// ---------------------------------------------------------------------------------------------

interface BenchWorkerConfig {
  temporalAddress: string;
  taskQueue: string;
  databaseUrl: string;
  secretKeyHex: string;
  /** Payload codec key (S360_CODEC_KEY) shared by the driver's client and the worker. */
  codecKeyHex: string;
  tuning: BenchWorkerTuning;
  /** Task queue and workflows file of the no-op ceiling workflow; absent when no ceiling is measured. */
  ceiling?: { taskQueue: string; workflowsPath: string };
}

interface RunningBenchWorker {
  stop(): Promise<void>;
}

/** The product's data converter (encryption codec) with the benchmark's own key: no key file is written. */
function benchDataConverter(codecKeyHex: string): DataConverter {
  return getDataConverter({ S360_CODEC_KEY: codecKeyHex, dataDir: os.tmpdir() });
}

/** The product worker as workers/main.ts assembles it, with the benchmark's tuning (and the no-op worker). */
async function runBenchWorker(cfg: BenchWorkerConfig): Promise<RunningBenchWorker> {
  installRuntime();
  const secretKey = parseSecretKey(cfg.secretKeyHex);
  if (!secretKey) throw new Error('bench worker: bad secret key');
  const dataConverter = benchDataConverter(cfg.codecKeyHex);
  const db = await createDb({ databaseUrl: cfg.databaseUrl, dataDir: os.tmpdir() });
  const connection = await NativeConnection.connect({ address: cfg.temporalAddress });
  const grpc = cfg.tuning.fanoutClient === 'grpc' ? await Connection.connect({ address: cfg.temporalAddress }) : undefined;
  const client = new Client({ connection: grpc ?? connection, namespace: NAMESPACE, dataConverter });
  const activities = createActivities({
    repo: createRepository(db),
    secretKey,
    client,
    taskQueue: cfg.taskQueue,
    tixngo: { auth: 'header', keyHeader: 'X-TIXNGO-KEY', timeoutMs: 120_000 },
    fanoutConcurrency: cfg.tuning.fanoutConcurrency,
    // Eager start needs the client on the worker's NativeConnection (as workers/main.ts does).
    eagerStart: cfg.tuning.fanoutClient === 'native' && cfg.tuning.eagerStart === true,
  });
  const { fanoutConcurrency: _c, fanoutClient: _f, eagerStart: _e, ...tuning } = cfg.tuning;
  const workers = await createWorkers({ connection, namespace: NAMESPACE, taskQueue: cfg.taskQueue, activities, tuning, dataConverter });
  let noop: Worker | undefined;
  if (cfg.ceiling) {
    const workflowsPath = cfg.ceiling.workflowsPath;
    noop = await Worker.create({
      connection,
      namespace: NAMESPACE,
      taskQueue: cfg.ceiling.taskQueue,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath,
        logger: new DefaultLogger('WARN'),
        // The file lives in a temp dir: let webpack find the SDK in this project.
        webpackConfigHook: (c) => ({ ...c, resolve: { ...c.resolve, modules: [...(c.resolve?.modules ?? []), path.join(ROOT, 'node_modules'), 'node_modules'] } }),
      }),
      dataConverter,
      maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTaskExecutions,
      maxCachedWorkflows: tuning.maxCachedWorkflows,
      shutdownGraceTime: '5s',
    });
  }
  const running = Promise.all([workers.run(), noop?.run()]);
  let stopped: Promise<void> | undefined;
  return {
    stop: () =>
      (stopped ??= (async () => {
        workers.shutdown();
        if (noop?.getState() === 'RUNNING') noop.shutdown();
        await running.catch(() => undefined);
        await connection.close().catch(() => undefined);
        await grpc?.close().catch(() => undefined);
        await closeDb(db).catch(() => undefined);
      })()),
  };
}

/** Starts the worker child and resolves once it polls; its stdin closing (our death) also stops it. */
function startWorkerChild(cfg: BenchWorkerConfig, cleanup: Cleanup, log: (l: string) => void): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // S360_BENCH_WORKER_NODE_ARGS: extra node flags for the worker only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p` to profile it.
    const nodeArgs = (process.env.S360_BENCH_WORKER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', __filename, WORKER_CHILD_FLAG], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, [WORKER_CONFIG_ENV]: JSON.stringify(cfg) },
    });
    cleanup.child(child);
    cleanup.add('worker', () => {
      child.stdin?.end();
      return stopChild(child, 20_000);
    });
    let err = '';
    const timer = setTimeout(() => reject(new Error(`worker did not start within 120 s: ${err}`)), 120_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (d.includes('bench-worker-ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err = (err + d).slice(-4000);
      for (const line of d.split('\n')) if (line.trim()) log(`worker: ${line}`);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (code ${code}, signal ${signal}): ${err}`));
    });
  });
}

async function workerChildMain(): Promise<void> {
  const raw = process.env[WORKER_CONFIG_ENV];
  if (!raw) throw new Error(`${WORKER_CONFIG_ENV} is not set`);
  const worker = await runBenchWorker(JSON.parse(raw) as BenchWorkerConfig);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    worker.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.stdout.write('bench-worker-ready\n');
}

// ---------------------------------------------------------------------------------------------
// Phases
// ---------------------------------------------------------------------------------------------

interface Stage {
  repo: Repository;
  knex: Knex;
  interfaceName: string;
  secretKey: SecretKey;
  simAdminUrl: string;
  client: Client;
  taskQueue: string;
  pids: Pids;
  opts: InjectionBenchOptions;
}

/** The injection activity's work in a plain loop: page select, payload load/build, one bulk call, markInjected. */
async function bareLoop(st: Stage, eventCode: string): Promise<{ ms: number; calls: number; injected: number }> {
  const { repo } = st;
  const row = await repo.getInterfaceByName(st.interfaceName);
  if (!row) throw new Error(`interface ${st.interfaceName} not found`);
  const started = performance.now();
  const cred = await repo.getInterfaceCredentials(row.id, st.secretKey);
  const client = new TixngoClient({ url: cred.url, login: cred.login, apiKey: cred.apiKey, auth: 'header', keyHeader: 'X-TIXNGO-KEY', timeoutMs: 120_000 });
  const runId = `bare-${eventCode}`;
  let afterId: string | undefined;
  let calls = 0;
  let injected = 0;
  for (;;) {
    const ids = await repo.selectInjectionCandidates(row.id, { eventCode, afterId, limit: st.opts.batchSize });
    if (ids.length === 0) break;
    const rows = await repo.loadTicketsForPayload(ids);
    const res = await client.injectTickets(rows.map((r) => buildTicketPayload(r, row.customParams)));
    if (res.results.some((r) => !r.local)) calls++;
    const accepted = res.results.filter((r) => r.outcome === 'ACCEPTED').map((r) => r.ticketId);
    await repo.markInjected(row.id, accepted, runId);
    injected += accepted.length;
    afterId = ids[ids.length - 1];
    if (ids.length < st.opts.batchSize) break;
  }
  return { ms: performance.now() - started, calls, injected };
}

async function countPrinted(knex: Knex, eventCode: string): Promise<number> {
  const r = (await knex.raw(
    `select count(*)::int as n from ticket t join performance p on p.id = t.performance_id where p.code = ? and t.status = 'PRINTED'`,
    [eventCode],
  )) as { rows: { n: number }[] };
  return Number(r.rows[0]?.n ?? 0);
}

async function countLifecycles(client: Client, eventCode: string): Promise<number> {
  return (await client.workflow.count(`WorkflowType="ticketLifecycle" AND EventCode="${eventCode}" AND ExecutionStatus="Running"`)).count;
}

/** Approximate workflow-task backlog of a task queue (server-side stats). */
async function workflowBacklog(client: Client, taskQueue: string): Promise<number> {
  const r = await client.workflowService.describeTaskQueue({
    namespace: NAMESPACE,
    taskQueue: { name: taskQueue, kind: 1 }, // TASK_QUEUE_KIND_NORMAL
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
    reportStats: true,
  });
  return Number(r.stats?.approximateBacklogCount ?? 0);
}

/** Waits until the worker has no workflow task backlog and the dev server is (nearly) idle, so phases do not overlap. */
async function settle(st: Stage, taskQueues: string[], maxMs = 600_000): Promise<number> {
  const started = performance.now();
  const deadline = Date.now() + maxMs;
  let quiet = 0;
  while (quiet < 2 && Date.now() < deadline) {
    let backlog = 0;
    for (const q of taskQueues) backlog += await workflowBacklog(st.client, q);
    const a = processCpuSeconds(st.pids.devServer) ?? 0;
    const w = processCpuSeconds(st.pids.worker) ?? 0;
    await sleep(500);
    const busy = (processCpuSeconds(st.pids.devServer) ?? 0) - a + ((processCpuSeconds(st.pids.worker) ?? 0) - w);
    quiet = backlog === 0 && busy < 0.1 ? quiet + 1 : 0;
  }
  return performance.now() - started;
}

interface TemporalRun {
  printedAndInjectedMs: number;
  workflowsRunningMs: number;
  functionDoneMs: number;
  /** Until the injection's fan-out child (injectionFanout) ended: every ticket workflow start acknowledged. */
  fanoutDoneMs: number;
  lifecyclesDispatchedMs: number;
  calls: number;
  summary: FunctionRunSummary;
}

/** Starts the injection function for the event and waits for every effect; times from the start call. */
async function temporalRun(st: Stage, eventCode: string, n: number): Promise<TemporalRun> {
  const base = await simStats(st.simAdminUrl);
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const run = await startFunction(st.client, st.taskQueue, 'inject', { interfaceName: st.interfaceName, eventCode, batchSize: st.opts.batchSize });
  let functionDoneMs: number | undefined;
  let fanoutDoneMs: number | undefined;
  let functionError: unknown;
  let summary: FunctionRunSummary | undefined;
  st.client.workflow
    .getHandle(run.workflowId, run.runId, { followRuns: true })
    .result()
    .then(
      async (s: FunctionRunSummary) => {
        summary = s;
        functionDoneMs = elapsed();
        // The ticket workflows are started by the run's child once the batches are done.
        // (not with --injection-only: the connection closes while the child still runs)
        if (s.lifecycleFanoutWorkflowId && !st.opts.injectionOnly) await st.client.workflow.getHandle(s.lifecycleFanoutWorkflowId).result();
        fanoutDoneMs = elapsed();
      },
    )
    .catch((err: unknown) => (functionError = err));
  let printedAndInjectedMs: number | undefined;
  let workflowsRunningMs: number | undefined;
  let lifecyclesDispatchedMs: number | undefined;
  let lastVisibilityPoll = 0;
  let last = { injected: 0, printed: 0, running: 0, backlog: 0 };
  const deadline = Date.now() + st.opts.timeoutMs;
  let nextReport = Date.now() + 10_000;
  while (printedAndInjectedMs === undefined || workflowsRunningMs === undefined || fanoutDoneMs === undefined || lifecyclesDispatchedMs === undefined) {
    if (functionError) throw new Error(`the injection workflow failed: ${(functionError as Error).message}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${st.opts.timeoutMs} ms; last progress ${JSON.stringify(last)}`);
    if (printedAndInjectedMs === undefined) {
      // TIXNGO first (an HTTP call to the simulator), S-360 only once TIXNGO has them all (printed follows injected).
      const injected = (await simStats(st.simAdminUrl)).injected - base.injected;
      last = { ...last, injected };
      if (injected >= n) {
        const printed = await countPrinted(st.knex, eventCode);
        last = { ...last, printed };
        if (printed >= n) printedAndInjectedMs = elapsed();
      }
    }
    // Visibility: every 2 s while the fan-out runs (each count is a query on the dev server's one SQLite
    // connection), every 100 ms once the fan-out ended (all starts acknowledged) to time the last one.
    if (workflowsRunningMs === undefined && (fanoutDoneMs !== undefined || Date.now() - lastVisibilityPoll > 2000)) {
      lastVisibilityPoll = Date.now();
      const running = await countLifecycles(st.client, eventCode);
      last = { ...last, running };
      if (running >= n) workflowsRunningMs = elapsed();
    }
    if (workflowsRunningMs !== undefined && fanoutDoneMs !== undefined && lifecyclesDispatchedMs === undefined) {
      const backlog = await workflowBacklog(st.client, st.taskQueue);
      last = { ...last, backlog };
      if (backlog === 0) lifecyclesDispatchedMs = elapsed();
    }
    if (st.opts.injectionOnly && printedAndInjectedMs !== undefined && functionDoneMs !== undefined) {
      // Not measured: NaN becomes null in the JSON report.
      workflowsRunningMs = fanoutDoneMs = lifecyclesDispatchedMs = Number.NaN;
      break;
    }
    if (Date.now() > nextReport) {
      nextReport = Date.now() + 10_000;
      st.opts.log(
        `  ${(elapsed() / 1000).toFixed(0)} s: injected ${last.injected}, printed ${last.printed}, lifecycle workflows running ${last.running}/${n}${functionDoneMs !== undefined ? `, function done, workflow task backlog ${last.backlog}` : ''}`,
      );
    }
    await sleep(printedAndInjectedMs === undefined ? 50 : 100);
  }
  const after = await simStats(st.simAdminUrl);
  return { printedAndInjectedMs, workflowsRunningMs, functionDoneMs: functionDoneMs!, fanoutDoneMs, lifecyclesDispatchedMs, calls: after.calls - base.calls, summary: summary! };
}

/** N no-op workflows started with bounded concurrency: the dev server's creation (and completion) ceiling. */
async function ceilingRun(st: Stage, taskQueue: string): Promise<Omit<CeilingResult, 'profile'>> {
  const n = st.opts.ceiling;
  const prefix = `noop-${crypto.randomBytes(3).toString('hex')}`;
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(st.opts.ceilingConcurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        await st.client.workflow.start('benchNoop', { taskQueue, workflowId: `${prefix}-${i}`, args: [] });
      }
    }),
  );
  const startedMs = performance.now() - started;
  const deadline = Date.now() + st.opts.timeoutMs;
  for (;;) {
    const done = (await st.client.workflow.count(`WorkflowType="benchNoop" AND ExecutionStatus="Completed" AND WorkflowId STARTS_WITH "${prefix}-"`)).count;
    if (done >= n) break;
    if (Date.now() > deadline) throw new Error(`ceiling: only ${done}/${n} no-op workflows completed in time`);
    await sleep(250);
  }
  const completedMs = performance.now() - started;
  return {
    workflows: n,
    concurrency: st.opts.ceilingConcurrency,
    startedMs: Math.round(startedMs),
    startsPerSec: Math.round((n / startedMs) * 1000),
    completedMs: Math.round(completedMs),
    completedPerSec: Math.round((n / completedMs) * 1000),
  };
}

// ---------------------------------------------------------------------------------------------
// Orchestration
// ---------------------------------------------------------------------------------------------

/** Per second; NaN (null in the JSON) when the duration was not measured (--injection-only). */
const perSec = (n: number, ms: number) => (Number.isNaN(ms) ? Number.NaN : ms > 0 ? Math.round((n / ms) * 1000) : 0);

export async function runInjectionBench(opts: InjectionBenchOptions): Promise<InjectionBenchResult> {
  const log = opts.log;
  const cleanup = new Cleanup(log);
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: cleaning up (dev server, simulator, worker, database)...`);
    void cleanup.run().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  const onExit = () => cleanup.killChildrenNow();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', onExit);
  try {
    return await runPhases(opts, cleanup);
  } finally {
    await cleanup.run();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  }
}

async function runPhases(opts: InjectionBenchOptions, cleanup: Cleanup): Promise<InjectionBenchResult> {
  const log = opts.log;
  const loadAvgAtStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's360-bench-'));
  cleanup.add('temp dir', () => fs.rmSync(tmp, { recursive: true, force: true }));

  // Temporal dev server.
  const cli = ensureTemporalCli(log);
  if (!cli) throw new Error('no temporal CLI: install Go or set TEMPORAL_CLI_PATH');
  const extraArgs = devServerExtraArgs(opts.devServer);
  log(`starting the Temporal dev server (${opts.devServer.persistence}${opts.devServer.persistence === 'file' ? `, fast pragmas ${opts.devServer.fastSqlite ? 'on' : 'off'}` : ''})...`);
  const dev: DevServer = await startDevServer({
    cliPath: cli.path,
    port: await freePort(),
    dbFile: opts.devServer.persistence === 'file' ? path.join(tmp, 'temporal.db') : undefined,
    fastSqlite: opts.devServer.fastSqlite,
    logFile: path.join(tmp, 'dev-server.log'), // read back (tail) if it dies
    extraArgs,
  });
  cleanup.child(dev.process);
  let stoppingDev = false;
  const devLog = path.join(tmp, 'dev-server.log');
  dev.process.once('exit', (code, signal) => {
    if (stoppingDev) return;
    log(`the Temporal dev server exited unexpectedly (code ${code}, signal ${signal}); last lines of its log:`);
    for (const line of tailOf(devLog, 20)) log(`  ${line}`);
  });
  cleanup.add('dev server', () => {
    stoppingDev = true;
    return dev.stop();
  });
  const connection = await connectWhenHealthy('Temporal dev server', () => Connection.connect({ address: dev.address, connectTimeout: '5s' }));
  cleanup.add('driver Temporal connection', () => connection.close());
  const codecKeyHex = crypto.randomBytes(32).toString('hex');
  const client = new Client({ connection, namespace: NAMESPACE, dataConverter: benchDataConverter(codecKeyHex) });
  await connectWhenHealthy('Temporal dev server', () => client.workflow.count('WorkflowType="none"'));

  // Simulator (child process) and PostgreSQL database.
  log('starting the TIXNGO simulator (child process) and creating the PostgreSQL database...');
  const sim = await startSimulatorChild(cleanup);
  const simAdminUrl = `${new URL(sim.interfaceUrl).origin}/__sim`;
  const { url: databaseUrl, knex } = await createBenchDatabase(opts.postgresUrl, tmp, cleanup);
  const repo = createRepository(knex);
  const secretKey = secretKeyFromBytes(crypto.randomBytes(32));
  const interfaceName = `bench${crypto.randomBytes(3).toString('hex')}`;
  await repo.addInterface({ name: interfaceName, url: sim.interfaceUrl, loginEmail: 'bench@example.org', apiKey: API_KEY, notificationEmails: [], customParams: {} }, secretKey);

  const tag = crypto.randomBytes(3).toString('hex').toUpperCase();
  const events = { temporal: `BENCH-T-${tag}`, bare: `BENCH-B-${tag}`, warmTemporal: `BENCH-WT-${tag}`, warmBare: `BENCH-WB-${tag}` };
  log(`seeding ${opts.tickets} tickets per measured path (${opts.phases.join(', ') || 'none'})${opts.warmup ? ` + ${opts.warmup} + ${opts.warmup} warm-up` : ''}...`);
  if (opts.phases.includes('temporal')) await seed(knex, { eventCode: events.temporal, tickets: opts.tickets, interfaceName });
  if (opts.phases.includes('bare')) await seed(knex, { eventCode: events.bare, tickets: opts.tickets, interfaceName });
  if (opts.warmup) {
    await seed(knex, { eventCode: events.warmTemporal, tickets: opts.warmup, interfaceName });
    await seed(knex, { eventCode: events.warmBare, tickets: opts.warmup, interfaceName });
  }
  await knex.raw('vacuum analyze ticket');
  const dbName = new URL(databaseUrl).pathname.slice(1);

  // Worker.
  const taskQueue = `bench-${tag.toLowerCase()}`;
  let ceiling: BenchWorkerConfig['ceiling'];
  if (opts.ceiling > 0) {
    const workflowsPath = path.join(tmp, 'noop-workflows.js');
    fs.writeFileSync(workflowsPath, 'exports.benchNoop = async function benchNoop() {};\n');
    ceiling = { taskQueue: `${taskQueue}-noop`, workflowsPath };
  }
  const workerCfg: BenchWorkerConfig = { temporalAddress: dev.address, taskQueue, databaseUrl, secretKeyHex: secretKey.key.toString('hex'), codecKeyHex, tuning: opts.tuning, ceiling };
  log(`starting the worker (${opts.worker === 'child' ? 'child process' : 'in-process'}; bundling workflows)...`);
  let workerPid = process.pid;
  if (opts.worker === 'child') {
    workerPid = (await startWorkerChild(workerCfg, cleanup, log)).pid!;
  } else {
    const w = await runBenchWorker(workerCfg);
    cleanup.add('worker', () => w.stop());
  }

  const pids: Pids = {
    devServer: dev.process.pid!,
    simulator: sim.child.pid!,
    worker: workerPid,
    postgres: async () =>
      ((await knex.raw(`select pid from pg_stat_activity where datname = ?`, [dbName])) as { rows: { pid: number }[] }).rows.map((r) => Number(r.pid)),
  };
  const st: Stage = { repo, knex, interfaceName, secretKey, simAdminUrl, client, taskQueue, pids, opts };

  if (opts.warmup) {
    log(`warm-up: ${opts.warmup} tickets through Temporal, ${opts.warmup} through the bare loop...`);
    await temporalRun(st, events.warmTemporal, opts.warmup);
    await bareLoop(st, events.warmBare);
    await settle(st, [taskQueue]);
  }

  // Bare loop.
  let bareLoopResult: InjectionBenchResult['bareLoop'] = null;
  if (opts.phases.includes('bare')) {
    log(`bare loop: ${opts.tickets} tickets...`);
    const sampler = await PhaseSampler.start(pids, cleanup);
    const callsBefore = (await simStats(simAdminUrl)).calls;
    const bare = await bareLoop(st, events.bare);
    const bareCalls = (await simStats(simAdminUrl)).calls - callsBefore;
    const profile = await sampler.stop();
    if (bare.injected !== opts.tickets) throw new Error(`bare loop injected ${bare.injected} of ${opts.tickets} tickets`);
    log(`  ${Math.round(bare.ms)} ms, ${perSec(opts.tickets, bare.ms)} tickets/s, ${bareCalls} TIXNGO calls`);
    bareLoopResult = { ms: Math.round(bare.ms), ticketsPerSec: perSec(opts.tickets, bare.ms), tixngoCalls: bareCalls, profile };
    await settle(st, [taskQueue]);
  }

  // Through Temporal.
  let temporal: InjectionBenchResult['temporal'] = null;
  if (opts.phases.includes('temporal')) {
    log(`Temporal: injectTickets for ${opts.tickets} tickets...`);
    const sampler = await PhaseSampler.start(pids, cleanup);
    const t = await temporalRun(st, events.temporal, opts.tickets);
    const profile = await sampler.stop();
    // With --injection-only the fan-out is still running: nothing to settle (the run ends here).
    const settledMs = opts.injectionOnly ? 0 : await settle(st, [taskQueue]);
    if (settledMs > 2000) log(`  (the worker and dev server needed ${Math.round(settledMs)} ms more to become idle)`);
    const peakRss = opts.worker === 'child' ? Math.max(sampler.peakWorkerRssMb, processMemoryMb(workerPid, 'VmHWM') ?? 0) : sampler.peakWorkerRssMb;
    // Runs of the function workflow: more than one means it continued as new (and waited for its fan-outs first).
    const functionRuns = (await client.workflow.count(`WorkflowType="injectTickets" AND EventCode="${events.temporal}"`)).count;
    log(
      `  printed+injected ${Math.round(t.printedAndInjectedMs)} ms, lifecycle workflows running ${Math.round(t.workflowsRunningMs)} ms, function done ${Math.round(t.functionDoneMs)} ms (${functionRuns} run(s)), fan-out done ${Math.round(t.fanoutDoneMs)} ms (${perSec(opts.tickets, t.fanoutDoneMs - t.functionDoneMs)} workflows/s), workflow tasks dispatched ${Math.round(t.lifecyclesDispatchedMs)} ms, ${t.calls} TIXNGO calls`,
    );
    temporal = {
      printedAndInjectedMs: Math.round(t.printedAndInjectedMs),
      ticketsPerSec: perSec(opts.tickets, t.printedAndInjectedMs),
      workflowsRunningMs: Math.round(t.workflowsRunningMs),
      workflowsPerSec: perSec(opts.tickets, t.workflowsRunningMs),
      functionDoneMs: Math.round(t.functionDoneMs),
      fanoutDoneMs: Math.round(t.fanoutDoneMs),
      fanoutWorkflowsPerSec: perSec(opts.tickets, t.fanoutDoneMs - t.functionDoneMs),
      lifecyclesDispatchedMs: Math.round(t.lifecyclesDispatchedMs),
      lifecyclesDispatchedPerSec: perSec(opts.tickets, t.lifecyclesDispatchedMs),
      tixngoCalls: t.calls,
      callsPer100Tickets: Math.round((t.calls / opts.tickets) * 100 * 100) / 100,
      workerPeakRssMb: Math.round(peakRss),
      outcome: t.summary.outcome,
      batches: t.summary.batches,
      functionRuns,
      profile,
    };
  }

  // Raw creation ceiling.
  let ceilingResult: CeilingResult | null = null;
  if (ceiling) {
    log(`ceiling: ${opts.ceiling} no-op workflows, ${opts.ceilingConcurrency} starts in flight...`);
    const sampler = await PhaseSampler.start(pids, cleanup);
    const c = await ceilingRun(st, ceiling.taskQueue);
    ceilingResult = { ...c, profile: await sampler.stop() };
    log(`  started at ${c.startsPerSec}/s, completed at ${c.completedPerSec}/s`);
  }

  const ratio = temporal && bareLoopResult ? Math.round((temporal.printedAndInjectedMs / bareLoopResult.ms) * 100) / 100 : null;
  return {
    tickets: opts.tickets,
    batchSize: opts.batchSize,
    temporal,
    bareLoop: bareLoopResult,
    ratio,
    ceiling: ceilingResult,
    targets: {
      injectionWithin1_5xBareLoop: ratio === null ? null : ratio <= 1.5,
      atMost1CallPer100Tickets: temporal ? temporal.callsPer100Tickets <= 1 : null,
      workflows500PerSec: temporal && Number.isFinite(temporal.fanoutWorkflowsPerSec) ? temporal.fanoutWorkflowsPerSec >= 500 : null,
    },
    devServer: { ...opts.devServer, args: extraArgs },
    worker: { mode: opts.worker, tuning: opts.tuning },
    machine: { cores: os.cpus().length, loadAvgAtStart, node: process.version },
  };
}

// ---------------------------------------------------------------------------------------------
// Human-readable report
// ---------------------------------------------------------------------------------------------

function profileLine(p: CpuProfile): string {
  const c = p.cpuSeconds;
  return `dev server ${c.devServer}s, worker ${c.worker}s, simulator ${c.simulator}s, postgres ${c.postgres ?? 'n/a'}s, driver ${c.driver}s, rest of machine ${c.restOfMachine}s (wall ${(p.wallMs / 1000).toFixed(1)}s, machine ${p.machineBusyPct}% busy on ${p.cores} cores)`;
}

export function formatReport(r: InjectionBenchResult): string {
  const yes = (b: boolean | null) => (b === null ? 'n/a' : b ? 'met' : 'MISSED');
  const lines: string[] = [];
  lines.push(`Injection benchmark: ${r.tickets} tickets, batch ${r.batchSize}`);
  lines.push('');
  const t = r.temporal;
  const b = r.bareLoop;
  const rows: [string, string, string][] = [
    ['', 'Temporal', 'bare loop'],
    ['printed + injected', t ? `${t.printedAndInjectedMs} ms` : '-', b ? `${b.ms} ms` : '-'],
    ['tickets/s', t ? String(t.ticketsPerSec) : '-', b ? String(b.ticketsPerSec) : '-'],
    ['TIXNGO calls', t ? `${t.tixngoCalls} (${t.callsPer100Tickets}/100 tickets)` : '-', b ? String(b.tixngoCalls) : '-'],
  ];
  if (t) {
    if (!Number.isFinite(t.fanoutDoneMs)) rows.push(['ticket workflows', 'not measured (--injection-only)', '']);
    else rows.push(['lifecycle workflows running', `${t.workflowsRunningMs} ms (${t.workflowsPerSec}/s)`, '']);
    rows.push(['function workflow done', `${t.functionDoneMs} ms (${t.functionRuns} run(s))`, '']);
    if (Number.isFinite(t.fanoutDoneMs)) rows.push(['fan-out child done', `${t.fanoutDoneMs} ms (${t.fanoutWorkflowsPerSec} workflows/s while it ran)`, '']);
    if (Number.isFinite(t.fanoutDoneMs)) rows.push(['first workflow tasks dispatched', `${t.lifecyclesDispatchedMs} ms (${t.lifecyclesDispatchedPerSec}/s)`, '']);
    rows.push(['worker peak RSS', `${t.workerPeakRssMb} MB`, '']);
  }
  const c0 = Math.max(...rows.map((x) => x[0].length));
  const c1 = Math.max(...rows.map((x) => x[1].length));
  for (const [a, x, y] of rows) lines.push(`  ${a.padEnd(c0)}  ${x.padEnd(c1)}  ${y}`.trimEnd());
  lines.push('');
  if (r.ratio !== null) lines.push(`ratio Temporal / bare loop: ${r.ratio}`);
  if (r.ceiling) {
    lines.push(
      `dev server ceiling (${r.ceiling.workflows} no-op workflows, ${r.ceiling.concurrency} in flight): started ${r.ceiling.startsPerSec}/s, completed ${r.ceiling.completedPerSec}/s`,
    );
  }
  lines.push('');
  lines.push('targets:');
  lines.push(`  injection within 1.5x of the bare loop: ${yes(r.targets.injectionWithin1_5xBareLoop)}`);
  lines.push(`  at most 1 TIXNGO call per 100 tickets:  ${yes(r.targets.atMost1CallPer100Tickets)}`);
  lines.push(`  lifecycle workflows at 500/s or more:   ${yes(r.targets.workflows500PerSec)}`);
  lines.push('');
  lines.push('CPU by component:');
  if (r.bareLoop) lines.push(`  bare loop: ${profileLine(r.bareLoop.profile)}`);
  if (r.temporal) lines.push(`  Temporal:  ${profileLine(r.temporal.profile)}`);
  if (r.ceiling) lines.push(`  ceiling:   ${profileLine(r.ceiling.profile)}`);
  lines.push('');
  const d = r.devServer;
  lines.push(
    `dev server: ${d.persistence}${d.persistence === 'file' ? `, fast pragmas ${d.fastSqlite ? 'on' : 'off'}` : ''}; args ${d.args.join(' ') || '(none)'}`,
  );
  const tu = r.worker.tuning;
  lines.push(
    `worker: ${r.worker.mode}; fan-out ${tu.fanoutActivitySlots} activities x ${tu.fanoutConcurrency} calls (${tu.fanoutClient} client, eager start ${tu.fanoutClient === 'native' && tu.eagerStart === true ? 'on' : 'off'}); ${tu.maxConcurrentWorkflowTaskExecutions} workflow tasks, ${tu.maxConcurrentActivityTaskExecutions} activities, cache ${tu.maxCachedWorkflows}`,
  );
  lines.push(`machine: ${r.machine.cores} cores, load average at start ${r.machine.loadAvgAtStart.join(' ')}, node ${r.machine.node}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Worker child entry
// ---------------------------------------------------------------------------------------------

if (require.main === module && process.argv.includes(WORKER_CHILD_FLAG)) {
  workerChildMain().catch((err: Error) => {
    process.stderr.write(`bench worker failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
