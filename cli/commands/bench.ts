// `bench`: the injection benchmark (bench/injection.ts). Provisions its own dev server, simulator, database and
// worker, measures Temporal against the bare loop, prints one JSON object (--json) or a readable report.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { maskUrl } from '../../config';
import { DEFAULT_BENCH_TUNING, DEFAULT_DYNAMIC_CONFIG, type DynamicConfigValue, type InjectionBenchOptions } from '../../bench/config';
import { runInjectionBench } from '../../bench/injection';
import { formatReport } from '../../bench/report';
import { CliError } from '../util';
import { parseEngines } from '../../bench/engines';
import { formatEngineFigures } from '../../bench/engine-figures';

const intArg = (name: string, min: number, max: number) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
  return Number(v);
};

const collect = (v: string, acc: string[]) => [...acc, v];

const BENCH_POSTGRES = process.env.DATABASE_TEST_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** KEY=VALUE with a JSON value (as `temporal server start-dev --dynamic-config-value` takes it). */
function parseDynamicConfig(items: string[]): Record<string, DynamicConfigValue> {
  const out: Record<string, DynamicConfigValue> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq < 1) throw new InvalidArgumentError(`--dynamic-config ${item}: expected KEY=VALUE`);
    const raw = item.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new InvalidArgumentError(`--dynamic-config ${item}: the value must be a JSON string, number or boolean`);
    }
    out[item.slice(0, eq)] = value;
  }
  return out;
}

interface BenchCliOptions {
  tickets: number;
  batchSize: number;
  json?: boolean;
  memory?: boolean;
  pragmas: boolean;
  sqlitePragma: string[];
  dynamicConfig: string[];
  defaultDynamicConfig: boolean;
  fanoutConcurrency: number;
  fanoutSlots: number;
  fanoutClient: 'native' | 'grpc';
  eagerStart?: boolean;
  dormantDays: number;
  workflowTasks: number;
  activities: number;
  cache: number;
  workflowHeap: number;
  worker: 'child' | 'in-process';
  warmup?: number;
  ceiling?: number;
  ceilingConcurrency: number;
  postgres: string;
  timeout: number;
  phases: string;
  injectionOnly?: boolean;
  cancelTickets?: number;
  confirmDelay: number;
  engine: string;
  shards: number;
}

