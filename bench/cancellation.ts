// The cancellation benchmark (issue #13), a phase of `s360-tixngo bench` (`--phases ...,cancel`,
// `--cancel-tickets N`, `--confirm-delay S`): N injected tickets of one event, each with its running ticket workflow,
// are cancelled in S-360 and pushed (push cancelled, production lifecycle timings: first poll after 30 s, doubling up
// to 15 min). TIXNGO (the simulator) holds every deletion in DELETION_PENDING until `confirmDelayMs` after the push
// ended, then confirms them all at once (admin API: deletionNeverConfirms on, then off). Measured:
//   - the push itself (start to end of the function workflow);
//   - the TIXNGO read calls made to confirm the deletions (`POST …/tickets/search` in /__sim/stats, from the push's
//     start until every ticket is DELETED): goal ≤ N/500 in total;
//   - from TIXNGO confirming until every ticket is DELETED in S-360's mobile view and its workflow completed as
//     DELETED (visibility): goal ≤ 2 min for 20,000 tickets; the part spent waiting for the waiter's next round
//     (backoff) is shown apart from the part spent signalling and storing.
import { performance } from 'node:perf_hooks';
import fetch from 'node-fetch';
import type { DeletionWaiterProgress, FunctionRunSummary } from '../common/functions';
import { startFunction } from '../temporal/functions';
import { settle, type Stage } from './phases';
import { PhaseSampler } from './proc-sampler';
import type { CpuProfile } from './config';
import { sleep, type Cleanup } from './processes';

const SEARCH = 'POST /v3/organizer/tickets/search';

export interface CancellationBenchOptions {
  tickets: number;
  /** How long after the push ended TIXNGO confirms the deletions. */
  confirmDelayMs: number;
}

export interface CancellationBenchResult {
  tickets: number;
  confirmDelayMs: number;
  /** The push-cancelled run, start to end (its batches; the waiter runs on after it). */
  pushMs: number;
  /** TIXNGO read calls (tickets/search) from the push's start until every ticket was DELETED. */
  confirmCalls: number;
  /** Goal: ≤ N/500. */
  confirmCallsGoal: number;
  /** From TIXNGO confirming until S-360's mobile view showed the first DELETED of the event (the waiter's next round). */
  firstSeenMs: number;
  /** From TIXNGO confirming until every ticket was DELETED in S-360's mobile view. */
  allDeletedInS360Ms: number;
  /** From TIXNGO confirming until every ticket workflow completed DELETED (visibility). */
  allDeletedMs: number;
  /** Goal: ≤ 120,000 ms (stated for 20,000 tickets). */
  allDeletedGoalMs: number;
  waiter: { workflowId: string; rounds: number; tixngoCalls: number; signalled: number; confirmed: number; neverConfirmed: number } | null;
  targets: { confirmCallsAtMostNOver500: boolean; allDeletedWithin2Min: boolean };
  profile: CpuProfile;
}

