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
// Where the parts live: config.ts (options, defaults, result), processes.ts (what is started and stopped),
// worker.ts (the worker and its child process), proc-sampler.ts (/proc), phases.ts, report.ts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createRepository } from '../db/repo';
import { secretKeyFromBytes } from '../config/secrets';
import { seed } from '../db/seed';
import { ensureTemporalCli } from '../tooling/temporal-cli';
import { temporalConnectionOptions } from '../temporal/connection';
import { startFunction } from '../temporal/functions';
import { NAMESPACE, type CeilingResult, type InjectionBenchOptions, type InjectionBenchResult } from './config';
import { bareLoop, ceilingRun, settle, simStats, temporalRun, type Stage } from './phases';
import { cancellationRun } from './cancellation';
import { PhaseSampler, processMemoryMb, type Pids } from './proc-sampler';
import { Cleanup, connectWhenHealthy, createBenchDatabase, devServerExtraArgs, startSimulatorChild } from './processes';
import { engineFigures } from './engine-figures';
import { startBenchEngine } from './engines';
import { PostgresServerCpu } from './postgres-cpu';
import { measureTracking, runTimeline, trackingFigures, type TrackingResult } from './tracking';
import { benchDataConverter, runBenchWorker, startWorkerChild, type BenchWorkerConfig } from './worker';

