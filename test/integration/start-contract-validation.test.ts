// The start contract is enforced by the workflows themselves, whoever starts them (issue #11): every workflow type,
// started through a raw Temporal client and through the official `temporal` CLI with a wrong input, fails at once
// with InvalidInput naming the field (no workflow-task retry loop, no activity, no execution lock), and the next
// valid run of the same function on the same interface is not refused as already running. A wrong signal argument
// is dropped: the ticket workflow keeps running, its state unchanged.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ERR_INVALID_INPUT } from '../../common/errors';
import type { FunctionRunSummary } from '../../common/functions';
import { ticketWorkflowId } from '../../common/ids';
import { seed } from '../../db/seed';
import { FUNCTIONS } from '../../temporal/functions';
import { ensureTemporalCli } from '../../tooling/temporal-cli';
import { getStateQuery } from '../../workflows/messages';
import { createStack, eventually, type Stack } from '../helpers/stack';

const EventType = temporal.api.enums.v1.EventType;
/** A wrong input must fail the run in seconds; a workflow-task retry loop or an activity retry takes far longer. */
const FAIL_WITHIN_MS = 20_000;

let s: Stack;

before(async () => {
  s = await createStack();
  // Something for the valid runs to do.
  await seed(s.db.knex, { eventCode: `SCV${randomUUID().slice(0, 6)}`, tickets: 2, cards: 1, interfaceName: s.interfaceName });
});
after(async () => {
  await s?.close();
});

/** Waits for the run to fail and checks how: InvalidInput naming the field, first workflow task, nothing else ran. */
async function assertInvalidInput(handle: WorkflowHandle, field: string, startedAt: number): Promise<void> {
  const err = await Promise.race([
    handle.result().then(
      (r) => assert.fail(`${handle.workflowId} completed: ${JSON.stringify(r)}`),
      (e: unknown) => e,
    ),
    new Promise((_, reject) => setTimeout(() => reject(new Error(`${handle.workflowId} did not fail within ${FAIL_WITHIN_MS} ms`)), FAIL_WITHIN_MS)),
  ]);
  assert.ok(Date.now() - startedAt < FAIL_WITHIN_MS, `${handle.workflowId} took ${Date.now() - startedAt} ms to fail`);
  assert.ok(err instanceof WorkflowFailedError, `${handle.workflowId}: ${String(err)}`);
  const cause = err.cause;
  assert.ok(cause instanceof ApplicationFailure, `${handle.workflowId}: cause ${String(cause)}`);
  assert.equal(cause.type, ERR_INVALID_INPUT, `${handle.workflowId}: ${cause.message}`);
  assert.equal(cause.nonRetryable, true);
  assert.match(cause.message, new RegExp(`(^|[ ;])${field.replace('.', '\\.')}: `), `${handle.workflowId}: the message names ${field}`);

  const history = await handle.fetchHistory();
  const types = (history.events ?? []).map((e) => e.eventType);
  assert.ok(types.includes(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED), `${handle.workflowId}: no WorkflowExecutionFailed`);
  assert.ok(!types.includes(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED), `${handle.workflowId}: a workflow task failed (retry loop)`);
  assert.ok(!types.includes(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED), `${handle.workflowId}: an activity ran before the input was checked`);
}

/** Starts a workflow with exactly these arguments (none, null, a string, ...), as any Temporal client could. */
async function startRaw(workflowType: string, args: unknown[]): Promise<{ handle: WorkflowHandle; startedAt: number }> {
  const startedAt = Date.now();
  const handle = await s.client.workflow.start(workflowType, { taskQueue: s.taskQueue, workflowId: `scv-${workflowType}-${randomUUID()}`, args });
  return { handle, startedAt };
}

const iface = () => s.interfaceName;

/** [label, arguments, the field the failure must name]. */
const functionCases: [string, () => unknown[], string][] = [
  ['no input', () => [], 'input'],
  ['null', () => [null], 'input'],
  ['a string', () => ['just a string'], 'input'],
  ['{}', () => [{}], 'interfaceName'],
  ['batchSize -1', () => [{ interfaceName: iface(), batchSize: -1 }], 'batchSize'],
  ['batchSize 100000000', () => [{ interfaceName: iface(), batchSize: 100_000_000 }], 'batchSize'],
  ['an unknown key', () => [{ interfaceName: iface(), unknownKey: 1 }], 'unknownKey'],
  ['a bad function parameter', () => [{ interfaceName: iface(), params: { tariffs: [] } }], 'params.tariffs'],
  ['progress of the wrong shape', () => [{ interfaceName: iface(), progress: { counts: 'x' } }], 'progress.counts'],
];