export function register(program: Command): void {
  program
    .command('bench')
    .description('Injection benchmark: N tickets through Temporal (dev server, simulator, PostgreSQL, worker, all provisioned here) against a bare loop')
    .option('--engine <list>', 'Temporal engine: dev (temporal server start-dev, SQLite) | postgres (the real server on PostgreSQL); both, one after the other: dev,postgres', 'dev')
    .option('--shards <n>', 'postgres engine: history shards', intArg('--shards', 1, 1024), 4)
    .option('--tickets <n>', 'tickets per measured event', intArg('--tickets', 1, 1_000_000), 10_000)
    .option('--batch-size <n>', 'tickets per batch (one TIXNGO call each)', intArg('--batch-size', 1, 10_000), 1000)
    .option('--json', 'print one JSON object')
    .option('--memory', 'dev server with in-memory SQLite (default: a SQLite file in a temp dir)')
    .option('--no-pragmas', "file persistence without startDevServer's fastSqlite pragmas (journal_mode=wal, synchronous=normal)")
    .option('--sqlite-pragma <PRAGMA=VALUE>', 'further dev server SQLite pragma (repeatable)', collect, [])
    .option('--dynamic-config <KEY=VALUE>', 'dev server dynamic config value, JSON value (repeatable)', collect, [])
    .option('--no-default-dynamic-config', `leave out the benchmark's dev server dynamic config (${Object.entries(DEFAULT_DYNAMIC_CONFIG).map(([k, v]) => `${k}=${String(v)}`).join(', ')})`)
    .option('--fanout-concurrency <n>', 'start/signal calls in flight per fan-out activity', intArg('--fanout-concurrency', 1, 4096), DEFAULT_BENCH_TUNING.fanoutConcurrency)
    .option('--fanout-slots <n>', 'fan-out activities in flight (fanoutActivitySlots)', intArg('--fanout-slots', 1, 1024), DEFAULT_BENCH_TUNING.fanoutActivitySlots)
    .option('--eager-start', 'start new ticket workflows with eager workflow start (native client only; see docs/benchmarks.md)')
    .option('--dormant-days <n>', 'TICKET_DORMANT_DAYS of the worker: ticket workflows start dormant (0: first workflow task at once, as before issue #13)', intArg('--dormant-days', 0, 3650), DEFAULT_BENCH_TUNING.ticketStartDelayMs / 86_400_000)
    .option('--fanout-client <kind>', "fan-out activities' Temporal client: native (the worker's Rust connection) | grpc", DEFAULT_BENCH_TUNING.fanoutClient)
    .option('--workflow-tasks <n>', 'maxConcurrentWorkflowTaskExecutions', intArg('--workflow-tasks', 1, 10_000), DEFAULT_BENCH_TUNING.maxConcurrentWorkflowTaskExecutions)
    .option('--activities <n>', 'maxConcurrentActivityTaskExecutions', intArg('--activities', 1, 10_000), DEFAULT_BENCH_TUNING.maxConcurrentActivityTaskExecutions)
    .option('--cache <n>', 'maxCachedWorkflows', intArg('--cache', 0, 1_000_000), DEFAULT_BENCH_TUNING.maxCachedWorkflows)
    .option('--workflow-heap <mb>', "WORKER_WORKFLOW_HEAP_MB: heap limit of the worker's workflow thread (0: V8's default)", intArg('--workflow-heap', 0, 65_536), DEFAULT_BENCH_TUNING.workflowHeapMb)
    .option('--worker <where>', 'child (own process, default) | in-process', 'child')
    .option('--warmup <n>', 'warm-up tickets through each path before measuring (default: min(200, tickets))', intArg('--warmup', 0, 100_000))
    .option('--ceiling <n>', 'no-op workflows for the raw dev server creation rate (default: min(tickets, 2000); 0 skips)', intArg('--ceiling', 0, 1_000_000))
    .option('--ceiling-concurrency <n>', 'no-op workflow starts in flight', intArg('--ceiling-concurrency', 1, 4096), 128)
    .addOption(new Option('--postgres <url>', 'PostgreSQL server on which a database is created and dropped').default(BENCH_POSTGRES, maskUrl(BENCH_POSTGRES)))
    .option('--injection-only', 'do not wait for the ticket workflows (their fields are null): the injection ratio at large N in minutes')
    .option('--phases <list>', 'comma-separated: bare,temporal,cancel (the ceiling runs unless --ceiling 0)', 'bare,temporal,cancel')
    .option('--cancel-tickets <n>', 'tickets of the cancellation phase (default: --tickets)', intArg('--cancel-tickets', 1, 1_000_000))
    .option('--confirm-delay <s>', 'cancellation: TIXNGO confirms the deletions this many seconds after the push', intArg('--confirm-delay', 0, 86_400), 45)
    .option('--timeout <s>', 'give up a phase after this many seconds', intArg('--timeout', 1, 86_400), 3600)
    .action(async (o: BenchCliOptions) => {
      if (o.fanoutClient !== 'native' && o.fanoutClient !== 'grpc') throw new InvalidArgumentError('--fanout-client must be native or grpc');
      if (o.worker !== 'child' && o.worker !== 'in-process') throw new InvalidArgumentError('--worker must be child or in-process');
      const phases = o.phases.split(',').map((x) => x.trim()).filter(Boolean);
      for (const ph of phases) if (ph !== 'bare' && ph !== 'temporal' && ph !== 'cancel') throw new InvalidArgumentError(`--phases: unknown phase '${ph}'; expected bare, temporal, cancel`);
      const opts: InjectionBenchOptions = {
        phases: phases as ('bare' | 'temporal' | 'cancel')[],
        cancellation: { tickets: o.cancelTickets ?? o.tickets, confirmDelayMs: o.confirmDelay * 1000 },
        injectionOnly: o.injectionOnly === true,
        tickets: o.tickets,
        batchSize: o.batchSize,
        devServer: {
          persistence: o.memory ? 'memory' : 'file',
          fastSqlite: o.pragmas,
          sqlitePragmas: o.sqlitePragma,
          dynamicConfig: { ...(o.defaultDynamicConfig ? DEFAULT_DYNAMIC_CONFIG : {}), ...parseDynamicConfig(o.dynamicConfig) },
        },
        tuning: {
          ...DEFAULT_BENCH_TUNING,
          fanoutConcurrency: o.fanoutConcurrency,
          fanoutActivitySlots: o.fanoutSlots,
          fanoutClient: o.fanoutClient,
          eagerStart: o.eagerStart === true,
          ticketStartDelayMs: o.dormantDays * 86_400_000,
          maxConcurrentWorkflowTaskExecutions: o.workflowTasks,
          maxConcurrentActivityTaskExecutions: o.activities,
          maxCachedWorkflows: o.cache,
          workflowHeapMb: o.workflowHeap,
        },
        worker: o.worker,
        warmup: o.warmup ?? Math.min(200, o.tickets),
        ceiling: o.ceiling ?? Math.min(o.tickets, 2000),
        ceilingConcurrency: o.ceilingConcurrency,
        postgresUrl: o.postgres,
        timeoutMs: o.timeout * 1000,
        log: (line) => process.stderr.write(`[bench] ${line}\n`),
      };
      let engines;
      try {
        engines = parseEngines(o.engine);
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      // One engine after the other, each with its own server, simulator, database and worker (nothing shared).
      const results = [];
      for (const kind of engines) {
        opts.log(`=== engine ${kind} ===`);
        results.push(await runInjectionBench({ ...opts, engine: { kind, shards: o.shards } }));
      }
      if (o.json) {
        process.stdout.write(`${JSON.stringify(results.length === 1 ? results[0] : { engines: results.map((r) => r.engine), runs: results }, null, 2)}\n`);
        return;
      }
      const text = results.map((r) => `${results.length > 1 ? `--- engine ${r.engine.engine} ---\n` : ''}${formatReport(r)}`);
      process.stdout.write(`${[...text, formatEngineFigures(results.map((r) => r.engine))].join('\n\n')}\n`);
    });
}
