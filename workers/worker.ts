// Builds the two workers of the product:
//  - main task queue: every workflow, and the activities that talk to S-360 and TIXNGO;
//  - fan-out task queue: the activities that start/signal ticket workflows, with few slots, so that creating
//    100,000 ticket workflows never takes the slots the injection itself needs.
import v8 from 'node:v8';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Runtime, Worker, type LogLevel } from '@temporalio/worker';
import { getWorkerDataConverter } from '../codec/data-converter';
import { workflowBundle } from './bundle';
import { fanoutTaskQueue } from '../common/ids';
import { loadConfig } from '../config';
import { PinoRuntimeLogger, getLogger, type AppLogLevel } from '../observability/logger';
import { connectExplained, temporalConnectionOptions, type TemporalConnectionConfig } from '../temporal/connection';
import type { ActivityGroups } from '../activities/types';
import type { TixngoClientFactory } from '../activities/context';
import { TixngoClient, type TixngoClientOptions } from '../tixngo/client';

export interface WorkerTuning {
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxCachedWorkflows: number;
  /** Concurrent fan-out activities (each runs its own bounded pool of start/signal calls). */
  fanoutActivitySlots: number;
  /**
   * Heap limit (MB) of the workflow thread the SDK starts for this worker (0: V8's default, a quarter of the
   * machine's memory up to 4 GB). Its garbage, not its live workflows, made most of the worker's RSS.
   */
  workflowHeapMb: number;
}

export const DEFAULT_TUNING: WorkerTuning = {
  maxConcurrentActivityTaskExecutions: 50,
  maxConcurrentWorkflowTaskExecutions: 50,
  // Mostly idle workflows (ticket workflows wait days between events; dormant ones are not in the worker): a
  // small cache. README "Worker sizing"; measured in docs/benchmarks.md "On-sale scale".
  maxCachedWorkflows: 100,
  fanoutActivitySlots: 4,
  workflowHeapMb: 256,
};

let runtimeInstalled = false;
let coreMetrics: string | undefined;

export interface RuntimeInstallOptions {
  /** host:port for the SDK's Prometheus exporter (Core metrics); unset: no SDK metrics. */
  metricsBindAddress?: string;
}

/**
 * Installs the SDK runtime once per process; later calls do nothing and return false. Its logger writes JSON
 * through pino (observability/logger.ts): workflow and activity `log` at LOG_LEVEL, the SDK's own and Core's logs
 * at `level` (default TEMPORAL_LOG_LEVEL, WARN). An explicit `level` (tests: `installRuntime('ERROR')`) applies to
 * workflow and activity logs as well.
 */
export function installRuntime(level?: LogLevel, opts: RuntimeInstallOptions = {}): boolean {
  if (runtimeInstalled) return false;
  runtimeInstalled = true;
  const config = loadConfig();
  const sdk = level ?? config.TEMPORAL_LOG_LEVEL;
  const app: AppLogLevel = level ? (level.toLowerCase() as AppLogLevel) : config.LOG_LEVEL;
  const logger = new PinoRuntimeLogger(getLogger(config.LOG_LEVEL), { app, sdk });
  coreMetrics = opts.metricsBindAddress;
  Runtime.install({
    logger,
    telemetryOptions: {
      logging: { filter: { core: sdk, other: 'ERROR' }, forward: {} },
      ...(opts.metricsBindAddress ? { metrics: { prometheus: { bindAddress: opts.metricsBindAddress } } } : {}),
    },
  });
  return true;
}

/** URL of the SDK's Prometheus exporter when installRuntime() enabled it. */
export function coreMetricsUrl(): string | undefined {
  return coreMetrics ? `http://${coreMetrics}/metrics` : undefined;
}

/** The activities' TIXNGO clients: the real HTTP client with the configured auth scheme, key header and timeout. */
export function tixngoClientFactory(opts: Pick<TixngoClientOptions, 'auth' | 'keyHeader' | 'timeoutMs'>): TixngoClientFactory {
  return (cred, signal) => new TixngoClient({ ...cred, ...opts, signal });
}

export { workflowBundle } from './bundle';

/**
 * The worker's native (Rust) connection, with the same options as the client (TLS, API key: temporal/connection.ts);
 * a failure is one line naming the variable to fix.
 */
export function connectNative(config: TemporalConnectionConfig): Promise<NativeConnection> {
  return connectExplained(config, () => NativeConnection.connect(temporalConnectionOptions(config)));
}

export interface Workers {
  main: Worker;
  fanout: Worker;
  run(): Promise<void>;
  shutdown(): void;
}

export async function createWorkers(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** activities/index.ts createActivities(): each group on its own task queue. */
  activities: ActivityGroups;
  tuning?: Partial<WorkerTuning>;
  /** Default: getWorkerDataConverter() for this process's environment (the codec key the clients use). */
  dataConverter?: DataConverter;
}): Promise<Workers> {
  const tuning = { ...DEFAULT_TUNING, ...opts.tuning };
  const dataConverter = opts.dataConverter ?? getWorkerDataConverter();
  // The SDK runs the workflows in a worker thread it creates in Worker.create, with no resource limits of its own:
  // the thread's isolate takes V8's --max-old-space-size as it is at that moment. This process's own heap was sized
  // at its start and is not changed by this.
  if (tuning.workflowHeapMb > 0) v8.setFlagsFromString(`--max-old-space-size=${tuning.workflowHeapMb}`);
  const main = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: await workflowBundle(),
    dataConverter,
    activities: opts.activities.main,
    maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivityTaskExecutions,
    maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTaskExecutions,
    maxCachedWorkflows: tuning.maxCachedWorkflows,
    shutdownGraceTime: '10s',
  });
  const fanout = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: fanoutTaskQueue(opts.taskQueue),
    dataConverter,
    activities: opts.activities.fanout,
    maxConcurrentActivityTaskExecutions: tuning.fanoutActivitySlots,
    shutdownGraceTime: '10s',
  });
  return {
    main,
    fanout,
    run: async () => {
      await Promise.all([main.run(), fanout.run()]);
    },
    shutdown: () => {
      for (const w of [main, fanout]) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}
