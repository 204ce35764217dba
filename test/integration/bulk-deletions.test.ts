// Deletions confirmed in bulk (issue #13) on the real stack: Temporal dev server, worker with the real activities,
// TIXNGO simulator over HTTP, S-360 on PostgreSQL. A push-cancelled run starts one deletion waiter that reads its
// tickets from TIXNGO with one `tickets/search` per 1,000 and signals only the tickets whose status changed; each
// ticket keeps its own deadline; a ticket cancelled by its own signal still polls for itself; feedback wakes the waiter.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ERR_DELETION_NOT_CONFIRMED } from '../../common/errors';
import type { DeletionWaiterProgress } from '../../common/functions';
import { deletionWaiterWorkflowId, ticketWorkflowId } from '../../common/ids';
import type { TicketState } from '../../common/lifecycle';
import { seed } from '../../db/seed';
import { cancelSignal, getDeletionProgressQuery, getStateQuery } from '../../workflows/messages';
import { createStack, eventually, type Stack } from '../helpers/stack';

interface SimStats {
  calls: Record<string, number>;
}
const SEARCH = 'POST /v3/organizer/tickets/search';
/**
 * Tickets of the bulk test. Small, so that the test stays affordable on a loaded two-core machine; one round is still
 * one call for all of them instead of one per ticket. The bench measures 2,000 and 20,000 (several calls per round).
 */
const N = 30;
/** The waiter's first round comes after 1 s, then 2 s, 4 s (capped at 4 s); the deadline is far unless a test shortens it. */
const lifecycle = { deletionPollInitialMs: 1_000, deletionPollMaxMs: 4_000, deletionConfirmTimeoutMs: 10 * 60_000 };

let s: Stack;
let ids: string[] = [];
/** Tickets of event BULK2, whose workflows have a short deletion deadline. */
let shortIds: string[] = [];
/** The ticket workflows' deadline for event BULK2. */
const short = { ...lifecycle, deletionConfirmTimeoutMs: 8_000 };
let next = 0;
/** The next `n` injected tickets, unused by earlier tests. */
const take = (n: number) => ids.slice(next, (next += n));

const ticketState = (id: string): Promise<TicketState> => s.client.workflow.getHandle(ticketWorkflowId(id)).query(getStateQuery);
async function mobileStatuses(list: readonly string[]): Promise<Map<string, string | null>> {
  const rows = (await s.db.knex('mobile_ticket').whereIn('ticket_id', list).select('ticket_id', 'tixngo_status')) as { ticket_id: string; tixngo_status: string | null }[];
  return new Map(rows.map((r) => [String(r.ticket_id), r.tixngo_status]));
}
const searchCalls = async () => (await s.simAdmin<SimStats>('GET', '/__sim/stats')).calls[SEARCH] ?? 0;
/** Every ticket workflow of `list` closed (completed) with step DELETED. */
async function allDeleted(list: readonly string[]): Promise<boolean> {
  for (const id of list) {
    const d = await s.client.workflow.getHandle(ticketWorkflowId(id)).describe();
    if (d.status.name !== 'COMPLETED') return false;
  }
  return true;
}

before(async () => {
  // The simulator confirms nothing until a test lets it (deletionNeverConfirms), so the waiter's rounds are countable.
  s = await createStack({ sim: { deletionDelayMs: 0 } });
  const res = await seed(s.db.knex, { eventCode: 'BULK1', tickets: N + 10, product: 'match', interfaceName: s.interfaceName });
  ids = Array.from({ length: N + 10 }, (_, i) => String(BigInt(res.firstTicketId!) + BigInt(i)));
  const res2 = await seed(s.db.knex, { eventCode: 'BULK2', tickets: 5, product: 'match', interfaceName: s.interfaceName });
  shortIds = Array.from({ length: 5 }, (_, i) => String(BigInt(res2.firstTicketId!) + BigInt(i)));
  const inj = await s.run('inject', { eventCode: 'BULK1', options: { lifecycle } });
  assert.equal(inj.succeeded, N + 10);
  assert.equal((await s.run('inject', { eventCode: 'BULK2', options: { lifecycle: short } })).succeeded, 5);
  // Every ticket workflow running and INJECTED (visibility); the fan-out child may still be acknowledging its pages.
  const q = `WorkflowType = 'ticketLifecycle' AND EventCode = 'BULK1' AND LifecycleStep = 'INJECTED' AND ExecutionStatus = 'Running'`;
  await eventually('every ticket workflow INJECTED', async () => (await s.client.workflow.count(q)).count, (c) => c === N + 10, 240_000);
  const q2 = q.replace('BULK1', 'BULK2');
  await eventually('every BULK2 ticket workflow INJECTED', async () => (await s.client.workflow.count(q2)).count, (c) => c === 5, 240_000);
});
after(async () => {
  await s?.close();
});

