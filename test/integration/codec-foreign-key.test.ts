// A client with another payload key (another S360_CODEC_KEY, or another DATA_DIR with a generated key), on the real
// stack: the function run it starts ends at once, visibly, with a non-retryable UndecryptableInput failure naming
// the foreign key id (no payload content), instead of a workflow task failing forever and every later start being
// refused as "already running"; the next run with the workers' key works. A signal it sends to a ticket workflow is
// dropped (the workflow goes on; its workflow tasks never fail), and the same signal from the right key applies.
// The foreign client itself gets a one-line error naming the workers' key id when it reads the result.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { getDataConverter, getPayloadCodec } from '../../codec/data-converter';
import { ERR_UNDECRYPTABLE_INPUT } from '../../common/errors';
import { ticketWorkflowId } from '../../common/ids';
import { seed } from '../../db/seed';
import { startFunction } from '../../temporal/functions';
import { getStateQuery, ticketEventSignal } from '../../workflows/messages';
import { createStack, eventually, type Stack } from '../helpers/stack';

let s: Stack;
let foreign: Client;
let foreignKeyId: string;
let ids: string[];

before(async () => {
  s = await createStack();
  const res = await seed(s.db.knex, { eventCode: `FK${crypto.randomBytes(2).toString('hex')}`, tickets: 3, interfaceName: s.interfaceName });
  ids = Array.from({ length: 3 }, (_, i) => String(BigInt(res.firstTicketId!) + BigInt(i)));
  // "Another terminal": a client whose codec key was generated under another DATA_DIR.
  const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 's360-foreign-'));
  const config = { dataDir: otherDir };
  foreignKeyId = getPayloadCodec(config).keyId;
  assert.notEqual(foreignKeyId, getPayloadCodec().keyId, 'another key than the workers');
  foreign = new Client({ connection: s.env.connection, namespace: 'default', dataConverter: getDataConverter(config) });
});
after(async () => {
  await s?.close();
});

async function eventTypes(workflowId: string, runId?: string): Promise<string[]> {
  const types: string[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await s.env.connection.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId, runId }, nextPageToken });
    for (const e of page.history?.events ?? []) types.push(temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return types;
}

test('a run started with another codec key fails at once naming the key id; the next run with the right key works', { timeout: 180_000 }, async () => {
  const started = await startFunction(foreign, s.taskQueue, 'inject', { interfaceName: s.interfaceName });
  // Read with the workers' key: the run ends (it used to retry its first workflow task forever).
  const handle = s.client.workflow.getHandle(started.workflowId, started.runId);
  const err = await handle.result().then(
    () => assert.fail('the run must fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, String(err));
  const cause = err.cause;
  assert.ok(cause instanceof ApplicationFailure, String(cause));
  assert.equal(cause.type, ERR_UNDECRYPTABLE_INPUT);
  assert.equal(cause.nonRetryable, true);
  assert.match(cause.message, new RegExp(`codec key id '${foreignKeyId}'`));
  assert.match(cause.message, /S360_CODEC_KEY/);
  assert.ok(!cause.message.includes(s.interfaceName), 'no payload content in the message');
  const types = await eventTypes(started.workflowId, started.runId);
  assert.ok(!types.includes('EVENT_TYPE_WORKFLOW_TASK_FAILED'), `no failed workflow task: ${types.join(', ')}`);
  assert.ok(!types.includes('EVENT_TYPE_ACTIVITY_TASK_SCHEDULED'), 'failed before any activity (no execution lock taken)');
  assert.equal(types.at(-1), 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED');

  // The foreign client cannot read the (encrypted) failure either: one clear error naming the workers' key id.
  await assert.rejects(foreign.workflow.getHandle(started.workflowId, started.runId).result(), (e: Error) => {
    assert.match(e.message, new RegExp(`codec key id '${getPayloadCodec().keyId}', which this process does not hold`));
    return true;
  });

  // Not wedged: the next run, with the workers' key, starts and injects everything.
  const summary = await s.run('inject');
  assert.equal(summary.outcome, 'OK');
  assert.equal(summary.succeeded, 3);
});

test('a signal with another codec key is dropped; the ticket workflow goes on and the same signal with the right key applies', { timeout: 120_000 }, async () => {
  const wid = ticketWorkflowId(ids[0]!);
  const own = s.client.workflow.getHandle(wid);
  await eventually('the ticket workflow INJECTED', () => own.query(getStateQuery).catch(() => undefined), (st) => st?.step === 'INJECTED');
  // Had the foreign signal been applied, its higher version would make the later one stale.
  await foreign.workflow.getHandle(wid).signal(ticketEventSignal, { type: 'feedback', tixngoStatus: 'ASSIGNED', version: 1_000_000 });
  await own.signal(ticketEventSignal, { type: 'feedback', tixngoStatus: 'DOWNLOADED', version: 999_999 });
  const st = await eventually('the right-key signal applied', () => own.query(getStateQuery), (x) => x.tixngoStatus === 'DOWNLOADED');
  assert.equal(st.tixngoVersion, 999_999, 'the foreign signal was dropped');
  assert.equal(st.step, 'INJECTED');
  const types = await eventTypes(wid);
  assert.equal(types.filter((t) => t === 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED').length >= 2, true);
  assert.ok(!types.includes('EVENT_TYPE_WORKFLOW_TASK_FAILED'), 'no failed workflow task');
});
