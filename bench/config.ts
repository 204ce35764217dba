// The injection benchmark's options, defaults and result (what `bench --json` prints).
import path from 'node:path';
import { DEFAULT_TUNING, type WorkerTuning } from '../workers/worker';
import type { CancellationBenchOptions, CancellationBenchResult } from './cancellation';
import { DEFAULT_TICKET_DORMANT_DAYS } from '../config';
import type { TrackingResult } from './tracking';
import type { EngineFigures } from './engine-figures';
import type { EngineOptions } from './engines';

/** The project root (the simulator and the worker child run from it). */
export const ROOT = path.resolve(__dirname, '..');
export const NAMESPACE = 'default';

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
  /** ActivityDeps.ticketStartDelayMs: dormant ticket workflows (0: first workflow task at once). */
  ticketStartDelayMs: number;
}

export interface InjectionBenchOptions {
  /** The Temporal engine (bench/engines.ts); default: the dev server. */
  engine?: EngineOptions;
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
  phases: ('bare' | 'temporal' | 'cancel')[];
  /** The cancellation phase (bench/cancellation.ts). */
  cancellation: CancellationBenchOptions;
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
  /** The cancellation phase (bench/cancellation.ts), each figure with its goal. */
  cancellation: CancellationBenchResult | null;
  /** The on-sale figures next to their goals (bench/tracking.ts); null when the ticket workflows were not waited for. */
  tracking: TrackingResult | null;
  targets: { injectionWithin1_5xBareLoop: boolean | null; atMost1CallPer100Tickets: boolean | null; workflows500PerSec: boolean | null };
  devServer: DevServerBenchOptions & { args: string[] };
  worker: { mode: 'child' | 'in-process'; tuning: BenchWorkerTuning };
  machine: { cores: number; loadAvgAtStart: number[]; node: string };
  /** The engine and its per-ticket-workflow figures (bench/engine-figures.ts). */
  engine: EngineFigures;
}

export const DEFAULT_BENCH_TUNING: BenchWorkerTuning = {
  ...DEFAULT_TUNING,
  fanoutConcurrency: 32,
  fanoutClient: 'native',
  ticketStartDelayMs: DEFAULT_TICKET_DORMANT_DAYS * 86_400_000,
};
