// Issue #13: ticket workflows started dormant by the injection (start delay; no workflow task until an event), on
// the real stack (Temporal dev server, worker with the real activities, TIXNGO simulator over HTTP, S-360 on
// PostgreSQL). A dormant ticket is found by TicketId in visibility, `ticket show` answers with its start state, a
// plain signal is recorded but waits, a signal-with-start (what every product sender uses) wakes it and both are
// processed, requestRetry wakes it and answers, a re-delivered `injected` leaves it dormant, and the woken workflow's
// history replays.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowUpdateFailedError, type WorkflowExecutionDescription } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { getDataConverter } from '../../codec/data-converter';
import { ERR_NOTHING_TO_RETRY } from '../../common/errors';
import { ticketWorkflowId } from '../../common/ids';
import type { TicketState } from '../../common/lifecycle';
import { seed } from '../../db/seed';
import { readTicketState } from '../../temporal/ticket-state';
import { tixngoClientFactory, workflowBundle } from '../../workers/worker';
import { cancelSignal, controlSignal, getStateQuery, requestRetryUpdate, ticketEventSignal } from '../../workflows/messages';
import { createStack, eventually, type Stack } from '../helpers/stack';

const DAY = 86_400_000;
const lifecycle = { deletionPollInitialMs: 100, deletionPollMaxMs: 400, deletionConfirmTimeoutMs: 30_000 };

let s: Stack;
let ids: string[] = [];
const handle = (id: string) => s.client.workflow.getHandle(ticketWorkflowId(id));

