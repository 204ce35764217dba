// Simulation mode changes nothing anywhere (TIXNGO, S-360, ticket and card workflows) in every function; a batch
// split by ticketIterationSize never sends again what TIXNGO accepted, and the pushes are split too.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { cardWorkflowId, ticketWorkflowId } from '../../common/ids';
import { seed } from '../../db/seed';
import { createStack, type Stack } from '../helpers/stack';

interface SimTicket {
  ticketId: string;
  status: string;
  injectCount: number;
  history: unknown[];
}
interface SimStats {
  calls: Record<string, number>;
  tickets: Record<string, number>;
  events: number;
  privilegeInstances: number;
  reinjectedTickets: number;
}

const INJECT = 'POST /v3/organizer/tickets';
const DELETE = 'POST /v3/organizer/tickets/delete';
const CONTROLLED = 'POST /v3/organizer/tickets/controlled';

let s: Stack;

async function seedEvent(code: string, n: number, cards = 0): Promise<{ tickets: string[]; cards: string[] }> {
  const r = await seed(s.db.knex, { eventCode: code, tickets: n, cards, interfaceName: s.interfaceName });
  const cardIds = cards ? ((await s.db.knex('card').orderBy('id', 'desc').limit(cards).pluck('id')) as unknown[]).map(String).reverse() : [];
  return { tickets: Array.from({ length: n }, (_, i) => String(BigInt(r.firstTicketId!) + BigInt(i))), cards: cardIds };
}
async function simTicket(id: string): Promise<SimTicket | undefined> {
  try {
    return await s.simAdmin<SimTicket>('GET', `/__sim/tickets/${id}`);
  } catch {
    return undefined;
  }
}
async function setCustomParams(params: Record<string, unknown>): Promise<void> {
  const iface = (await s.repo.getInterfaceByName(s.interfaceName))!;
  await s.db.knex('tixngo_interface').where({ id: iface.id }).update({ custom_params: JSON.stringify(params) });
}

/** What TIXNGO holds: its counters of changing calls, its tickets and instances, and each given ticket's record. */
async function simState(ids: readonly string[]): Promise<unknown> {
  const st = await s.simAdmin<SimStats>('GET', '/__sim/stats');
  const changing = Object.entries(st.calls).filter(([k]) => k.startsWith('POST') && !k.endsWith('/search'));
  return { changing, tickets: st.tickets, events: st.events, privilegeInstances: st.privilegeInstances, reinjected: st.reinjectedTickets, each: await Promise.all(ids.map(simTicket)) };
}

/** What S-360 holds about these tickets and cards: rows, processed markers, mobile state and history, error log. */
async function s360State(ticketIds: readonly string[], cardIds: readonly string[] = []): Promise<unknown> {
  const k = s.db.knex;
  const items = [...ticketIds, ...cardIds];
  return {
    tickets: await k('ticket').whereIn('id', ticketIds).orderBy('id').select('*'),
    cards: cardIds.length ? await k('card').whereIn('id', cardIds).orderBy('id').select('*') : [],
    markers: await k('processing_marker').whereIn('item_id', items).orderBy(['item_kind', 'item_id', 'function']).select('*'),
    mobile: await k('mobile_ticket').whereIn('ticket_id', ticketIds).orderBy('ticket_id').select('*'),
    history: await k('mobile_ticket_history').whereIn('ticket_id', ticketIds).orderBy('id').select('*'),
    errors: await k('interface_error').whereIn('item_id', items).orderBy('id').select('*'),
  };
}