describe('every function refuses a wrong input at once and keeps no lock', () => {
  for (const [cli, { workflowType }] of Object.entries(FUNCTIONS)) {
    test(`${workflowType}`, async () => {
      await Promise.all(
        functionCases.map(async ([label, args, field]) => {
          const { handle, startedAt } = await startRaw(workflowType, args());
          await assertInvalidInput(handle, field, startedAt).catch((err: Error) => assert.fail(`${workflowType} with ${label}: ${err.message}`));
        }),
      );
      // The refused runs took no execution lock: a valid run of the same function on the same interface runs.
      const summary: FunctionRunSummary = await s.run(cli as Parameters<Stack['run']>[0], cli === 'feedback' ? { maxPages: 1 } : {});
      assert.equal(summary.interfaceName, s.interfaceName);
      assert.ok(['OK', 'WARNING', 'ERROR'].includes(summary.outcome), JSON.stringify(summary));
    });
  }
});

describe('the lifecycle workflows and the fan-out refuse a wrong input at once', () => {
  const cases: [string, string, () => unknown[], string][] = [
    ['ticketLifecycle', 'bogus object', () => [{ bogus: true }], 'ticketId'],
    ['ticketLifecycle', 'null', () => [null], 'input'],
    ['ticketLifecycle', 'a ticket id that is not an S-360 id', () => [{ ticketId: 'abc', eventCode: 'E1', interfaceName: iface() }], 'ticketId'],
    ['ticketLifecycle', 'a bad carried state', () => [{ ticketId: '1', eventCode: 'E1', interfaceName: iface(), state: { step: 'NOWHERE' } }], 'state.step'],
    ['privilegeLifecycle', 'an array', () => [[1, 2, 3]], 'input'],
    ['privilegeLifecycle', 'an unknown key', () => [{ cardId: '1', productCode: 'P', interfaceName: iface(), extra: 1 }], 'extra'],
    ['injectionFanout', '{}', () => [{}], 'interfaceName'],
    ['injectionFanout', 'an empty execution id', () => [{ interfaceName: iface(), executionId: '' }], 'executionId'],
  ];
  for (const [workflowType, label, args, field] of cases) {
    test(`${workflowType} with ${label}`, async () => {
      const { handle, startedAt } = await startRaw(workflowType, args());
      await assertInvalidInput(handle, field, startedAt);
    });
  }
});

test('the official temporal CLI: a wrong batch size fails the run at once; the next run is not refused as running', async () => {
  const cli = ensureTemporalCli();
  assert.ok(cli, 'the temporal CLI is needed (tooling/temporal-cli.ts)');
  const workflowId = `scv-cli-${randomUUID()}`;
  const startedAt = Date.now();
  await promisify(execFile)(cli.path, [
    'workflow', 'start',
    '--address', s.env.address,
    '--namespace', 'default',
    '--task-queue', s.taskQueue,
    '--type', 'injectTickets',
    '--workflow-id', workflowId,
    '--input', JSON.stringify({ interfaceName: s.interfaceName, batchSize: -1 }),
  ]);
  await assertInvalidInput(s.client.workflow.getHandle(workflowId), 'batchSize', startedAt);
  const summary = await s.run('inject');
  assert.notEqual(summary.outcome, undefined);
});

test('a wrong cancel signal is dropped: the ticket workflow keeps running, its state unchanged', async () => {
  // A ticket of its own (the valid injection runs above started workflows for the seeded ones).
  const ticketId = `${Date.now()}${randomInt(1_000_000)}`;
  const handle = await s.client.workflow.start('ticketLifecycle', {
    taskQueue: s.taskQueue,
    workflowId: ticketWorkflowId(ticketId),
    args: [{ ticketId, eventCode: 'E1', interfaceName: s.interfaceName }],
  });
  const before = await eventually('the ticket workflow to answer', () => handle.query(getStateQuery), (st) => st.step === 'AWAITING_INJECTION');

  for (const bad of [{ status: 'NOPE' }, 'just a string', null, { reason: 42 }, { showDeletedTicket: 'yes' }]) {
    await handle.signal('cancel', bad);
  }
  await handle.signal('control', { at: 'not a date' });
  // Every signal handled: the last workflow task completed after the last signal.
  await eventually(
    'the signals to be handled',
    async () => (await handle.fetchHistory()).events ?? [],
    (events) => {
      const types = events.map((e) => e.eventType);
      const signals = types.filter((t) => t === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).length;
      const lastSignal = types.lastIndexOf(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
      return signals === 6 && types.slice(lastSignal + 1).includes(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    },
  );
  const history = (await handle.fetchHistory()).events ?? [];
  assert.ok(!history.some((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED), 'a dropped signal ran no activity');
  assert.equal((await handle.describe()).status.name, 'RUNNING');
  assert.deepEqual(await handle.query(getStateQuery), before);
  await handle.terminate('test done');
});
