// Records one history per workflow type (and per important path) into test/replay/histories/, for the replay
// test that guards running workflows against non-deterministic changes. Run it only when a change is MEANT to
// be incompatible (and then guard the old path with `patched`), or when adding a workflow type:
//
//   node --import tsx scripts/record-histories.ts [name ...]
//
// With names, only those histories are written (the others still run, unsaved): a history recorded before a
// `patched()` change is the proof that older workflows replay, so re-record it only on purpose.
//
// It uses a real dev server (found or built like the tests do) and stub activities, so the recorded histories
// depend only on workflow code.
//
// Not written here, kept on purpose: injectTickets-before-notify-patch.json, an ERROR run recorded before the error
// e-mail step (patch 'notify-run-outcome' in workflows/functions.ts); it proves that runs started before that change
// still replay. Likewise injectTickets-before-fanout-patch.json: a run recorded before the deferred injection
// fan-out (patch 'deferred-injection-fanout'), whose batches notified the ticket workflows themselves. And
// pushCancelled.json and feedbackSync.json were recorded before the bulk deletion confirmation (patches
// 'bulk-deletion-confirmation' and 'feedback-wakes-deletion-waiters'); re-record only the *-bulk / *-wakes-waiters ones.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { ticketWorkflowId, cardWorkflowId } from '../common/ids';
import { createWorkers, installRuntime } from '../workers/worker';
import type { FunctionRunSummary } from '../common/functions';
import type { TicketState } from '../common/lifecycle';
import { cardEventSignal, cancelSignal, getDeletionProgressQuery, getStateQuery, requestRetryUpdate, ticketEventSignal, wakeDeletionWaiterSignal } from '../workflows/messages';
import { createTestEnv } from '../test/helpers/temporal';
import { acceptedTickets, batch, nonRetryable, pushedCancelled, rejectedTicket, stubActivities } from '../test/helpers/workflow-stubs';
import { ERR_TIXNGO_REJECTED, ERR_TIXNGO_UNAUTHORIZED } from '../common/errors';

const outDir = path.resolve(__dirname, '../test/replay/histories');
const only = process.argv.slice(2);