async function simAdmin<T>(st: Stage, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${st.simAdminUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`simulator ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
const searchCalls = async (st: Stage) => (await simAdmin<{ calls: Record<string, number> }>(st, 'GET', '/stats')).calls[SEARCH] ?? 0;

async function countMobile(st: Stage, eventCode: string, status: string): Promise<number> {
  const r = (await st.knex.raw(
    `select count(*)::int as n from mobile_ticket m join ticket t on t.id = m.ticket_id join performance p on p.id = t.performance_id where p.code = ? and m.tixngo_status = ?`,
    [eventCode, status],
  )) as { rows: { n: number }[] };
  return Number(r.rows[0]?.n ?? 0);
}
const countCompleted = async (st: Stage, eventCode: string) =>
  (await st.client.workflow.count(`WorkflowType="ticketLifecycle" AND EventCode="${eventCode}" AND ExecutionStatus="Completed"`)).count;

/** Injects the event (ticket workflows running), then measures its cancellation. The event must be seeded with `tickets` tickets. */
export async function cancellationRun(st: Stage, eventCode: string, o: CancellationBenchOptions, cleanup: Cleanup): Promise<CancellationBenchResult> {
  const n = o.tickets;
  const log = st.opts.log;
  const deadline = Date.now() + st.opts.timeoutMs;
  const until = async (what: string, check: () => Promise<boolean>, pauseMs = 250) => {
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`cancellation: timed out waiting for ${what}`);
      await sleep(pauseMs);
    }
  };

  log(`cancellation: injecting ${n} tickets (with their ticket workflows)...`);
  const inj = await st.startInjection(eventCode);
  const injSummary = (await st.client.workflow.getHandle(inj.workflowId, inj.runId, { followRuns: true }).result()) as FunctionRunSummary;
  if (injSummary.succeeded !== n) throw new Error(`cancellation: injected ${injSummary.succeeded} of ${n} tickets`);
  if (injSummary.lifecycleFanoutWorkflowId) await st.client.workflow.getHandle(injSummary.lifecycleFanoutWorkflowId).result();
  await settle(st, [st.taskQueue]);

  // S-360 cancels the event; TIXNGO will hold the deletions until told.
  await simAdmin(st, 'POST', '/faults', { deletionNeverConfirms: true });
  const ids = ((await st.knex.raw(`select t.id::text as id from ticket t join performance p on p.id = t.performance_id where p.code = ? order by t.id`, [eventCode])) as { rows: { id: string }[] }).rows.map((r) => r.id);
  for (let i = 0; i < ids.length; i += 10_000) await st.repo.cancelTickets(ids.slice(i, i + 10_000), 'EVENT_CANCELLED', 'CANCELLED');

  log(`cancellation: push cancelled for ${n} tickets; TIXNGO confirms ${o.confirmDelayMs / 1000} s after it ends...`);
  const sampler = await PhaseSampler.start(st.pids, cleanup);
  const callsBefore = await searchCalls(st);
  const pushStart = performance.now();
  const push = await startFunction(st.client, st.taskQueue, 'push-cancelled', { interfaceName: st.interfaceName, eventCode });
  const pushSummary = (await st.client.workflow.getHandle(push.workflowId, push.runId, { followRuns: true }).result()) as FunctionRunSummary;
  const pushMs = performance.now() - pushStart;
  if (pushSummary.succeeded !== n) throw new Error(`cancellation: pushed ${pushSummary.succeeded} of ${n} tickets`);
  log(`  push ${Math.round(pushMs)} ms; waiter ${pushSummary.deletionWaiterWorkflowId ?? '(none: tickets poll themselves)'}`);

  await sleep(o.confirmDelayMs);
  await simAdmin(st, 'POST', '/faults', { deletionNeverConfirms: null });
  const confirmed = performance.now();
  const since = () => performance.now() - confirmed;
  await until('TIXNGO to confirm every deletion', async () => ((await simAdmin<{ tickets: Record<string, number> }>(st, 'GET', '/stats')).tickets.DELETION_PENDING ?? 0) === 0);

  let firstSeenMs: number | undefined;
  let allDeletedInS360Ms: number | undefined;
  let allDeletedMs: number | undefined;
  let nextReport = Date.now() + 10_000;
  while (allDeletedInS360Ms === undefined || allDeletedMs === undefined) {
    if (Date.now() > deadline) throw new Error('cancellation: timed out waiting for every ticket to be DELETED');
    const inS360 = allDeletedInS360Ms === undefined ? await countMobile(st, eventCode, 'DELETED') : n;
    if (firstSeenMs === undefined && inS360 > 0) firstSeenMs = since();
    if (allDeletedInS360Ms === undefined && inS360 >= n) allDeletedInS360Ms = since();
    const done = allDeletedMs === undefined && firstSeenMs !== undefined ? await countCompleted(st, eventCode) : allDeletedMs === undefined ? 0 : n;
    if (allDeletedMs === undefined && done >= n) allDeletedMs = since();
    if (Date.now() > nextReport) {
      nextReport = Date.now() + 10_000;
      log(`  ${(since() / 1000).toFixed(0)} s after the confirmation: DELETED in S-360 ${inS360}/${n}, ticket workflows completed ${done}/${n}`);
    }
    await sleep(firstSeenMs === undefined ? 100 : 250);
  }
  const confirmCalls = (await searchCalls(st)) - callsBefore;
  const profile = await sampler.stop();
  let waiter: CancellationBenchResult['waiter'] = null;
  if (pushSummary.deletionWaiterWorkflowId) {
    const w = (await st.client.workflow.getHandle(pushSummary.deletionWaiterWorkflowId).result()) as DeletionWaiterProgress;
    waiter = { workflowId: pushSummary.deletionWaiterWorkflowId, rounds: w.rounds, tixngoCalls: w.tixngoCalls, signalled: w.signalled, confirmed: w.confirmed, neverConfirmed: w.neverConfirmed };
  }
  const confirmCallsGoal = Math.floor(n / 500);
  const allDeletedGoalMs = 120_000;
  const r: CancellationBenchResult = {
    tickets: n,
    confirmDelayMs: o.confirmDelayMs,
    pushMs: Math.round(pushMs),
    confirmCalls,
    confirmCallsGoal,
    firstSeenMs: Math.round(firstSeenMs!),
    allDeletedInS360Ms: Math.round(allDeletedInS360Ms),
    allDeletedMs: Math.round(allDeletedMs),
    allDeletedGoalMs,
    waiter,
    targets: { confirmCallsAtMostNOver500: confirmCalls <= confirmCallsGoal, allDeletedWithin2Min: allDeletedMs <= allDeletedGoalMs },
    profile,
  };
  log(`  confirm calls ${confirmCalls} (goal ≤ ${confirmCallsGoal}); confirm -> all DELETED ${r.allDeletedMs} ms (goal ≤ ${allDeletedGoalMs} ms)`);
  return r;
}

/** The report's lines for the cancellation phase: each figure next to its goal. */
export function formatCancellation(c: CancellationBenchResult): string[] {
  const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const w = c.waiter;
  return [
    `Cancellation: ${c.tickets} tickets cancelled, TIXNGO confirming ${c.confirmDelayMs / 1000} s after the push`,
    `  push cancelled                          ${c.pushMs} ms`,
    `  TIXNGO calls to confirm the deletions   ${c.confirmCalls}   goal ≤ N/500 = ${c.confirmCallsGoal}: ${mark(c.targets.confirmCallsAtMostNOver500)}`,
    `  confirm -> all DELETED (S-360 + workflows) ${c.allDeletedMs} ms   goal ≤ ${c.allDeletedGoalMs} ms (for 20,000): ${mark(c.targets.allDeletedWithin2Min)}`,
    `    of which waiting for the waiter's next round ${c.firstSeenMs} ms; all DELETED in S-360's mobile view at ${c.allDeletedInS360Ms} ms`,
    w ? `  waiter ${w.workflowId}: ${w.rounds} rounds, ${w.tixngoCalls} calls, ${w.signalled} ticket workflows signalled, ${w.confirmed} confirmed, ${w.neverConfirmed} never confirmed` : '  no waiter (run recorded before the bulk confirmation)',
  ];
}