const API_KEY = 'bench-api-key-not-secret';

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

  // Temporal: the dev server, or the real server on PostgreSQL (bench/engines.ts).
  const cliPath = (): string => {
    const cli = ensureTemporalCli(log);
    if (!cli) throw new Error('no temporal CLI: install Go or set TEMPORAL_CLI_PATH');
    return cli.path;
  };
  const engine = await startBenchEngine(opts.engine ?? { kind: 'dev' }, { cliPath, devServer: opts.devServer, postgresUrl: opts.postgresUrl, tmp, cleanup, log });
  const connection = await connectWhenHealthy(`Temporal (${engine.kind})`, () => Connection.connect({ ...temporalConnectionOptions({ TEMPORAL_ADDRESS: engine.address, TEMPORAL_NAMESPACE: NAMESPACE }), connectTimeout: '5s' }));
  cleanup.add('driver Temporal connection', () => connection.close());
  const codecKeyHex = crypto.randomBytes(32).toString('hex');
  const client = new Client({ connection, namespace: NAMESPACE, dataConverter: benchDataConverter(codecKeyHex) });
  await connectWhenHealthy(`Temporal (${engine.kind})`, () => client.workflow.count('WorkflowType="none"'));

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
  const events = { temporal: `BENCH-T-${tag}`, bare: `BENCH-B-${tag}`, warmTemporal: `BENCH-WT-${tag}`, warmBare: `BENCH-WB-${tag}`, cancel: `BENCH-C-${tag}` };
  log(`seeding ${opts.tickets} tickets per measured path (${opts.phases.join(', ') || 'none'})${opts.warmup ? ` + ${opts.warmup} + ${opts.warmup} warm-up` : ''}...`);
  if (opts.phases.includes('temporal')) await seed(knex, { eventCode: events.temporal, tickets: opts.tickets, interfaceName });
  if (opts.phases.includes('bare')) await seed(knex, { eventCode: events.bare, tickets: opts.tickets, interfaceName });
  if (opts.phases.includes('cancel')) await seed(knex, { eventCode: events.cancel, tickets: opts.cancellation.tickets, interfaceName });
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
  const workerCfg: BenchWorkerConfig = { temporalAddress: engine.address, taskQueue, databaseUrl, secretKeyHex: secretKey.key.toString('hex'), codecKeyHex, tuning: opts.tuning, ceiling };
  log(`starting the worker (${opts.worker === 'child' ? 'child process' : 'in-process'}; bundling workflows)...`);
  let workerPid = process.pid;
  if (opts.worker === 'child') {
    workerPid = (await startWorkerChild(workerCfg, cleanup, log)).pid!;
  } else {
    const w = await runBenchWorker(workerCfg);
    cleanup.add('worker', () => w.stop());
  }

  const pids: Pids = {
    devServer: engine.pid,
    simulator: sim.child.pid!,
    worker: workerPid,
    postgres: async () =>
      ((await knex.raw(`select pid from pg_stat_activity where datname = ?`, [dbName])) as { rows: { pid: number }[] }).rows.map((r) => Number(r.pid)),
  };
  const startInjection = (eventCode: string) => startFunction(client, taskQueue, 'inject', { interfaceName, eventCode, batchSize: opts.batchSize });
  const st: Stage = { repo, knex, interfaceName, secretKey, simAdminUrl, client, taskQueue, pids, opts, startInjection };

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
  let trackingMeasured: Awaited<ReturnType<typeof measureTracking>> | undefined;
  let temporalWorkflowId: string | undefined;
  let postgresServerCpuS: number | null = null;
  if (opts.phases.includes('temporal')) {
    log(`Temporal (${engine.kind}): injectTickets for ${opts.tickets} tickets...`);
    const postgresServer = await PostgresServerCpu.start(knex);
    const sampler = await PhaseSampler.start(pids, cleanup);
    const t = await temporalRun(st, events.temporal, opts.tickets);
    const profile = await sampler.stop();
    postgresServerCpuS = postgresServer?.stop() ?? null;
    // With --injection-only the fan-out is still running: nothing to settle (the run ends here).
    const settledMs = opts.injectionOnly ? 0 : await settle(st, [taskQueue]);
    if (settledMs > 2000) log(`  (the worker and dev server needed ${Math.round(settledMs)} ms more to become idle)`);
    const peakRss = opts.worker === 'child' ? Math.max(sampler.peakWorkerRssMb, processMemoryMb(workerPid, 'VmHWM') ?? 0) : sampler.peakWorkerRssMb;
    // Runs of the function workflow: more than one means it continued as new (and waited for its fan-outs first).
    const functionRuns = (await client.workflow.count(`WorkflowType="injectTickets" AND EventCode="${events.temporal}"`)).count;
    log(
      `  printed+injected ${Math.round(t.printedAndInjectedMs)} ms, lifecycle workflows running ${Math.round(t.workflowsRunningMs)} ms, function done ${Math.round(t.functionDoneMs)} ms (${functionRuns} run(s)), fan-out done ${Math.round(t.fanoutDoneMs)} ms (${perSec(opts.tickets, t.fanoutDoneMs - t.functionDoneMs)} workflows/s), workflow tasks dispatched ${Math.round(t.lifecyclesDispatchedMs)} ms, ${t.calls} TIXNGO calls`,
    );
    temporalWorkflowId = t.workflowId;
    if (!opts.injectionOnly) {
      trackingMeasured = await measureTracking({ client, knex, taskQueue, interfaceName, eventCode: events.temporal, allRunningMs: t.workflowsRunningMs, sampleSize: 20, timeoutMs: 120_000 });
      log(`  tracking: ${trackingMeasured.trackingMs} ms (sample of ${trackingMeasured.sample.tickets}: ${trackingMeasured.sample.foundByTicketId} found by TicketId, ${trackingMeasured.sample.answered} answered a signal)`);
    }
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

  // Cancellation: N tickets cancelled and pushed, TIXNGO confirming late (bench/cancellation.ts).
  const cancellation = opts.phases.includes('cancel') ? await cancellationRun(st, events.cancel, opts.cancellation, cleanup) : null;
  if (cancellation) await settle(st, [taskQueue]);

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
  let tracking: TrackingResult | null = null;
  if (temporal && trackingMeasured) {
    // VmHWM: the worker's peak over its whole life (warm-up, bare loop, Temporal, ceiling).
    const wholeRunPeak = opts.worker === 'child' ? Math.max(temporal.workerPeakRssMb, processMemoryMb(workerPid, 'VmHWM') ?? 0) : temporal.workerPeakRssMb;
    const functionTimeline = temporalWorkflowId ? await runTimeline(client, temporalWorkflowId).catch(() => undefined) : undefined;
    tracking = trackingFigures({ measured: trackingMeasured, tickets: opts.tickets, temporal: temporal.profile, bare: bareLoopResult?.profile ?? null, ceiling: ceilingResult, ratio, workerPeakRssMb: wholeRunPeak, functionTimeline });
  }
  const result: Omit<InjectionBenchResult, 'engine'> = {
    tickets: opts.tickets,
    batchSize: opts.batchSize,
    temporal,
    bareLoop: bareLoopResult,
    ratio,
    ceiling: ceilingResult,
    cancellation,
    tracking,
    targets: {
      injectionWithin1_5xBareLoop: ratio === null ? null : ratio <= 1.5,
      atMost1CallPer100Tickets: temporal ? temporal.callsPer100Tickets <= 1 : null,
      workflows500PerSec: temporal && Number.isFinite(temporal.fanoutWorkflowsPerSec) ? temporal.fanoutWorkflowsPerSec >= 500 : null,
    },
    devServer: { ...opts.devServer, args: devServerExtraArgs(opts.devServer) },
    worker: { mode: opts.worker, tuning: opts.tuning },
    machine: { cores: os.cpus().length, loadAvgAtStart, node: process.version },
  };
  return { ...result, engine: engineFigures(engine, result, postgresServerCpuS) };
}
