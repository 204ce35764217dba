// One run of a function per interface at a time, also across workflow ids: a scheduled run's id carries its time
// (`feedback-<interface>-<time>`), so a manual `feedback-<interface>` could otherwise overlap it. The execution
// record in S-360 is the lock; an open record whose workflow no longer runs does not block anybody.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ERR_ALREADY_RUNNING } from '../../common/errors';
import { createStack, type Stack } from '../helpers/stack';

let s: Stack;

before(async () => {
  s = await createStack();
});
after(async () => {
  await s?.close();
});

function failureText(err: unknown): { type?: string; message: string } {
  assert.ok(err instanceof WorkflowFailedError, `expected a failed run, got ${String(err)}`);
  let c: unknown = err.cause;
  while (c && typeof c === 'object' && 'cause' in c && (c as { cause?: unknown }).cause) c = (c as { cause: unknown }).cause;
  const e = c as { type?: string; message: string };
  return { type: e.type, message: e.message };
}

test('a feedback run refuses to start while another feedback of the interface runs under another workflow id; once that one is gone, runs go on', async () => {
  const row = (await s.repo.getInterfaceByName(s.interfaceName))!;
  // "A scheduled feedback run": any running workflow under a scheduled-looking id, with its open execution record.
  const busyId = `feedback-${s.interfaceName}-2026-11-27T10:00:00Z`;
  const busy = await s.client.workflow.start('ticketLifecycle', { taskQueue: s.taskQueue, workflowId: busyId, args: [{ ticketId: '1', eventCode: 'X', interfaceName: s.interfaceName }] });
  await s.repo.startExecution({ interfaceId: row.id, fn: 'FEEDBACK', workflowId: busyId, runId: busy.firstExecutionRunId });

  const err = await s.run('feedback').then(
    () => undefined,
    (e: unknown) => e,
  );
  const f = failureText(err);
  assert.equal(f.type, ERR_ALREADY_RUNNING);
  assert.match(f.message, new RegExp(`FEEDBACK is already running on interface '${s.interfaceName}' \\(workflow ${busyId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  // Nothing recorded for the refused run: the only open FEEDBACK execution is the busy one.
  const open = (await s.repo.listExecutions({ interfaceId: row.id, fn: 'FEEDBACK' })).filter((e) => e.endedAt === null);
  assert.deepEqual(
    open.map((e) => e.workflowId),
    [busyId],
  );

  // Other functions of the same interface are not blocked.
  assert.equal((await s.run('push-controlled')).outcome, 'OK');

  // The busy run ends without closing its record (terminated): the next run closes it as abandoned and proceeds.
  await busy.terminate('test');
  const ok = await s.run('feedback');
  assert.equal(ok.outcome, 'OK');
  const all = await s.repo.listExecutions({ interfaceId: row.id, fn: 'FEEDBACK' });
  const stale = all.find((e) => e.workflowId === busyId)!;
  assert.equal(stale.outcome, 'ERROR');
  assert.match(stale.error ?? '', /abandoned: workflow .* is no longer running/);
  assert.ok(all.every((e) => e.endedAt !== null), 'no open execution left');
});
