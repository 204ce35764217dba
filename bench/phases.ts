// The measured phases, each over its own seeded event: the bare loop (the injection activity's work
// without Temporal), the Temporal run (the injection function until every effect is seen), and the
// dev server's raw creation ceiling; plus waiting for the worker and dev server to settle in between.
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import fetch from 'node-fetch';
import { buildTicketPayload } from '../activities/payload';
import type { Repository } from '../db/repo';
import type { SecretKey } from '../config/secrets';
import { TixngoClient } from '../tixngo/client';
import type { FunctionRunSummary } from '../common/functions';
import { NAMESPACE, type CeilingResult, type InjectionBenchOptions } from './config';
import { processCpuSeconds, type Pids } from './proc-sampler';
import { sleep } from './processes';

interface SimStats {
  calls: Record<string, number>;
  tickets: Record<string, number>;
}

/** Organizer calls so far (all endpoints) and tickets in status INJECTED, from the simulator's admin API. */
export async function simStats(adminUrl: string): Promise<{ calls: number; injected: number }> {
  const res = await fetch(`${adminUrl}/stats`);
  if (!res.ok) throw new Error(`simulator stats: HTTP ${res.status}`);
  const s = (await res.json()) as SimStats;
  return { calls: Object.values(s.calls).reduce((a, b) => a + b, 0), injected: s.tickets.INJECTED ?? 0 };
}

/** What every phase works with. */
export interface Stage {
  repo: Repository;
  knex: Knex;
  interfaceName: string;
  secretKey: SecretKey;
  simAdminUrl: string;
  client: Client;
  taskQueue: string;
  pids: Pids;
  opts: InjectionBenchOptions;
  /** Starts the injection function for an event, as S-360 would. */
  startInjection(eventCode: string): Promise<{ workflowId: string; runId: string }>;
}

/** The injection activity's work in a plain loop: page select, payload load/build, one bulk call, markInjected. */
export async function bareLoop(st: Stage, eventCode: string): Promise<{ ms: number; calls: number; injected: number }> {
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
export async function settle(st: Stage, taskQueues: string[], maxMs = 600_000): Promise<number> {
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
  /** The injection function's workflow id. */
  workflowId: string;
}

/** Starts the injection function for the event and waits for every effect; times from the start call. */
export async function temporalRun(st: Stage, eventCode: string, n: number): Promise<TemporalRun> {
  const base = await simStats(st.simAdminUrl);
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const run = await st.startInjection(eventCode);
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
  return { printedAndInjectedMs, workflowsRunningMs, functionDoneMs: functionDoneMs!, fanoutDoneMs, lifecyclesDispatchedMs, calls: after.calls - base.calls, summary: summary!, workflowId: run.workflowId };
}

/** N no-op workflows started with bounded concurrency: the dev server's creation (and completion) ceiling. */
export async function ceilingRun(st: Stage, taskQueue: string): Promise<Omit<CeilingResult, 'profile'>> {
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
