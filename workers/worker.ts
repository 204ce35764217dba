// Builds the two workers of the product:
//  - main task queue: every workflow, and the activities that talk to S-360 and TIXNGO;
//  - fan-out task queue: the activities that start/signal ticket workflows, with few slots, so that creating
//    100,000 ticket workflows never takes the slots the injection itself needs.
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type LogLevel } from '@temporalio/worker';
import { fanoutTaskQueue } from '../common/ids';
import type { Activities } from '../activities/types';

export interface WorkerTuning {
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxCachedWorkflows: number;
  /** Concurrent fan-out activities (each runs its own bounded pool of start/signal calls). */
  fanoutActivitySlots: number;
}

export const DEFAULT_TUNING: WorkerTuning = {
  maxConcurrentActivityTaskExecutions: 50,
  maxConcurrentWorkflowTaskExecutions: 50,
  maxCachedWorkflows: 2000,
  fanoutActivitySlots: 4,
};

let runtimeInstalled = false;
/** Installs the SDK runtime once per process (logger level; Core logs go through it). */
export function installRuntime(level: LogLevel = (process.env.TEMPORAL_LOG_LEVEL as LogLevel | undefined) ?? 'WARN'): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger(level) });
}

let bundle: Promise<{ code: string }> | undefined;
/** The workflow bundle, built once per process (webpack + swc, a few seconds). */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '../workflows/index.ts'),
    logger: new DefaultLogger('WARN'),
  });
  return bundle;
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
  activities: Activities;
  tuning?: Partial<WorkerTuning>;
}): Promise<Workers> {
  const tuning = { ...DEFAULT_TUNING, ...opts.tuning };
  const { notifyTicketWorkflows, notifyCardWorkflows, ...mainActivities } = opts.activities;
  const main = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: mainActivities,
    maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivityTaskExecutions,
    maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTaskExecutions,
    maxCachedWorkflows: tuning.maxCachedWorkflows,
    shutdownGraceTime: '10s',
  });
  const fanout = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: fanoutTaskQueue(opts.taskQueue),
    activities: { notifyTicketWorkflows, notifyCardWorkflows },
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