async function main(): Promise<void> {
  installRuntime('ERROR');
  const env = await createTestEnv();
  const taskQueue = `record-${randomUUID()}`;
  let polls = 0;
  let injectOk = false;
  let waiterRounds = 0;
  const { activities } = stubActivities({
    injectTicketBatch: async (i) =>
      i.interfaceName === 'unauthorized'
        ? Promise.reject(nonRetryable(ERR_TIXNGO_UNAUTHORIZED, 'injection: login or API key refused'))
        : i.itemIds
        ? injectOk
          ? batch({ accepted: acceptedTickets(i.itemIds[0]!) })
          : batch({ accepted: [] }, { rejected: [rejectedTicket(i.itemIds[0]!, 'bad')] })
        : batch({ accepted: acceptedTickets('901') }, { selected: 2, rejected: [rejectedTicket('902')], done: i.afterId !== undefined, lastId: '902' }),
    pushCancelledBatch: async (i) => batch({ pushed: [pushedCancelled(i.itemIds?.[0] ?? '903')] }),
    pushControlledBatch: async () => batch({ pushed: [{ ticketId: '904', eventCode: 'E1', tixngoStatus: 'CONTROLLED' }] }),
    // Interface 'deletions': feedback sees a deletion, and wakes the deletion waiters.
    syncFeedbackPage: async (i) => ({
      changed: [{ ticketId: '905', eventCode: 'E1', tixngoStatus: i.interfaceName === 'deletions' ? 'DELETED' : 'DOWNLOADED', version: 2 }],
      unknown: 0,
      received: 1,
      hasMore: false,
      tixngoCalls: 1,
    }),
    // The deletion waiter: two tickets pending in its first round, none in the next one.
    pollDeletions: async () => ({ total: 2, pending: waiterRounds++ === 0 ? 2 : 0, confirmed: 0, signalled: waiterRounds > 1 ? 2 : 0, tixngoCalls: 1, done: true }),
    wakeDeletionWaiters: async () => ({ woken: 1 }),
    injectPrivilegeBatch: async () => batch({ accepted: [{ cardId: '801', productCode: 'SEASON-1' }] }),
    // The error e-mail: sent, except for the interface whose SMTP server is down (3 attempts, the run goes on).
    notifyRunOutcome: async (i) =>
      i.interfaceName === 'smtp-down' ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:2525')) : { sent: true, recipients: 1, messageId: '<rec@s360-tixngo>' },
    // The injection fan-out: two activity calls (a page limit reached, then done).
    notifyInjectedTickets: async (i) => (i.afterId === undefined ? { notified: 1, closed: 0, lastId: '901', done: false } : { notified: 0, closed: 0, lastId: i.afterId, done: true }),
    readTixngoStatus: async () => ({ found: true, tixngoStatus: ++polls >= 3 ? 'DELETED' : 'DELETION_PENDING', version: polls }),
  });
  // Histories are committed in plain JSON, without the payload codec: readable whatever the codec key (the replay test
  // decodes with the production converter, which passes unencrypted payloads through), and only ids in them anyway.
  const client = new Client({ connection: env.connection, namespace: 'default' });
  const workers = await createWorkers({ connection: env.nativeConnection, namespace: 'default', taskQueue, activities, dataConverter: {} });
  const running = workers.run();
  const saved: string[] = [];
  const save = async (name: string, handle: WorkflowHandle) => {
    if (only.length && !only.includes(name)) return;
    const history = await handle.fetchHistory();
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, `${name}.json`), historyToJSON(history));
    saved.push(name);
  };
  const wait = async (h: WorkflowHandle, pred: (s: TicketState) => boolean) => {
    for (let i = 0; i < 200; i++) {
      if (pred(await h.query(getStateQuery))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('state not reached');
  };
  try {
    const fnInput = { interfaceName: 'demo', batchSize: 2 };
    for (const [name, type] of [
      ['injectTickets', 'injectTickets'],
      ['pushCancelled', 'pushCancelled'],
      ['pushControlled', 'pushControlled'],
      ['feedbackSync', 'feedbackSync'],
      ['injectPrivileges', 'injectPrivileges'],
    ] as const) {
      const h = await client.workflow.start(type, { taskQueue, workflowId: `record-${name}-${randomUUID()}`, args: [fnInput] });
      const summary = (await h.result()) as FunctionRunSummary;
      await save(name, h);
      if (summary.lifecycleFanoutWorkflowId) {
        const child = client.workflow.getHandle(summary.lifecycleFanoutWorkflowId);
        await child.result();
        await save('injectionFanout', child);
      }
      // The push's deletion waiter (default timings) would still run: its id is reused by pushCancelled-bulk below.
      if (summary.deletionWaiterWorkflowId) await client.workflow.getHandle(summary.deletionWaiterWorkflowId).terminate('recorded elsewhere');
    }

    // Issue #13: a push whose deletions its waiter confirms in bulk (child deletionWaiter), feedback waking the waiters,
    // the waiter woken twice (a round each: two pending, then none), a ticket confirmed in bulk.
    const bulkPush = await client.workflow.start('pushCancelled', {
      taskQueue,
      workflowId: `record-pushCancelled-bulk-${randomUUID()}`,
      args: [{ ...fnInput, options: { lifecycle: { deletionPollInitialMs: 3_600_000, deletionPollMaxMs: 3_600_000 } } }],
    });
    const bulkSummary = (await bulkPush.result()) as FunctionRunSummary;
    await save('pushCancelled-bulk', bulkPush);
    if (bulkSummary.deletionWaiterWorkflowId) await client.workflow.getHandle(bulkSummary.deletionWaiterWorkflowId).terminate('recorded elsewhere');
    const wakes = await client.workflow.start('feedbackSync', { taskQueue, workflowId: `record-feedback-wakes-${randomUUID()}`, args: [{ interfaceName: 'deletions' }] });
    await wakes.result();
    await save('feedbackSync-wakes-waiters', wakes);
    const waiter = await client.workflow.start('deletionWaiter', {
      taskQueue,
      workflowId: `record-deletions-${randomUUID()}`,
      args: [{ interfaceName: 'demo', executionId: 'exec-1', lifecycleOptions: { deletionPollInitialMs: 3_600_000, deletionPollMaxMs: 3_600_000 } }],
    });
    await waiter.signal(wakeDeletionWaiterSignal);
    for (let i = 0; i < 200 && (await waiter.query(getDeletionProgressQuery)).rounds < 1; i++) await new Promise((r) => setTimeout(r, 50));
    await waiter.signal(wakeDeletionWaiterSignal);
    await waiter.result();
    await save('deletionWaiter', waiter);
    const tb = await client.workflow.start('ticketLifecycle', {
      taskQueue,
      workflowId: ticketWorkflowId(`rec-${randomUUID()}`),
      args: [{ ticketId: '908', eventCode: 'E1', interfaceName: 'demo', options: { deletionConfirmTimeoutMs: 3_600_000 } }],
    });
    await tb.signal(ticketEventSignal, { type: 'injected' });
    await tb.signal(ticketEventSignal, { type: 'cancelPushed', reason: 'REFUND', tixngoStatus: 'DELETION_PENDING', s360Status: 'CANCELLED', confirmedBy: 'deletions-demo-exec-1' });
    await wait(tb, (st) => st.step === 'DELETION_PENDING');
    await tb.signal(ticketEventSignal, { type: 'feedback', tixngoStatus: 'DELETED', version: 3 });
    await tb.result();
    await save('ticketLifecycle-bulk-deleted', tb);

    // Error e-mails: a failed run (notified, then fails) and an ERROR run whose e-mail cannot be sent (goes on).
    const failed = await client.workflow.start('injectTickets', { taskQueue, workflowId: `record-failed-${randomUUID()}`, args: [{ interfaceName: 'unauthorized' }] });
    await failed.result().catch(() => undefined);
    await save('injectTickets-failed-notified', failed);
    const smtpDown = await client.workflow.start('injectTickets', { taskQueue, workflowId: `record-smtp-down-${randomUUID()}`, args: [{ ...fnInput, interfaceName: 'smtp-down' }] });
    await smtpDown.result();
    await save('injectTickets-notify-failed', smtpDown);

    // Ticket: injected, cancelled by signal, deletion polled until DELETED.
    const t1 = await client.workflow.start('ticketLifecycle', {
      taskQueue,
      workflowId: ticketWorkflowId(`rec-${randomUUID()}`),
      args: [{ ticketId: '903', eventCode: 'E1', interfaceName: 'demo', options: { deletionPollInitialMs: 20, deletionPollMaxMs: 50 } }],
    });
    await t1.signal(ticketEventSignal, { type: 'injected' });
    await t1.signal(cancelSignal, { reason: 'REFUND' });
    await t1.result();
    await save('ticketLifecycle-cancel-deleted', t1);

    // Ticket: rejected at injection, needs attention, retried twice (fails, then succeeds), then controlled.
    const t2 = await client.workflow.start('ticketLifecycle', {
      taskQueue,
      workflowId: ticketWorkflowId(`rec-${randomUUID()}`),
      args: [{ ticketId: '902', eventCode: 'E1', interfaceName: 'demo' }],
    });
    await t2.signal(ticketEventSignal, { type: 'injectionRejected', errorType: ERR_TIXNGO_REJECTED, message: 'bad', field: 'spectatorDetails.email' });
    await wait(t2, (s) => s.needsAttention);
    await t2.executeUpdate(requestRetryUpdate);
    await wait(t2, (s) => s.needsAttention && s.retries === 1);
    injectOk = true;
    await t2.executeUpdate(requestRetryUpdate);
    await wait(t2, (s) => s.step === 'INJECTED');
    await t2.signal(ticketEventSignal, { type: 'feedback', tixngoStatus: 'DOWNLOADED', version: 2 });
    await t2.signal(ticketEventSignal, { type: 'controlPushed', tixngoStatus: 'CONTROLLED' });
    await wait(t2, (s) => s.step === 'CONTROLLED');
    await t2.terminate('recorded');
    await save('ticketLifecycle-attention-retry-controlled', t2);

    // Ticket: deleted in TIXNGO while S-360 still has it printed: needs attention; retry acknowledges, it ends DELETED.
    const t3 = await client.workflow.start('ticketLifecycle', {
      taskQueue,
      workflowId: ticketWorkflowId(`rec-${randomUUID()}`),
      args: [{ ticketId: '906', eventCode: 'E1', interfaceName: 'demo' }],
    });
    await t3.signal(ticketEventSignal, { type: 'injected' });
    await t3.signal(ticketEventSignal, { type: 'feedback', tixngoStatus: 'DELETED', version: 2 });
    await wait(t3, (s) => s.needsAttention);
    await t3.executeUpdate(requestRetryUpdate);
    await t3.result();
    await save('ticketLifecycle-unexpected-deletion-acknowledged', t3);

    // Ticket: rejected at injection, then cancelled: CANCELLED_BEFORE_INJECTION, TIXNGO never called.
    const t4 = await client.workflow.start('ticketLifecycle', {
      taskQueue,
      workflowId: ticketWorkflowId(`rec-${randomUUID()}`),
      args: [{ ticketId: '907', eventCode: 'E1', interfaceName: 'demo' }],
    });
    await t4.signal(ticketEventSignal, { type: 'injectionRejected', errorType: ERR_TIXNGO_REJECTED, message: 'bad', field: 'spectatorDetails.email' });
    await wait(t4, (s) => s.needsAttention);
    await t4.signal(cancelSignal, { reason: 'REFUND', showDeletedTicket: false });
    await t4.result();
    await save('ticketLifecycle-cancelled-before-injection', t4);

    // Card: injected.
    const c1 = await client.workflow.start('privilegeLifecycle', {
      taskQueue,
      workflowId: cardWorkflowId(`rec-${randomUUID()}`),
      args: [{ cardId: '801', productCode: 'SEASON-1', interfaceName: 'demo' }],
    });
    await c1.signal(cardEventSignal, { type: 'injected' });
    await c1.result();
    await save('privilegeLifecycle', c1);
  } finally {
    workers.shutdown();
    await running;
    await env.teardown();
  }
  console.log(`recorded ${saved.length} histories into ${path.relative(process.cwd(), outDir)}: ${saved.join(', ')}`);
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
