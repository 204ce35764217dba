// The product's worker for the benchmark: by default in a child process of its own (this file run with
// WORKER_CHILD_FLAG), so that the driver's polling and the bare loop never share its event loop and its
// CPU and peak RSS are read from /proc without the driver in them; the same code runs in-process too.
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities } from '../activities';
import { getDataConverter } from '../codec/data-converter';
import { closeDb, createDb } from '../db/connection';
import { createRepository } from '../db/repo';
import { parseSecretKey } from '../config/secrets';
import { temporalConnectionOptions } from '../temporal/connection';
import { connectNative, createWorkers, installRuntime, tixngoClientFactory } from '../workers/worker';
import { NAMESPACE, ROOT, type BenchWorkerTuning } from './config';
import { stopChild, type Cleanup } from './processes';

const WORKER_CHILD_FLAG = '--bench-worker-child';
const WORKER_CONFIG_ENV = 'S360_BENCH_WORKER_CONFIG';

export interface BenchWorkerConfig {
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

export interface RunningBenchWorker {
  stop(): Promise<void>;
}

/** The product's data converter (encryption codec) with the benchmark's own key: no key file is written. */
export function benchDataConverter(codecKeyHex: string): DataConverter {
  return getDataConverter({ S360_CODEC_KEY: codecKeyHex, dataDir: os.tmpdir() });
}

/** The product worker as workers/main.ts assembles it, with the benchmark's tuning (and the no-op worker). */
export async function runBenchWorker(cfg: BenchWorkerConfig): Promise<RunningBenchWorker> {
  installRuntime();
  const secretKey = parseSecretKey(cfg.secretKeyHex);
  if (!secretKey) throw new Error('bench worker: bad secret key');
  const dataConverter = benchDataConverter(cfg.codecKeyHex);
  const db = await createDb({ databaseUrl: cfg.databaseUrl, dataDir: os.tmpdir() });
  // The benchmark's own server is plain; the options still come from the one builder (temporal/connection.ts).
  const connectionConfig = { TEMPORAL_ADDRESS: cfg.temporalAddress, TEMPORAL_NAMESPACE: NAMESPACE };
  const connection = await connectNative(connectionConfig);
  const grpc = cfg.tuning.fanoutClient === 'grpc' ? await Connection.connect(temporalConnectionOptions(connectionConfig)) : undefined;
  const client = new Client({ connection: grpc ?? connection, namespace: NAMESPACE, dataConverter });
  const activities = createActivities({
    repo: createRepository(db),
    secretKey,
    client,
    taskQueue: cfg.taskQueue,
    tixngo: tixngoClientFactory({ auth: 'header', keyHeader: 'X-TIXNGO-KEY', timeoutMs: 120_000 }),
    fanoutConcurrency: cfg.tuning.fanoutConcurrency,
    // Eager start needs the client on the worker's NativeConnection (as workers/main.ts does).
    eagerStart: cfg.tuning.fanoutClient === 'native' && cfg.tuning.eagerStart === true,
    ticketStartDelayMs: cfg.tuning.ticketStartDelayMs,
  });
  const { fanoutConcurrency: _c, fanoutClient: _f, eagerStart: _e, ticketStartDelayMs: _d, ...tuning } = cfg.tuning;
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
export function startWorkerChild(cfg: BenchWorkerConfig, cleanup: Cleanup, log: (l: string) => void): Promise<ChildProcess> {
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
    const timer = setTimeout(() => reject(new Error(`worker did not start within 300 s: ${err}`)), 300_000);
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
  const every = Number(process.env.S360_BENCH_WORKER_MEMORY_LOG_MS ?? 0);
  if (every > 0) logMemory(every);
}

/**
 * S360_BENCH_WORKER_MEMORY_LOG_MS=N: every N ms, one stderr line with the worker's RSS and its main thread's heap
 * (activities, fan-out), each with its peak so far. RSS minus the main heap is the workflow thread's heap, the Rust
 * core and code: where the worker's memory is (docs/benchmarks.md "On-sale scale, second session").
 */
function logMemory(everyMs: number): void {
  const mb = (n: number) => Math.round(n / 1_048_576);
  const peak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, rest: 0 };
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    const now = { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, rest: m.rss - m.heapTotal - m.external };
    for (const k of Object.keys(peak) as (keyof typeof peak)[]) peak[k] = Math.max(peak[k], now[k]);
    const fmt = (k: keyof typeof peak) => `${k} ${mb(now[k])} (peak ${mb(peak[k])})`;
    process.stderr.write(`memory MB: ${(['rss', 'heapTotal', 'heapUsed', 'external', 'rest'] as const).map(fmt).join(', ')}\n`);
  }, everyMs);
  timer.unref();
}

if (require.main === module && process.argv.includes(WORKER_CHILD_FLAG)) {
  workerChildMain().catch((err: Error) => {
    process.stderr.write(`bench worker failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