/** Event types of the workflow's history (WorkflowTaskStarted appears once a worker ran a task). */
async function eventTypes(id: string): Promise<string[]> {
  const h = await handle(id).fetchHistory();
  return (h.events ?? []).map((e) => String(e.eventType));
}
const ranATask = (types: string[]) => types.some((t) => t === 'EVENT_TYPE_WORKFLOW_TASK_STARTED' || t === '7');
const scheduledATask = (types: string[]) => types.some((t) => t === 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED' || t === '5');

async function waitState(id: string, pred: (st: TicketState) => boolean, what: string): Promise<TicketState> {
  return eventually(
    `ticket ${id}: ${what}`,
    () => handle(id).query(getStateQuery).catch(() => undefined),
    (st) => st !== undefined && pred(st),
    60_000,
  ) as Promise<TicketState>;
}

before(async () => {
  s = await createStack({ ticketStartDelayMs: 365 * DAY, sim: { deletionDelayMs: 200 } });
  const res = await seed(s.db.knex, { eventCode: 'DORM', tickets: 5, product: 'match', interfaceName: s.interfaceName });
  ids = Array.from({ length: 5 }, (_, i) => String(BigInt(res.firstTicketId!) + BigInt(i)));
  const summary = await s.run('inject', { options: { lifecycle } });
  assert.equal(summary.outcome, 'OK');
  if (summary.lifecycleFanoutWorkflowId) await s.client.workflow.getHandle(summary.lifecycleFanoutWorkflowId).result();
});

after(async () => {
  await s?.close();
});

describe('dormant ticket workflows', () => {
  test('every injected ticket has a running workflow, found by TicketId, that has run no workflow task', async () => {
    for (const id of ids) {
      const found = await eventually(
        `ticket ${id} found by TicketId`,
        async () => {
          const out: string[] = [];
          for await (const w of s.client.workflow.list({ query: `WorkflowType="ticketLifecycle" AND TicketId="${id}"` })) out.push(`${w.workflowId}:${w.status.name}`);
          return out;
        },
        (l) => l.length === 1,
        30_000,
      );
      assert.deepEqual(found, [`${ticketWorkflowId(id)}:RUNNING`]);
      const d = await handle(id).describe();
      assert.ok(d.executionTime && d.executionTime.getTime() - d.startTime.getTime() > 300 * DAY, `ticket ${id}: started with the start delay`);
      assert.equal(ranATask(await eventTypes(id)), false, `ticket ${id}: no workflow task ran`);
    }
  });

  test('ticket show (readTicketState) answers for a dormant ticket with its start state', async () => {
    const id = ids[0]!;
    const d: WorkflowExecutionDescription = await handle(id).describe();
    const r = await readTicketState(s.client, d.workflowId, d);
    assert.ok(r.dormant, 'reported as dormant');
    assert.equal(r.state.step, 'INJECTED');
    assert.equal(r.state.s360Status, 'PRINTED');
    assert.equal(r.state.tixngoStatus, 'INJECTED');
    assert.equal(r.state.needsAttention, false);
    assert.equal(r.dormant.waitingEvents, 0);
    // Still dormant: reading did not wake it.
    assert.equal(ranATask(await eventTypes(id)), false);
  });

  test('a plain signal is recorded but waits; a signal-with-start wakes the ticket and both are processed', async () => {
    const id = ids[1]!;
    await handle(id).signal(controlSignal, { at: '2026-11-30T10:00:00Z' });
    // The server schedules no workflow task for a signal before the start delay ends (synchronously, at the signal).
    const types = await eventTypes(id);
    assert.equal(scheduledATask(types), false, `no task scheduled by a plain signal: ${types.join(',')}`);
    const d = await handle(id).describe();
    const r = await readTicketState(s.client, d.workflowId, d);
    assert.equal(r.dormant?.waitingEvents, 1, 'ticket show says one signal waits');
    // What the fan-out sends (feedback, pushes): signal-with-start on the running workflow wakes it.
    await s.client.workflow.signalWithStart('ticketLifecycle', {
      taskQueue: s.taskQueue,
      workflowId: ticketWorkflowId(id),
      args: [{ ticketId: id, eventCode: 'DORM', interfaceName: s.interfaceName }],
      signal: ticketEventSignal,
      signalArgs: [{ type: 'feedback', tixngoStatus: 'INJECTED', version: 7 }],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    const st = await waitState(id, (x) => x.step === 'CONTROLLED', 'CONTROLLED (the waiting control signal processed)');
    assert.equal(st.tixngoVersion, 7, 'the feedback event processed too');
  });

  test('a cancel sent with signal-with-start wakes the ticket, which is deleted in TIXNGO and S-360', async () => {
    const id = ids[2]!;
    await s.client.workflow.signalWithStart('ticketLifecycle', {
      taskQueue: s.taskQueue,
      workflowId: ticketWorkflowId(id),
      args: [{ ticketId: id, eventCode: 'DORM', interfaceName: s.interfaceName }],
      signal: cancelSignal,
      signalArgs: [{ reason: 'REFUND' }],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    const final = (await eventually(
      `ticket ${id} workflow completed`,
      async () => (await handle(id).describe()).status.name,
      (x) => x === 'COMPLETED',
      60_000,
    )) as string;
    assert.equal(final, 'COMPLETED');
    const state = (await handle(id).result()) as TicketState;
    assert.equal(state.step, 'DELETED');
    const row = (await s.db.knex('ticket').where({ id }).first()) as { status: string };
    assert.equal(row.status, 'CANCELLED');
  });

  test('requestRetry on a dormant ticket wakes it and answers (nothing to retry); getState answers after', async () => {
    const id = ids[3]!;
    await assert.rejects(handle(id).executeUpdate(requestRetryUpdate), (err: unknown) => {
      assert.ok(err instanceof WorkflowUpdateFailedError, `update failed as a refusal: ${String(err)}`);
      assert.equal((err.cause as { type?: string } | undefined)?.type, ERR_NOTHING_TO_RETRY);
      return true;
    });
    const st = await waitState(id, (x) => x.step === 'INJECTED', 'answers getState');
    assert.equal(st.needsAttention, false);
  });

  test('an `injected` delivered again (a retried fan-out) leaves a dormant ticket dormant', async () => {
    const id = ids[4]!;
    const { fanout } = createActivities({
      repo: s.repo,
      secretKey: s.secretKey,
      client: s.client,
      taskQueue: s.taskQueue,
      tixngo: tixngoClientFactory({ auth: 'header', keyHeader: 'X-TIXNGO-KEY', timeoutMs: 5_000 }),
      ticketStartDelayMs: 365 * DAY,
    });
    const r = await new MockActivityEnvironment().run(fanout.notifyTicketWorkflows, { interfaceName: s.interfaceName, items: [{ ticketId: id, eventCode: 'DORM', event: { type: 'injected' as const } }] });
    assert.deepEqual(r, { notified: 1, closed: 0 });
    const types = await eventTypes(id);
    assert.equal(scheduledATask(types), false, `still no task: ${types.join(',')}`);
    assert.equal(types.length, 1, 'nothing recorded: no signal either');
  });

  test("a woken dormant ticket's history replays against the workflow code", async () => {
    for (const id of [ids[1]!, ids[2]!]) {
      const history = await handle(id).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), dataConverter: getDataConverter() }, history, ticketWorkflowId(id));
    }
  });
});
