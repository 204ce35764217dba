// The five interface functions end to end: real Temporal dev server, worker with real activities, TIXNGO
// simulator over HTTP, S-360 on the real PostgreSQL server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ERR_DELETION_NOT_CONFIRMED, ERR_INVALID_TICKET_DATA } from '../../common/errors';
import { ticketWorkflowId, cardWorkflowId } from '../../common/ids';
import { NeedsAttentionKey } from '../../common/search-attributes';
import { seed } from '../../db/seed';
import { reconcileEvent } from '../../ops/reconcile';
import type { TicketState } from '../../common/lifecycle';
import { getCardStateQuery, getStateQuery, requestRetryUpdate } from '../../workflows/messages';
import { createStack, eventually, type Stack } from '../helpers/stack';

interface SimTicket {
  ticketId: string;
  status: string;
  injectCount: number;
  walletOwner: { email: string } | null;
}
interface SimStats {
  calls: Record<string, number>;
  tickets: Record<string, number>;
  events: number;
  privilegeInstances: number;
  reinjectedTickets: number;
}

const lifecycle = { deletionPollInitialMs: 100, deletionPollMaxMs: 400, deletionConfirmTimeoutMs: 3_000 };

let s: Stack;
let ids: string[] = [];

async function ticketState(id: string): Promise<TicketState> {
  return s.client.workflow.getHandle(ticketWorkflowId(id)).query(getStateQuery);
}
async function waitTicket(id: string, pred: (st: TicketState) => boolean, what: string): Promise<TicketState> {
  return eventually(
    `ticket ${id}: ${what}`,
    () => ticketState(id).catch(() => undefined),
    (st) => st !== undefined && pred(st),
  ) as Promise<TicketState>;
}
async function s360Status(id: string): Promise<string> {
  const row = await s.db.knex('ticket').where({ id }).first('status');
  return String(row?.status);
}

before(async () => {
  s = await createStack({ sim: { deletionDelayMs: 1500 } });
  const res = await seed(s.db.knex, { eventCode: 'IT1', tickets: 30, product: 'match', interfaceName: s.interfaceName, cards: 5, cardKind: 'season' });
  ids = Array.from({ length: 30 }, (_, i) => String(BigInt(res.firstTicketId!) + BigInt(i)));
});
after(async () => {
  await s?.close();
});

describe('injection', () => {
  test('a ticket with bad data is reported with field and ticket id while the rest of its batch is injected; fixed, it is retried by update', async () => {
    const bad = ids[3]!;
    await s.db.knex('ticket').where({ id: bad }).update({ holder_email: null });
    const summary = await s.run('inject', { batchSize: 10, options: { lifecycle } });
    assert.equal(summary.outcome, 'ERROR', 'a failing ticket keeps the function in error');
    assert.equal(summary.processed, 30);
    assert.equal(summary.succeeded, 29);
    assert.equal(summary.failed, 1);
    assert.equal(summary.tixngoCalls, 3, 'batch size 10: one bulk TIXNGO call per batch of 10');
    assert.equal(summary.failures[0]!.itemId, bad);
    assert.equal(summary.failures[0]!.type, ERR_INVALID_TICKET_DATA);
    assert.match(summary.failures[0]!.message, new RegExp(`ticket ${bad}: .*spectatorDetails\\.email`));

    // S-360: 29 PRINTED + processed, the bad one NOT_PRINTED with an open error naming the field.
    const counts = await s.db.knex('ticket').where({ performance_id: s.db.knex('performance').select('id').where({ code: 'IT1' }) }).select('status').count('* as n').groupBy('status');
    assert.deepEqual(Object.fromEntries(counts.map((c) => [c.status, Number(c.n)])), { PRINTED: 29, NOT_PRINTED: 1 });
    const errors = await s.repo.listOpenErrors({ fn: 'INJECTION' });
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.itemId, bad);
    assert.equal(errors[0]!.field, 'spectatorDetails.email');

    // TIXNGO: exactly the 29, each injected once, the event created on first sight.
    const stats = await s.simAdmin<SimStats>('GET', '/__sim/stats');
    assert.equal(stats.tickets.INJECTED, 29);
    assert.equal(stats.events, 1);
    assert.equal(stats.reinjectedTickets, 0);

    // Per-ticket workflows follow: INJECTED for the good ones, needs attention for the bad one.
    await waitTicket(ids[0]!, (st) => st.step === 'INJECTED', 'INJECTED');
    const stuck = await waitTicket(bad, (st) => st.needsAttention, 'needs attention');
    assert.equal(stuck.step, 'AWAITING_INJECTION');
    assert.equal(stuck.lastError?.field, 'spectatorDetails.email');
    const desc = await s.client.workflow.getHandle(ticketWorkflowId(bad)).describe();
    assert.equal(desc.typedSearchAttributes.get(NeedsAttentionKey), true);

    // A person fixes the data and retries the ticket.
    await s.db.knex('ticket').where({ id: bad }).update({ holder_email: 'fixed@example.org' });
    const r = await s.client.workflow.getHandle(ticketWorkflowId(bad)).executeUpdate(requestRetryUpdate);
    assert.equal(r.retried, true);
    await waitTicket(bad, (st) => st.step === 'INJECTED' && !st.needsAttention, 'INJECTED after retry');
    assert.equal(await s360Status(bad), 'PRINTED');
    assert.equal((await s.simAdmin<SimTicket>('GET', `/__sim/tickets/${bad}`)).status, 'INJECTED');
    assert.equal((await s.repo.listOpenErrors({ fn: 'INJECTION' })).length, 0, 'the error is resolved');

    // Running the function again is a no-op: nothing left, nothing sent twice.
    const again = await s.run('inject', { batchSize: 10 });
    assert.equal(again.outcome, 'OK');
    assert.equal(again.processed, 0);
    assert.equal((await s.simAdmin<SimStats>('GET', '/__sim/stats')).reinjectedTickets, 0);
    const report = await reconcileEvent({ repo: s.repo, secretKey: s.secretKey, interfaceName: s.interfaceName, eventCode: 'IT1' });
    assert.equal(report.checked, 30);
    assert.deepEqual(report.divergences, []);
  });
});

