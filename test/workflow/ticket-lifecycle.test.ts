// Ticket lifecycle workflow on a real Temporal dev server, with stub activities.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { randomInt, randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ERR_DELETION_NOT_CONFIRMED, ERR_TIXNGO_REJECTED } from '../../common/errors';
import { ticketWorkflowId } from '../../common/ids';
import { NeedsAttentionKey, LifecycleStepKey } from '../../common/search-attributes';
import type { ActivityGroups } from '../../activities/types';
import { createWorkers } from '../../workers/worker';
import type { TicketLifecycleInput, TicketState } from '../../common/lifecycle';
import { cancelSignal, getStateQuery, requestRetryUpdate, ticketEventSignal } from '../../workflows/messages';
import { useTestEnv } from '../helpers/temporal';
import { stubActivities } from '../helpers/workflow-stubs';

const env = useTestEnv();

const fast = { deletionPollInitialMs: 50, deletionPollMaxMs: 200 };

async function withWorker<T>(activities: ActivityGroups, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `test-${randomUUID()}`;
  const workers = await createWorkers({ connection: env().nativeConnection, namespace: 'default', taskQueue, activities });
  const running = workers.run();
  try {
    return await fn(taskQueue);
  } finally {
    workers.shutdown();
    await running;
  }
}

/** A ticket id no other test uses; digits, as the start contract requires of an S-360 id. */
const uniqueTicketId = (): string => `${Date.now()}${randomInt(1_000_000)}`;

async function startTicket(taskQueue: string, input: Omit<TicketLifecycleInput, 'interfaceName' | 'eventCode'>): Promise<WorkflowHandle> {
  return env().client.workflow.start('ticketLifecycle', {
    taskQueue,
    workflowId: ticketWorkflowId(`${input.ticketId}`),
    args: [{ interfaceName: 'demo', eventCode: 'E1', ...input }],
  });
}

