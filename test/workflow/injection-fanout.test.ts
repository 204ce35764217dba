// The deferred injection fan-out (patch 'deferred-injection-fanout'), on a real Temporal dev server with stub
// activities: the batches notify only rejected tickets; once the batches are done, ONE child workflow
// (injectionFanout, parent-close ABANDON) pages the execution's injected tickets until done; a run that fails after
// injecting some tickets still starts it; a run that injected nothing does not.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { Activities, BatchInput, InjectBatchResult, NotifyInjectedInput, NotifyTicketsInput } from '../../activities/types';
import { ERR_TIXNGO_REJECTED, ERR_TIXNGO_UNAUTHORIZED } from '../../common/errors';
import { injectionFanoutWorkflowId } from '../../common/ids';
import { createWorkers } from '../../workers/worker';
import type { InjectionFanoutResult } from '../../common/functions';
import type { FunctionRunSummary } from '../../common/functions';
import { useTestEnv } from '../helpers/temporal';
import { nonRetryable, stubActivities } from '../helpers/workflow-stubs';

const env = useTestEnv();

const accepted = (...ids: string[]) => ids.map((ticketId) => ({ ticketId, eventCode: 'E1' }));
const rejected = (id: string) => ({ itemId: id, eventCode: 'E1', type: ERR_TIXNGO_REJECTED, message: `ticket ${id}: spectatorDetails.email: required`, field: 'spectatorDetails.email' });

/** Runs injectTickets with the given batches (one per call) and waits for the run and, if any, its fan-out child. */
async function run(batches: (InjectBatchResult | Error)[], pageSize = 2) {
  const executionId = `exec-${randomUUID()}`;
  let call = 0;
  const injected = batches.flatMap((b) => (b instanceof Error ? [] : b.accepted.map((a) => a.ticketId)));
  const { activities, calls } = stubActivities({
    startExecution: async () => executionId,
    injectTicketBatch: async () => {
      const b = batches[call++]!;
      if (b instanceof Error) throw b;
      return b;
    },
    // S-360's view of the execution's injected tickets, paged by id like the real activity.
    notifyInjectedTickets: async (i: NotifyInjectedInput) => {
      const rest = injected.filter((id) => i.afterId === undefined || BigInt(id) > BigInt(i.afterId));
      const page = rest.slice(0, pageSize);
      return { notified: page.length, closed: 0, lastId: page.at(-1) ?? i.afterId, done: rest.length <= pageSize };
    },
  } satisfies Partial<Activities>);
  const taskQueue = `test-${randomUUID()}`;
  const workers = await createWorkers({ connection: env().nativeConnection, namespace: 'default', taskQueue, activities });
  const running = workers.run();
  try {
    const handle = await env().client.workflow.start('injectTickets', { taskQueue, workflowId: `fanout-${randomUUID()}`, args: [{ interfaceName: 'demo', batchSize: 3 }] });
    let summary: FunctionRunSummary | undefined;
    let error: unknown;
    try {
      summary = (await handle.result()) as FunctionRunSummary;
    } catch (err) {
      error = err;
    }
    const childId = injectionFanoutWorkflowId('demo', executionId);
    let child: InjectionFanoutResult | undefined;
    const described = await env().client.workflow.getHandle(childId).describe().catch(() => undefined);
    if (described) child = (await env().client.workflow.getHandle(childId).result()) as InjectionFanoutResult;
    return { summary, error, child, childId, calls, executionId };
  } finally {
    workers.shutdown();
    await running;
  }
}

test('batches notify only rejected tickets; one child then starts the injected tickets, page by page', async () => {
  const r = await run([
    { selected: 3, rejected: [rejected('3')], skipped: 0, done: false, lastId: '3', tixngoCalls: 1, accepted: accepted('1', '2') },
    { selected: 3, rejected: [], skipped: 0, done: true, lastId: '6', tixngoCalls: 1, accepted: accepted('4', '5', '6') },
  ]);
  assert.equal(r.summary?.outcome, 'ERROR');
  assert.equal(r.summary?.succeeded, 5);
  assert.equal(r.summary?.lifecycleFanoutWorkflowId, r.childId);
  // Per batch: only the rejected ticket (its workflow shows NEEDS ATTENTION at once).
  const perBatch = (r.calls.notifyTicketWorkflows ?? []) as NotifyTicketsInput[];
  assert.deepEqual(
    perBatch.flatMap((n) => n.items.map((i) => `${i.ticketId}:${i.event.type}`)),
    ['3:injectionRejected'],
  );
  // After the batches: the child pages the execution's tickets (2 per call here) until done.
  assert.deepEqual(r.child, { executionId: r.executionId, notified: 5, closed: 0 });
  const pages = (r.calls.notifyInjectedTickets ?? []) as NotifyInjectedInput[];
  assert.deepEqual(
    pages.map((p) => p.afterId),
    [undefined, '2', '5'],
  );
  assert.ok(pages.every((p) => p.executionId === r.executionId && p.interfaceName === 'demo'));
  // The batches report accepted tickets by count: no ticket ids in the run's history.
  assert.ok(((r.calls.injectTicketBatch ?? []) as BatchInput[]).every((b) => b.countAcceptedOnly === true));
});

test('a run that fails after injecting some tickets still starts their ticket workflows', async () => {
  const r = await run([
    { selected: 3, rejected: [], skipped: 0, done: false, lastId: '3', tixngoCalls: 1, accepted: accepted('1', '2', '3') },
    nonRetryable(ERR_TIXNGO_UNAUTHORIZED, 'injection: login or API key refused'),
  ]);
  assert.ok(r.error, 'the run fails');
  assert.deepEqual(r.child, { executionId: r.executionId, notified: 3, closed: 0 });
});

test('a run that injected nothing starts no child', async () => {
  const r = await run([{ selected: 1, rejected: [rejected('9')], skipped: 0, done: true, lastId: '9', tixngoCalls: 1, accepted: [] }]);
  assert.equal(r.summary?.succeeded, 0);
  assert.equal(r.summary?.lifecycleFanoutWorkflowId, undefined);
  assert.equal(r.child, undefined);
  assert.equal((r.calls.notifyInjectedTickets ?? []).length, 0);
});