describe('deletions confirmed in bulk', () => {
  test(`${N} tickets cancelled by a push: TIXNGO confirms late, the waiter reads them in one call per 1,000 and round, and every ticket ends DELETED in S-360 and in its workflow`, async () => {
    const batch = take(N);
    await s.simAdmin('POST', '/__sim/faults', { deletionNeverConfirms: true });
    await s.repo.cancelTickets(batch, 'EVENT_CANCELLED', 'CANCELLED');
    const before = await searchCalls();
    const run = await s.run('push-cancelled', { options: { lifecycle } });
    assert.equal(run.succeeded, N);
    const waiterId = run.deletionWaiterWorkflowId;
    assert.ok(waiterId, 'the run names its deletion waiter');
    assert.ok(waiterId.startsWith(deletionWaiterWorkflowId(s.interfaceName, '')), `named after the interface and the run: ${waiterId}`);
    const waiter = s.client.workflow.getHandle(waiterId);

    // While TIXNGO holds the deletions: rounds go on, each one reads every pending ticket with ceil(N/1000) calls.
    const two = await eventually('two waiter rounds', () => waiter.query(getDeletionProgressQuery), (p) => p.rounds >= 2, 60_000);
    assert.deepEqual([two.total, two.pending, two.confirmed, two.neverConfirmed], [N, N, 0, 0]);
    const perRound = Math.ceil(N / 1_000);
    assert.equal(two.tixngoCalls, two.rounds * perRound, `${perRound} search calls per round`);
    const st = await ticketState(batch[0]!);
    assert.deepEqual([st.step, st.deletionConfirmedBy, st.deletionPolls], ['DELETION_PENDING', waiterId, 0]);

    // TIXNGO confirms: the next round signals every ticket, S-360's mobile view shows DELETED, the waiter ends.
    await s.simAdmin('DELETE', '/__sim/faults');
    const done = (await waiter.result()) as DeletionWaiterProgress;
    assert.deepEqual([done.done, done.total, done.pending, done.confirmed, done.neverConfirmed], [true, N, 0, N, 0]);
    assert.ok(done.signalled >= N, `every ticket signalled once its status changed (${done.signalled})`);
    const calls = (await searchCalls()) - before;
    assert.ok(calls <= done.rounds * perRound, `at most ${perRound} calls per round (${calls} in ${done.rounds} rounds), not one per ticket`);
    const mobile = await mobileStatuses(batch);
    assert.equal([...mobile.values()].filter((v) => v === 'DELETED').length, N, 'all DELETED in S-360\'s mobile view');
    await eventually('all ticket workflows DELETED', () => allDeleted(batch), (v) => v, 120_000);
    const final = (await s.client.workflow.getHandle(ticketWorkflowId(batch[N - 1]!)).result()) as TicketState;
    assert.deepEqual([final.step, final.tixngoStatus, final.deletionPolls], ['DELETED', 'DELETED', 0]);
  });

  test('a ticket whose deletion TIXNGO never confirms needs attention at its own deadline; the others of its run are DELETED', async () => {
    // The ticket workflows of BULK2 were started with an 8 s deadline (the push's options do not change them).
    const batch = shortIds;
    const held = batch[2]!;
    await s.simAdmin('POST', '/__sim/faults', { deletionHeldTickets: [held] });
    await s.repo.cancelTickets(batch, 'REFUND', 'CANCELLED');
    const run = await s.run('push-cancelled', { options: { lifecycle: short } });
    assert.equal(run.succeeded, 5);
    const stuck = await eventually('the held ticket needs attention', () => ticketState(held), (st) => st.needsAttention, 60_000);
    assert.equal(stuck.lastError?.type, ERR_DELETION_NOT_CONFIRMED);
    assert.match(stuck.lastError!.message, new RegExp(`ticket ${held} .*polled in bulk by ${run.deletionWaiterWorkflowId}`));
    // The state shows the attention first; the error row follows (the workflow's next activity).
    await eventually('recorded in the S-360 error log', () => s.repo.listOpenErrors({ fn: 'PUSH_CANCELLED' }), (l) => l.some((e) => e.itemId === held && /not confirmed/.test(e.message)), 60_000);
    const others = batch.filter((id) => id !== held);
    await eventually('the others DELETED', () => allDeleted(others), (v) => v, 60_000);
    const mobile = await mobileStatuses(batch);
    assert.deepEqual(others.map((id) => mobile.get(id)), others.map(() => 'DELETED'));
    assert.notEqual(mobile.get(held), 'DELETED');
    const result = (await s.client.workflow.getHandle(run.deletionWaiterWorkflowId!).result()) as DeletionWaiterProgress;
    assert.deepEqual([result.confirmed, result.pending, result.neverConfirmed], [4, 1, 1], 'the waiter gives up at the deadline and reports it');
    await s.simAdmin('DELETE', '/__sim/faults');
  });

  test('a ticket cancelled by its own signal still polls TIXNGO for itself (no waiter)', async () => {
    const [own] = take(1);
    await s.simAdmin('POST', '/__sim/faults', { deletionDelayMs: 2_500 });
    await s.client.workflow.getHandle(ticketWorkflowId(own!)).signal(cancelSignal, { reason: 'REFUND' });
    const final = (await s.client.workflow.getHandle(ticketWorkflowId(own!)).result()) as TicketState;
    assert.equal(final.step, 'DELETED');
    assert.equal(final.deletionConfirmedBy, undefined);
    assert.ok(final.deletionPolls >= 1, `polled itself, ${final.deletionPolls} polls`);
    await s.simAdmin('DELETE', '/__sim/faults');
  });

  test('feedback that sees deletions wakes the waiter: it polls at once instead of at its next backoff step', async () => {
    const batch = take(3);
    // The waiter's first round would come after 10 minutes: only a wake-up can end it within the test.
    const slow = { deletionPollInitialMs: 10 * 60_000, deletionPollMaxMs: 10 * 60_000, deletionConfirmTimeoutMs: 60 * 60_000 };
    await s.repo.cancelTickets(batch, 'REFUND', 'CANCELLED');
    const run = await s.run('push-cancelled', { options: { lifecycle: slow } });
    const waiter = s.client.workflow.getHandle(run.deletionWaiterWorkflowId!);
    await eventually('confirmed in TIXNGO', () => s.simAdmin<{ status: string }>('GET', `/__sim/tickets/${batch[2]!}`), (t) => t.status === 'DELETED');
    assert.equal((await waiter.query(getDeletionProgressQuery)).rounds, 0, 'no round yet');
    const fb = await s.run('feedback');
    assert.ok(fb.processed > 0);
    const done = (await waiter.result()) as DeletionWaiterProgress;
    assert.deepEqual([done.done, done.pending, done.confirmed, done.rounds], [true, 0, 3, 1], 'woken by feedback: one round at once, all confirmed');
    assert.ok(Date.parse(done.lastRoundAt!) - Date.parse(done.startedAt) < 5 * 60_000, 'long before its 10-minute backoff');
    await eventually('the tickets DELETED', () => allDeleted(batch), (v) => v, 60_000);
  });
});