async function waitForState(handle: WorkflowHandle, pred: (s: TicketState) => boolean, what: string): Promise<TicketState> {
  const deadline = Date.now() + 20_000;
  let last: TicketState | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(getStateQuery);
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}; last state ${JSON.stringify(last)}`);
}

describe('ticketLifecycle', () => {
  test('cancel signal: pushes the deletion, polls while DELETION_PENDING, completes when DELETED', async () => {
    let polls = 0;
    const { activities, calls } = stubActivities({
      pushCancelledBatch: async (i) => ({
        selected: 1,
        rejected: [],
        skipped: 0,
        done: true,
        tixngoCalls: 1,
        pushed: [{ ticketId: i.itemIds![0]!, eventCode: 'E1', reason: 'REFUND', s360Status: 'CANCELLED', tixngoStatus: 'DELETION_PENDING', showDeletedTicket: false }],
      }),
      readTixngoStatus: async () => ({ found: true, tixngoStatus: ++polls < 3 ? 'DELETION_PENDING' : 'DELETED', version: polls }),
    });
    const id = uniqueTicketId();
    const final = await withWorker(activities, async (tq) => {
      const h = await startTicket(tq, { ticketId: id, options: fast });
      await h.signal(ticketEventSignal, { type: 'injected' });
      await waitForState(h, (s) => s.step === 'INJECTED', 'INJECTED');
      await h.signal(cancelSignal, { reason: 'REFUND' });
      return (await h.result()) as TicketState;
    });
    assert.equal(final.step, 'DELETED');
    assert.equal(final.tixngoStatus, 'DELETED');
    assert.equal(final.s360Status, 'CANCELLED');
    assert.equal(final.deletionPolls, 3, 'two DELETION_PENDING answers, then DELETED');
    assert.deepEqual(calls.applyS360Cancel, [{ ticketIds: [id], reason: 'REFUND', status: 'CANCELLED' }]);
    assert.equal(calls.pushCancelledBatch?.length, 1);
  });

  test('deletion never confirmed: needs attention + error recorded, then retry re-sends and completes', async () => {
    let confirm = false;
    const { activities, calls } = stubActivities({
      pushCancelledBatch: async (i) => ({
        selected: 1,
        rejected: [],
        skipped: 0,
        done: true,
        tixngoCalls: 1,
        pushed: [{ ticketId: i.itemIds![0]!, eventCode: 'E1', s360Status: 'INVALIDATED', tixngoStatus: 'DELETION_PENDING', showDeletedTicket: true }],
      }),
      readTixngoStatus: async () => ({ found: true, tixngoStatus: confirm ? 'DELETED' : 'DELETION_PENDING' }),
    });
    await withWorker(activities, async (tq) => {
      const id = uniqueTicketId();
      const h = await startTicket(tq, { ticketId: id, options: { ...fast, deletionConfirmTimeoutMs: 600 } });
      await h.signal(ticketEventSignal, { type: 'injected' });
      await h.signal(ticketEventSignal, { type: 'cancelPushed', tixngoStatus: 'DELETION_PENDING', reason: 'REPRINT', s360Status: 'INVALIDATED' });
      const stuck = await waitForState(h, (s) => s.needsAttention, 'needs attention');
      assert.equal(stuck.step, 'DELETION_PENDING');
      assert.equal(stuck.lastError?.type, ERR_DELETION_NOT_CONFIRMED);
      assert.match(stuck.lastError?.message ?? '', new RegExp(`ticket ${id}`));
      // The state turns to needs attention just before the error is recorded in S-360: wait for the record.
      const deadline = Date.now() + 10_000;
      while (!calls.recordItemError?.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const recorded = calls.recordItemError as { fn: string; itemId: string; type: string }[];
      assert.equal(recorded.length, 1);
      assert.deepEqual([recorded[0]!.fn, recorded[0]!.itemId, recorded[0]!.type], ['PUSH_CANCELLED', id, ERR_DELETION_NOT_CONFIRMED]);
      const desc = await h.describe();
      assert.equal(desc.typedSearchAttributes.get(NeedsAttentionKey), true);
      assert.equal(desc.typedSearchAttributes.get(LifecycleStepKey), 'DELETION_PENDING');

      // It waits: no polling while it needs attention.
      const pollsBefore = calls.readTixngoStatus?.length ?? 0;
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(calls.readTixngoStatus?.length ?? 0, pollsBefore, 'no polling while waiting for a person');

      confirm = true;
      const res = await h.executeUpdate(requestRetryUpdate);
      assert.equal(res.retried, true);
      assert.equal(res.step, 'DELETION_PENDING');
      const final = (await h.result()) as TicketState;
      assert.equal(final.step, 'DELETED');
      assert.equal(final.retries, 1);
      assert.equal(calls.pushCancelledBatch?.length, 1, 'the retry re-sent the deletion');
    });
  });

  test('retry with nothing to retry says so', async () => {
    const { activities } = stubActivities();
    await withWorker(activities, async (tq) => {
      const h = await startTicket(tq, { ticketId: uniqueTicketId() });
      await h.signal(ticketEventSignal, { type: 'injected' });
      await waitForState(h, (s) => s.step === 'INJECTED', 'INJECTED');
      // Refused by the update's validator: the caller gets the reason, the history gets nothing.
      await assert.rejects(h.executeUpdate(requestRetryUpdate), (err) => err instanceof WorkflowUpdateFailedError && /nothing to retry/.test(err.cause?.message ?? ''));
      const history = await h.fetchHistory();
      assert.ok(!history.events?.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes), 'no update event in history');
      await h.terminate('test done');
    });
  });

  test('rejected at injection: needs attention naming the field, retry after the fix injects it', async () => {
    let fixed = false;
    const { activities, calls } = stubActivities({
      injectTicketBatch: async (i) =>
        fixed
          ? { selected: 1, rejected: [], skipped: 0, done: true, tixngoCalls: 1, accepted: [{ ticketId: i.itemIds![0]!, eventCode: 'E1' }] }
          : { selected: 1, rejected: [{ itemId: i.itemIds![0]!, eventCode: 'E1', type: ERR_TIXNGO_REJECTED, message: 'still bad', field: 'spectatorDetails.email' }], skipped: 0, done: true, tixngoCalls: 1, accepted: [] },
    });
    await withWorker(activities, async (tq) => {
      const id = uniqueTicketId();
      const h = await startTicket(tq, { ticketId: id });
      await h.signal(ticketEventSignal, { type: 'injectionRejected', errorType: ERR_TIXNGO_REJECTED, message: `ticket ${id}: spectatorDetails.email is required`, field: 'spectatorDetails.email' });
      const s1 = await waitForState(h, (s) => s.needsAttention, 'needs attention');
      assert.equal(s1.step, 'AWAITING_INJECTION');
      assert.equal(s1.lastError?.field, 'spectatorDetails.email');

      // A retry that fails again stays in needs attention.
      assert.equal((await h.executeUpdate(requestRetryUpdate)).retried, true);
      await waitForState(h, (s) => s.needsAttention && s.retries === 1, 'attention again after a failed retry');

      fixed = true;
      await h.executeUpdate(requestRetryUpdate);
      const s2 = await waitForState(h, (s) => s.step === 'INJECTED', 'INJECTED');
      assert.equal(s2.needsAttention, false);
      assert.equal(s2.s360Status, 'PRINTED');
      assert.equal(calls.injectTicketBatch?.length, 2);
      assert.deepEqual((calls.injectTicketBatch?.[1] as { itemIds: string[] }).itemIds, [id]);
      await h.terminate('test done');
    });
  });

  test('long-lived: continues as new before history grows, keeping its state and pending events', async () => {
    const { activities } = stubActivities();
    await withWorker(activities, async (tq) => {
      const id = uniqueTicketId();
      const h = await startTicket(tq, { ticketId: id, options: { maxHistoryEvents: 20 } });
      const firstRun = (await h.describe()).runId;
      await h.signal(ticketEventSignal, { type: 'injected' });
      // However the server batches these signals into workflow tasks, 60 signals make more than 20 events.
      for (let v = 1; v <= 60; v++) await h.signal(ticketEventSignal, { type: 'feedback', tixngoStatus: v % 2 ? 'DOWNLOADED' : 'ASSIGNED', version: v });
      await h.signal(ticketEventSignal, { type: 'feedback', tixngoStatus: 'INJECTED', version: 3 }); // older: ignored
      const s = await waitForState(h, (st) => st.tixngoVersion === 60, 'version 60');
      assert.equal(s.tixngoStatus, 'ASSIGNED');
      assert.equal(s.step, 'INJECTED');
      const desc = await env().client.workflow.getHandle(ticketWorkflowId(id)).describe();
      assert.notEqual(desc.runId, firstRun, 'a new run after continue-as-new');
      const history = await env().client.workflow.getHandle(ticketWorkflowId(id), firstRun).fetchHistory();
      assert.equal(history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes ? 'continued' : 'other', 'continued');
      await h.terminate('test done');
    });
  });
});