/** Events of a workflow's history, or undefined when it was never started. */
async function historyLength(workflowId: string): Promise<number | undefined> {
  try {
    return (await s.client.workflow.getHandle(workflowId).describe()).historyLength;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** Injects these tickets for real and waits until every ticket workflow has been started by the fan-out. */
async function injectForReal(code: string, ids: readonly string[]): Promise<void> {
  const r = await s.run('inject', { eventCode: code });
  assert.equal(r.succeeded, ids.length);
  if (r.lifecycleFanoutWorkflowId) await s.client.workflow.getHandle(r.lifecycleFanoutWorkflowId).result();
}

before(async () => {
  s = await createStack();
});
after(async () => {
  await s?.close();
});

describe('simulation mode sends nothing, marks nothing, notifies no workflow', () => {
  test('inject: valid and invalid tickets are checked and reported; no ticket workflow is started', async () => {
    const { tickets } = await seedEvent('SIM-INJ', 4);
    await s.db.knex('ticket').where({ id: tickets[1] }).update({ holder_email: null });
    const simBefore = await simState(tickets);
    const s360Before = await s360State(tickets);
    const r = await s.run('inject', { eventCode: 'SIM-INJ', params: { simulationMode: true } });
    assert.equal(r.processed, 4);
    assert.equal(r.succeeded, 0);
    assert.equal(r.failed, 1, 'the ticket without e-mail would be refused');
    assert.equal(r.skipped, 3, 'the others would be sent');
    assert.equal(r.tixngoCalls, 0);
    assert.deepEqual(await simState(tickets), simBefore, 'TIXNGO unchanged');
    assert.deepEqual(await s360State(tickets), s360Before, 'S-360 unchanged');
    for (const id of tickets) assert.equal(await historyLength(ticketWorkflowId(id)), undefined, `no workflow for ticket ${id}`);
  });

  test('push cancelled: nothing deleted in TIXNGO, nothing marked in S-360, ticket workflows not signalled', async () => {
    const { tickets } = await seedEvent('SIM-CAN', 4);
    await injectForReal('SIM-CAN', tickets);
    await s.repo.cancelTickets([tickets[0]!, tickets[1]!], 'REFUND', 'CANCELLED');
    await s.repo.cancelTickets([tickets[2]!], 'REPRINT', 'INVALIDATED');
    const simBefore = await simState(tickets);
    const s360Before = await s360State(tickets);
    const wfBefore = await Promise.all(tickets.map((id) => historyLength(ticketWorkflowId(id))));
    const r = await s.run('push-cancelled', { eventCode: 'SIM-CAN', params: { simulationMode: true } });
    assert.equal(r.processed, 3);
    assert.equal(r.succeeded, 0);
    assert.equal(r.skipped, 3, 'the three deletions that would be sent');
    assert.equal(r.tixngoCalls, 0);
    assert.deepEqual(await simState(tickets), simBefore, 'TIXNGO unchanged');
    assert.deepEqual(await s360State(tickets), s360Before, 'S-360 unchanged');
    assert.deepEqual(await Promise.all(tickets.map((id) => historyLength(ticketWorkflowId(id)))), wfBefore, 'ticket workflows untouched');
    // The real run then pushes all three.
    assert.equal((await s.run('push-cancelled', { eventCode: 'SIM-CAN' })).succeeded, 3);
  });

  test('push controlled: nothing controlled in TIXNGO, nothing marked in S-360, ticket workflows not signalled', async () => {
    const { tickets } = await seedEvent('SIM-CTL', 3);
    await injectForReal('SIM-CTL', tickets);
    await s.repo.controlTickets([tickets[0]!, tickets[1]!], new Date());
    const simBefore = await simState(tickets);
    const s360Before = await s360State(tickets);
    const wfBefore = await Promise.all(tickets.map((id) => historyLength(ticketWorkflowId(id))));
    const r = await s.run('push-controlled', { eventCode: 'SIM-CTL', params: { simulationMode: true } });
    assert.equal(r.processed, 2);
    assert.equal(r.succeeded, 0);
    assert.equal(r.skipped, 2);
    assert.equal(r.tixngoCalls, 0);
    assert.deepEqual(await simState(tickets), simBefore, 'TIXNGO unchanged');
    assert.deepEqual(await s360State(tickets), s360Before, 'S-360 unchanged');
    assert.deepEqual(await Promise.all(tickets.map((id) => historyLength(ticketWorkflowId(id)))), wfBefore, 'ticket workflows untouched');
  });

  test('inject privileges: no instance created, cards stay NOT_PRINTED, no card workflow', async () => {
    const { cards } = await seedEvent('SIM-PRV', 0, 3);
    await s.db.knex('card').where({ id: cards[0] }).update({ holder_email: null });
    const simBefore = await simState([]);
    const s360Before = await s360State([], cards);
    const r = await s.run('inject-privileges', { params: { simulationMode: true } });
    assert.equal(r.processed, 3);
    assert.equal(r.succeeded, 0);
    assert.equal(r.failed, 1, 'the card without e-mail would be refused');
    assert.equal(r.skipped, 2);
    assert.equal(r.tixngoCalls, 0);
    assert.deepEqual(await simState([]), simBefore, 'TIXNGO unchanged');
    assert.deepEqual(await s360State([], cards), s360Before, 'S-360 unchanged');
    for (const id of cards) assert.equal(await historyLength(cardWorkflowId(id)), undefined, `no workflow for card ${id}`);
  });
});

describe('ticketIterationSize', () => {
  test('inject: the second sub-call fails, the retry sends only what TIXNGO has not accepted', async () => {
    const { tickets } = await seedEvent('SPLIT-INJ', 5);
    await setCustomParams({ ticketIterationSize: 2 });
    const calls0 = (await s.simAdmin<SimStats>('GET', '/__sim/stats')).calls[INJECT] ?? 0;
    await s.simAdmin('POST', '/__sim/faults', { failCalls: [2], failCallsRoute: INJECT, errorStatus: 503 });
    try {
      const r = await s.run('inject', { eventCode: 'SPLIT-INJ', batchSize: 5 });
      assert.equal(r.outcome, 'OK');
      assert.equal(r.succeeded, 5, 'the tickets accepted before the failure count too');
    } finally {
      await s.simAdmin('DELETE', '/__sim/faults');
      await setCustomParams({});
    }
    for (const id of tickets) assert.equal((await simTicket(id))?.injectCount, 1, `ticket ${id} injected exactly once`);
    const statuses = (await s.db.knex('ticket').whereIn('id', tickets).pluck('status')) as string[];
    assert.deepEqual(statuses, ['PRINTED', 'PRINTED', 'PRINTED', 'PRINTED', 'PRINTED']);
    // 2 tickets, (2 refused by the fault), then 2 + 1 on the retry.
    assert.equal((await s.simAdmin<SimStats>('GET', '/__sim/stats')).calls[INJECT]! - calls0, 4);
  });

  test('push cancelled: 5 tickets in sub-calls of 2 make 3 calls; a failed sub-call does not re-send the accepted ones', async () => {
    const { tickets } = await seedEvent('SPLIT-CAN', 10);
    await injectForReal('SPLIT-CAN', tickets);
    await s.repo.cancelTickets(tickets.slice(0, 5), 'REFUND', 'CANCELLED');
    await setCustomParams({ ticketIterationSize: 2 });
    try {
      const calls0 = (await s.simAdmin<SimStats>('GET', '/__sim/stats')).calls[DELETE] ?? 0;
      const r = await s.run('push-cancelled', { eventCode: 'SPLIT-CAN', batchSize: 5 });
      assert.equal(r.succeeded, 5);
      assert.equal(r.tixngoCalls, 3);
      assert.equal((await s.simAdmin<SimStats>('GET', '/__sim/stats')).calls[DELETE]! - calls0, 3);
      const marked = await s.db.knex('processing_marker').whereIn('item_id', tickets.slice(0, 5)).where({ function: 'PUSH_CANCELLED' }).count('* as n').first();
      assert.equal(Number(marked!.n), 5, 'all processed');

      await s.repo.cancelTickets(tickets.slice(5), 'REFUND', 'CANCELLED');
      const calls1 = (await s.simAdmin<SimStats>('GET', '/__sim/stats')).calls[DELETE] ?? 0;
      await s.simAdmin('POST', '/__sim/faults', { failCalls: [2], failCallsRoute: DELETE, errorStatus: 503 });
      const r2 = await s.run('push-cancelled', { eventCode: 'SPLIT-CAN', batchSize: 5 });
      assert.equal(r2.succeeded, 5);
      // 2, (2 refused), then 2 + 1 on the retry: the first two are not sent again.
      assert.equal((await s.simAdmin<SimStats>('GET', '/__sim/stats')).calls[DELETE]! - calls1, 4);
      for (const id of tickets.slice(5)) assert.match((await simTicket(id))?.status ?? '', /^(DELETION_PENDING|DELETED)$/, `ticket ${id} deleted`);
    } finally {
      await s.simAdmin('DELETE', '/__sim/faults');
      await setCustomParams({});
    }
  });

  test('push controlled: 5 tickets in sub-calls of 2 make 3 calls, all processed', async () => {
    const { tickets } = await seedEvent('SPLIT-CTL', 5);
    await injectForReal('SPLIT-CTL', tickets);
    await s.repo.controlTickets(tickets, new Date());
    await setCustomParams({ ticketIterationSize: 2 });
    try {
      const calls0 = (await s.simAdmin<SimStats>('GET', '/__sim/stats')).calls[CONTROLLED] ?? 0;
      const r = await s.run('push-controlled', { eventCode: 'SPLIT-CTL', batchSize: 5 });
      assert.equal(r.succeeded, 5);
      assert.equal(r.tixngoCalls, 3);
      assert.equal((await s.simAdmin<SimStats>('GET', '/__sim/stats')).calls[CONTROLLED]! - calls0, 3);
      const marked = await s.db.knex('processing_marker').whereIn('item_id', tickets).where({ function: 'PUSH_CONTROLLED' }).count('* as n').first();
      assert.equal(Number(marked!.n), 5, 'all processed');
    } finally {
      await setCustomParams({});
    }
  });
});
