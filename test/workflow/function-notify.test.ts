// The error e-mail step of the function workflows, on a real Temporal dev server with stub activities: when it is
// called, with which idempotency key, that a failing notification never fails the run, and that continue-as-new
// (not a failure) sends nothing until the chain ends.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities, InjectBatchResult, NotifyRunOutcomeInput } from '../../activities/types';
import { ERR_TIXNGO_REJECTED, ERR_TIXNGO_UNAUTHORIZED } from '../../common/errors';
import { createWorkers } from '../../workers/worker';
import type { FunctionRunInput, FunctionRunSummary } from '../../common/functions';
import { useTestEnv } from '../helpers/temporal';
import { nonRetryable, stubActivities } from '../helpers/workflow-stubs';

const env = useTestEnv();

async function runInjection(overrides: Partial<Activities>, input: Partial<FunctionRunInput> = {}) {
  const { activities, calls } = stubActivities(overrides);
  const taskQueue = `test-${randomUUID()}`;
  const workers = await createWorkers({ connection: env().nativeConnection, namespace: 'default', taskQueue, activities });
  const running = workers.run();
  try {
    const handle = await env().client.workflow.start('injectTickets', { taskQueue, workflowId: `notify-${randomUUID()}`, args: [{ interfaceName: 'demo', ...input }] });
    let result: FunctionRunSummary | undefined;
    let error: unknown;
    try {
      result = (await handle.result()) as FunctionRunSummary;
    } catch (err) {
      error = err;
    }
    return { handle, result, error, calls, notified: (calls.notifyRunOutcome ?? []) as NotifyRunOutcomeInput[] };
  } finally {
    workers.shutdown();
    await running;
  }
}

const batch = (over: Partial<InjectBatchResult> = {}): InjectBatchResult => ({ selected: 1, rejected: [], skipped: 0, done: true, tixngoCalls: 1, accepted: [{ ticketId: '1', eventCode: 'E1' }], ...over });
const rejected = (id: string) => ({ itemId: id, eventCode: 'E1', type: ERR_TIXNGO_REJECTED, message: `ticket ${id}: spectatorDetails.email: required`, field: 'spectatorDetails.email' });

test('OK: no notification', async () => {
  const r = await runInjection({ injectTicketBatch: async () => batch() });
  assert.equal(r.result?.outcome, 'OK');
  assert.equal(r.notified.length, 0);
});

test('ERROR: one notification, after the execution is finished, keyed by workflow id and first run id', async () => {
  const r = await runInjection({ injectTicketBatch: async () => batch({ selected: 2, rejected: [rejected('7')] }) }, { eventCode: 'E1' });
  assert.equal(r.result?.outcome, 'ERROR');
  assert.equal(r.notified.length, 1);
  const desc = await r.handle.describe();
  assert.deepEqual(r.notified[0], {
    workflowId: r.handle.workflowId,
    runId: desc.runId,
    interfaceName: 'demo',
    fn: 'INJECTION',
    executionId: 'exec-1',
    outcome: 'ERROR',
    counts: { processed: 2, succeeded: 1, failed: 1, skipped: 0, batches: 1, tixngoCalls: 1 },
    eventCode: 'E1',
  });
  assert.equal((r.calls.finishExecution ?? []).length, 1);
});

test('open errors of ticket workflows: finishExecution is asked to count them and its outcome (ERROR) is the run\'s, notified', async () => {
  const r = await runInjection(
    { injectTicketBatch: async () => batch(), finishExecution: async (i) => ({ outcome: i.openErrors ? 'ERROR' : i.outcome, openWorkflowErrors: 1 }) },
    { eventCode: 'E1', params: { skipTickets: ['id:9'] } },
  );
  assert.deepEqual((r.calls.finishExecution ?? []).map((c) => (c as { openErrors?: unknown }).openErrors), [{ interfaceName: 'demo', fn: 'INJECTION', eventCode: 'E1', skipTickets: ['id:9'] }]);
  assert.equal(r.result?.outcome, 'ERROR');
  assert.deepEqual(r.notified.map((n) => n.outcome), ['ERROR']);
});

test('WARNING: notified too', async () => {
  const r = await runInjection({ injectTicketBatch: async () => batch({ selected: 2, skipped: 1 }) });
  assert.equal(r.result?.outcome, 'WARNING');
  assert.deepEqual(r.notified.map((n) => n.outcome), ['WARNING']);
});

test('a failed run: notified with FAILED and the reason, then the run still fails with its own error', async () => {
  const r = await runInjection({ injectTicketBatch: async () => Promise.reject(nonRetryable(ERR_TIXNGO_UNAUTHORIZED, 'login or API key refused')) });
  assert.ok(r.error instanceof WorkflowFailedError);
  assert.equal((r.error.cause as ApplicationFailure).type, ERR_TIXNGO_UNAUTHORIZED);
  assert.equal(r.notified.length, 1);
  assert.equal(r.notified[0]!.outcome, 'FAILED');
  assert.match(r.notified[0]!.error ?? '', /INJECTION on interface demo stopped after 0 succeeded: login or API key refused/);
});

test('a notification that keeps failing is tried 3 times, then the run ends with its own outcome', async () => {
  const r = await runInjection({
    injectTicketBatch: async () => batch({ rejected: [rejected('8')] }),
    notifyRunOutcome: async () => Promise.reject(ApplicationFailure.create({ type: 'NotificationFailed', message: 'SMTP 554' })),
  });
  assert.equal(r.error, undefined);
  assert.equal(r.result?.outcome, 'ERROR');
  assert.equal(r.notified.length, 3);
});

test('continue-as-new is not a failure: the chain goes on and notifies once, at its end, with the first run id', async () => {
  let n = 0;
  const r = await runInjection(
    { injectTicketBatch: async () => batch({ selected: 1, accepted: [], rejected: [rejected(String(++n))], done: n >= 6, lastId: String(n) }) },
    { options: { maxHistoryEvents: 12 } },
  );
  assert.equal(r.error, undefined, String(r.error));
  assert.equal(r.result?.outcome, 'ERROR');
  assert.equal(r.result?.failed, 6);
  assert.equal(r.notified.length, 1, 'one e-mail for the whole chain');
  const last = await env().client.workflow.getHandle(r.handle.workflowId).describe();
  assert.notEqual(last.runId, r.handle.firstExecutionRunId, 'the run continued as new');
  assert.equal(r.notified[0]!.runId, r.handle.firstExecutionRunId);
  assert.deepEqual((r.calls.startExecution ?? []).length, 1, 'one S-360 execution for the chain');
});