describe('push cancelled', () => {
  test('deletion confirmed in bulk by the run\'s waiter: DELETION_PENDING then DELETED, ticket workflow completes', async () => {
    const [a, b] = [ids[5]!, ids[6]!];
    await s.repo.cancelTickets([a], 'REFUND', 'CANCELLED');
    await s.repo.cancelTickets([b], 'REPRINT', 'INVALIDATED');
    const summary = await s.run('push-cancelled');
    assert.equal(summary.outcome, 'OK');
    assert.equal(summary.succeeded, 2);
    assert.equal((await s.simAdmin<SimTicket>('GET', `/__sim/tickets/${a}`)).status, 'DELETION_PENDING');
    const final = (await s.client.workflow.getHandle(ticketWorkflowId(a)).result()) as TicketState;
    assert.equal(final.step, 'DELETED');
    assert.equal(final.deletionConfirmedBy, summary.deletionWaiterWorkflowId, 'confirmed by the push run\'s waiter');
    assert.equal(final.deletionPolls, 0, 'the ticket workflow never polled TIXNGO itself');
    assert.equal(((await s.client.workflow.getHandle(ticketWorkflowId(b)).result()) as TicketState).s360Status, 'INVALIDATED');
    assert.equal((await s.simAdmin<SimTicket>('GET', `/__sim/tickets/${a}`)).status, 'DELETED');

    // Processed: a second run sends nothing; a changed invalidation reason is pushed again.
    assert.equal((await s.run('push-cancelled')).processed, 0);
    await s.db.knex('ticket').where({ id: a }).update({ invalidation_reason: 'MOBILE_TAKE_BACK' });
    const again = await s.run('push-cancelled');
    assert.equal(again.processed, 1);
    assert.equal(again.succeeded, 1, 'deleting a deleted ticket again is accepted (idempotent)');
  });

  test('deletion never confirmed: needs attention with the error logged, then retry after TIXNGO recovers', async () => {
    const c = ids[7]!;
    await s.simAdmin('POST', '/__sim/faults', { deletionNeverConfirms: true });
    await s.repo.cancelTickets([c], 'REFUND', 'CANCELLED');
    assert.equal((await s.run('push-cancelled')).succeeded, 1);
    const stuck = await waitTicket(c, (st) => st.needsAttention, 'needs attention');
    assert.equal(stuck.lastError?.type, ERR_DELETION_NOT_CONFIRMED);
    // Recorded by an activity of the ticket workflow, a moment after the state shows it (slower on the real server).
    await eventually(
      'the S-360 error log records the unconfirmed deletion',
      () => s.repo.listOpenErrors({ fn: 'PUSH_CANCELLED' }),
      (logged) => logged.some((e) => e.itemId === c && /not confirmed/.test(e.message)),
    );

    await s.simAdmin('DELETE', '/__sim/faults');
    const r = await s.client.workflow.getHandle(ticketWorkflowId(c)).executeUpdate(requestRetryUpdate);
    assert.equal(r.retried, true);
    const final = (await s.client.workflow.getHandle(ticketWorkflowId(c)).result()) as TicketState;
    assert.equal(final.step, 'DELETED');
    assert.equal(final.retries, 1);
  });
});

