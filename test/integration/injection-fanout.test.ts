// The deferred injection fan-out on the real stack (dev server, simulator, PostgreSQL): every ticket the run
// injected gets its workflow from the run's child (started with the event in its input), a ticket whose workflow
// already existed (rejected first, fixed, injected by the next run) is signalled instead, and the ticket
// workflows find their tickets through S-360's processed markers, not through the run's history.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ticketWorkflowId } from '../../common/ids';
import { seed } from '../../db/seed';
import type { InjectionFanoutResult } from '../../common/functions';
import type { TicketState } from '../../common/lifecycle';
import { getStateQuery } from '../../workflows/messages';
import { createStack, eventually, type Stack } from '../helpers/stack';

let s: Stack;
let ids: string[] = [];

before(async () => {
  s = await createStack();
  const res = await seed(s.db.knex, { eventCode: 'FAN1', tickets: 25, product: 'match', interfaceName: s.interfaceName });
  ids = Array.from({ length: 25 }, (_, i) => String(BigInt(res.firstTicketId!) + BigInt(i)));
});
after(async () => {
  await s?.close();
});

const state = (id: string) => s.client.workflow.getHandle(ticketWorkflowId(id)).query(getStateQuery).catch(() => undefined);

test('the child starts every injected ticket workflow after the batches; an existing workflow gets the event as a signal', async () => {
  const bad = ids[7]!;
  await s.db.knex('ticket').where({ id: bad }).update({ holder_email: null });
  const first = await s.run('inject', { batchSize: 10 });
  assert.equal(first.succeeded, 24);
  assert.ok(first.lifecycleFanoutWorkflowId, 'the summary names the fan-out workflow');
  const fanout = (await s.client.workflow.getHandle(first.lifecycleFanoutWorkflowId).result()) as InjectionFanoutResult;
  assert.equal(fanout.notified, 24, 'one workflow per injected ticket');
  assert.equal(fanout.closed, 0);

  // Created with the event in the input: INJECTED at once, and started (not signalled): no signal in its history.
  const okId = ids[0]!;
  assert.equal((await state(okId))?.step, 'INJECTED');
  const history = await s.client.workflow.getHandle(ticketWorkflowId(okId)).fetchHistory();
  assert.ok(!history.events!.some((e) => e.workflowExecutionSignaledEventAttributes), 'no signal needed for a new workflow');

  // The rejected ticket: its workflow was created by the batch (needs attention).
  const stuck = await eventually('bad ticket needs attention', () => state(bad), (st) => st?.needsAttention === true);
  assert.equal(stuck!.step, 'AWAITING_INJECTION');

  // A person fixes the data; the next run injects it, and its fan-out signals the existing workflow.
  await s.db.knex('ticket').where({ id: bad }).update({ holder_email: 'fixed@example.org' });
  const second = await s.run('inject', { batchSize: 10 });
  assert.equal(second.succeeded, 1);
  const fan2 = (await s.client.workflow.getHandle(second.lifecycleFanoutWorkflowId!).result()) as InjectionFanoutResult;
  assert.deepEqual([fan2.notified, fan2.closed], [1, 0]);
  const healed = (await eventually('bad ticket INJECTED', () => state(bad), (st) => st?.step === 'INJECTED')) as TicketState;
  assert.equal(healed.needsAttention, false);
  assert.equal(healed.s360Status, 'PRINTED');

  // Nothing left: a third run injects nothing and starts no fan-out.
  const third = await s.run('inject', { batchSize: 10 });
  assert.equal(third.processed, 0);
  assert.equal(third.lifecycleFanoutWorkflowId, undefined);
});
