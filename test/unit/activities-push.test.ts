// pushCancelledBatch / pushControlledBatch over an in-memory S-360 and a scripted TIXNGO client: what is sent, what
// is marked pushed, what is recorded as failed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ERR_TIXNGO_NOT_FOUND } from '../../common/errors';
import { activitiesWith, activityEnv, fakeRepo, fakeTixngo, ticket } from '../helpers/activity-fakes';

const input = { interfaceName: 'demo', limit: 10, executionId: 'exec-2' };

describe('pushCancelledBatch', () => {
  test('deletes the cancelled and invalidated tickets; a rejected one is recorded, the others marked with their reason', async () => {
    const s360 = fakeRepo([
      ticket('11', { status: 'CANCELLED', invalidationReason: 'REFUND' }),
      ticket('12', { status: 'INVALIDATED', invalidationReason: 'FRAUD' }),
      ticket('13', { status: 'CANCELLED' }),
      ticket('14', { status: 'PRINTED' }),
    ]);
    const tixngo = fakeTixngo({ reject: { '12': { reason: 'NOT_FOUND' } } });
    const { run } = activityEnv();
    const res = await run(activitiesWith(s360.repo, tixngo.factory).main.pushCancelledBatch, { ...input, notifySpectator: true });

    assert.deepEqual(tixngo.calls, [
      {
        op: 'deleteTickets',
        ids: ['11', '12', '13'],
        body: [
          { ticketId: '11', reason: 'REFUND', showDeletedTicket: true },
          { ticketId: '12', reason: 'FRAUD', showDeletedTicket: true },
          { ticketId: '13', reason: 'CANCELLED', showDeletedTicket: true },
        ],
      },
    ]);
    assert.deepEqual(res.pushed, [
      { ticketId: '11', eventCode: 'E1', reason: 'REFUND', s360Status: 'CANCELLED', tixngoStatus: 'DELETION_PENDING', showDeletedTicket: true },
      { ticketId: '13', eventCode: 'E1', reason: undefined, s360Status: 'CANCELLED', tixngoStatus: 'DELETION_PENDING', showDeletedTicket: true },
    ]);
    assert.deepEqual(res.rejected, [{ itemId: '12', eventCode: 'E1', type: ERR_TIXNGO_NOT_FOUND, field: undefined, message: 'ticket 12: NOT_FOUND' }]);
    assert.equal(res.selected, 3);
    assert.equal(res.tixngoCalls, 1);
    assert.deepEqual(s360.marked, [{ fn: 'PUSH_CANCELLED', items: [{ id: '11', reason: 'REFUND' }, { id: '13', reason: null }], runId: 'exec-2' }]);
    assert.deepEqual(s360.errors, [{ fn: 'PUSH_CANCELLED', itemKind: 'ticket', items: [{ itemId: '12', field: undefined, message: 'ticket 12: NOT_FOUND' }], runId: 'exec-2' }]);
  });

  test('nothing to push: no TIXNGO call, nothing marked', async () => {
    const s360 = fakeRepo([ticket('14', { status: 'PRINTED' })]);
    const tixngo = fakeTixngo();
    const { run } = activityEnv();
    const res = await run(activitiesWith(s360.repo, tixngo.factory).main.pushCancelledBatch, input);
    assert.deepEqual(tixngo.calls, []);
    assert.equal(res.tixngoCalls, 0);
    assert.deepEqual(res.pushed, []);
    assert.equal(res.done, true);
  });
});

describe('push simulation', () => {
  test('push cancelled: reports each deletion it would send, sends and marks nothing', async () => {
    const s360 = fakeRepo([ticket('11', { status: 'CANCELLED', invalidationReason: 'REFUND' }), ticket('12', { status: 'INVALIDATED', invalidationReason: 'REPRINT' })]);
    const tixngo = fakeTixngo();
    const { run } = activityEnv();
    const res = await run(activitiesWith(s360.repo, tixngo.factory).main.pushCancelledBatch, { ...input, params: { simulationMode: true } });
    assert.deepEqual(tixngo.calls, []);
    assert.deepEqual(s360.marked, []);
    assert.deepEqual(s360.errors, []);
    assert.deepEqual(res.pushed, []);
    assert.deepEqual(res.simulated, [
      { itemId: '11', action: 'delete', detail: 'reason REFUND, showDeletedTicket false' },
      { itemId: '12', action: 'delete', detail: 'reason REPRINT, showDeletedTicket false' },
    ]);
    assert.equal(res.selected, 2);
    assert.equal(res.skipped, 2);
    assert.equal(res.tixngoCalls, 0);
  });

  test('push controlled: reports each control it would send, sends and marks nothing', async () => {
    const s360 = fakeRepo([ticket('21', { status: 'CONTROLLED', controlledAt: '2026-05-01T19:00:00.000Z' })]);
    const tixngo = fakeTixngo();
    const { run } = activityEnv();
    const res = await run(activitiesWith(s360.repo, tixngo.factory).main.pushControlledBatch, { ...input, params: { simulationMode: true } });
    assert.deepEqual(tixngo.calls, []);
    assert.deepEqual(s360.marked, []);
    assert.deepEqual(res.simulated, [{ itemId: '21', action: 'control', detail: 'controlledAt 2026-05-01T19:00:00.000Z' }]);
  });

  test('a retry after a failed sub-call does not push again what the earlier sub-calls had pushed', async () => {
    const s360 = fakeRepo([ticket('11', { status: 'CANCELLED', invalidationReason: 'REFUND' }), ticket('12', { status: 'CANCELLED', invalidationReason: 'REFUND' })]);
    const tixngo = fakeTixngo();
    const earlier = { ticketId: '11', eventCode: 'E1', reason: 'REFUND', s360Status: 'CANCELLED', tixngoStatus: 'DELETION_PENDING', showDeletedTicket: false };
    const { run } = activityEnv({ attempt: 2, heartbeatDetails: { posted: false, accepted: [earlier] } });
    const res = await run(activitiesWith(s360.repo, tixngo.factory).main.pushCancelledBatch, { ...input, itemIds: ['11', '12'] });
    assert.deepEqual(tixngo.calls.map((c) => [c.op, c.ids]), [['deleteTickets', ['12']]]);
    assert.deepEqual(res.pushed.map((p) => p.ticketId), ['11', '12']);
    assert.equal(res.selected, 2);
  });
});

describe('pushControlledBatch', () => {
  test('sends the control time (the clock when S-360 has none) and marks the accepted tickets', async () => {
    const s360 = fakeRepo([ticket('21', { status: 'CONTROLLED', controlledAt: '2026-05-01T19:00:00.000Z' }), ticket('22', { status: 'CONTROLLED' })]);
    const tixngo = fakeTixngo();
    const { run } = activityEnv();
    const now = () => new Date('2026-05-02T08:30:00.000Z');
    const res = await run(activitiesWith(s360.repo, tixngo.factory, now).main.pushControlledBatch, input);

    assert.deepEqual(tixngo.calls[0]?.body, [
      { ticketId: '21', controlledAt: '2026-05-01T19:00:00.000Z' },
      { ticketId: '22', controlledAt: '2026-05-02T08:30:00.000Z' },
    ]);
    assert.deepEqual(res.pushed, [
      { ticketId: '21', eventCode: 'E1', tixngoStatus: 'CONTROLLED' },
      { ticketId: '22', eventCode: 'E1', tixngoStatus: 'CONTROLLED' },
    ]);
    assert.deepEqual(s360.marked, [{ fn: 'PUSH_CONTROLLED', items: [{ id: '21' }, { id: '22' }], runId: 'exec-2' }]);
  });
});