describe('push controlled', () => {
  test('controlled tickets become CONTROLLED in TIXNGO; never-injected ones are ignored', async () => {
    const [a, b] = [ids[10]!, ids[11]!];
    await s.repo.controlTickets([a, b], new Date());
    const summary = await s.run('push-controlled');
    assert.equal(summary.outcome, 'OK');
    assert.equal(summary.succeeded, 2);
    assert.equal((await s.simAdmin<SimTicket>('GET', `/__sim/tickets/${a}`)).status, 'CONTROLLED');
    await waitTicket(a, (st) => st.step === 'CONTROLLED', 'CONTROLLED');
    assert.equal((await s.run('push-controlled')).processed, 0, 'processed tickets are not pushed again');
  });
});

describe('feedback', () => {
  test('pages the diff feed, stores wallet changes and history once, moves the cursor', async () => {
    const t = ids[12]!;
    await s.simAdmin('POST', `/__sim/wallet/${t}/download`);
    await s.simAdmin('POST', `/__sim/wallet/${t}/transfer`, { to: { firstName: 'Zoe', lastName: 'Keller', email: 'zoe@example.org' } });
    await s.simAdmin('POST', `/__sim/wallet/${t}/accept`);
    const summary = await s.run('feedback', { batchSize: 7 });
    assert.equal(summary.outcome, 'OK');
    assert.ok(summary.batches >= 2, 'several pages');
    const mobile = await s.db.knex('mobile_ticket').where({ ticket_id: t }).first();
    assert.equal(mobile.tixngo_status, 'TRANSFERRED');
    assert.equal(mobile.wallet_owner.email, 'zoe@example.org');
    const history = await s.db.knex('mobile_ticket_history').where({ ticket_id: t }).count('* as n').first();
    await waitTicket(t, (st) => st.tixngoStatus === 'TRANSFERRED', 'TRANSFERRED through feedback');

    // Nothing new: a second run writes no history.
    const again = await s.run('feedback', { batchSize: 7 });
    assert.equal(again.processed, 0);
    const history2 = await s.db.knex('mobile_ticket_history').where({ ticket_id: t }).count('* as n').first();
    assert.equal(Number(history2!.n), Number(history!.n));
    const cursor = await s.repo.getFeedbackCursor((await s.repo.getInterfaceByName(s.interfaceName))!.id);
    assert.ok(cursor, 'cursor stored');
  });
});

describe('privileges injection', () => {
  test('cards become privilege instances (definition created once) and PRINTED', async () => {
    const summary = await s.run('inject-privileges');
    assert.equal(summary.outcome, 'OK');
    assert.equal(summary.succeeded, 5);
    const stats = await s.simAdmin<SimStats>('GET', '/__sim/stats');
    assert.equal(stats.privilegeInstances, 5);
    const cards = await s.db.knex('card').select('id', 'status');
    assert.ok(cards.every((c) => c.status === 'PRINTED'));
    const st = await eventually('card workflow', () => s.client.workflow.getHandle(cardWorkflowId(String(cards[0]!.id))).query(getCardStateQuery).catch(() => undefined), (v) => v?.step === 'INJECTED').catch(
      async () => (await s.client.workflow.getHandle(cardWorkflowId(String(cards[0]!.id))).result()) as { step: string },
    );
    assert.equal(st?.step, 'INJECTED');
  });
});

describe('TIXNGO failures', () => {
  test('429 with Retry-After: the run waits and completes, nothing lost or doubled', async () => {
    await seed(s.db.knex, { eventCode: 'IT2', tickets: 20, product: 'event', interfaceName: s.interfaceName });
    await s.simAdmin('POST', '/__sim/faults', { rateLimitPerSecond: 1, retryAfterSeconds: 1 });
    try {
      const summary = await s.run('inject', { eventCode: 'IT2', batchSize: 5 });
      assert.equal(summary.outcome, 'OK');
      assert.equal(summary.succeeded, 20);
    } finally {
      await s.simAdmin('DELETE', '/__sim/faults');
    }
    const stats = await s.simAdmin<SimStats>('GET', '/__sim/stats');
    assert.equal(stats.reinjectedTickets, 0);
    const report = await reconcileEvent({ repo: s.repo, secretKey: s.secretKey, interfaceName: s.interfaceName, eventCode: 'IT2' });
    assert.deepEqual(report.divergences, []);
  });
});
