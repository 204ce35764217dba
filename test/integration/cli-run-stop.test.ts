// `run stop` and the diagnosis of a run in the way (issue #10) on the real stack.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { functionWorkflowId } from '../../common/ids';
import { seed } from '../../db/seed';
import { runCli, stackCliEnv, type CliResult } from '../helpers/cli';
import { createStack, eventually, type Stack } from '../helpers/stack';

let s: Stack;

const cli = (...args: string[]): Promise<CliResult> => runCli(args, stackCliEnv(s));

before(async () => {
  s = await createStack();
});
after(async () => {
  await s?.simAdmin('DELETE', '/__sim/faults').catch(() => undefined);
  await s?.close();
});

test('a run stuck on a failing workflow task: run says why and names run stop; cancel is not enough, --force terminates it', async () => {
  const workflowId = functionWorkflowId('FEEDBACK', s.interfaceName);
  // A workflow type the worker does not know: every workflow task fails, as with a bug or a non-determinism.
  await s.client.workflow.start('noSuchFunctionWorkflow', { taskQueue: s.taskQueue, workflowId, args: [] });
  const blocked = await eventually(
    'the run in the way is diagnosed',
    () => cli('run', 'feedback', '--interface', s.interfaceName),
    (r) => /workflow task failed/.test(r.stderr),
    60_000,
  );
  assert.equal(blocked.code, 1);
  assert.match(blocked.stderr, /already running .*It looks stuck: its last workflow task failed \(attempt \d+\)/);
  assert.match(blocked.stderr, new RegExp(`To stop it: s360-tixngo run stop feedback --interface ${s.interfaceName}`));

  const cancel = await cli('run', 'stop', 'feedback', '--interface', s.interfaceName, '--wait-seconds', '2');
  assert.equal(cancel.code, 1, cancel.stderr);
  assert.match(cancel.stdout, /cancellation requested, still running .*--force/);
  const force = await cli('run', 'stop', 'feedback', '--interface', s.interfaceName, '--force', '--reason', 'stuck', '--json');
  assert.equal(force.code, 0, force.stderr);
  assert.deepEqual(force.json<{ stopped: { workflowId: string; result: string }[] }>().stopped.map((x) => [x.workflowId, x.result]), [[workflowId, 'terminated']]);
  assert.equal((await s.client.workflow.getHandle(workflowId).describe()).status.name, 'TERMINATED');
  assert.match((await cli('run', 'stop', 'feedback', '--interface', s.interfaceName)).stdout, /no feedback run is running/);
});

test('a run retrying against a TIXNGO outage: run names the pending activity; run stop cancels it and frees the S-360 lock', async () => {
  await seed(s.db.knex, { eventCode: 'OPC', tickets: 2, interfaceName: s.interfaceName });
  await s.simAdmin('POST', '/__sim/faults', { outageSeconds: 600 });
  const started = await cli('run', 'inject', '--interface', s.interfaceName, '--json');
  assert.equal(started.code, 0, started.stderr);
  const blocked = await eventually(
    'the pending activity is named',
    () => cli('run', 'inject', '--interface', s.interfaceName),
    (r) => /pending, attempt [2-9]/.test(r.stderr),
    60_000,
  );
  assert.match(blocked.stderr, /It looks stuck: activity \w+ pending, attempt \d+, last failure: /);

  const stop = await cli('run', 'stop', 'inject', '--interface', s.interfaceName, '--reason', 'outage', '--json');
  assert.equal(stop.code, 0, stop.stderr);
  const { workflowId } = started.json<{ workflowId: string }>();
  assert.deepEqual(stop.json<{ stopped: { workflowId: string; result: string }[] }>().stopped.map((x) => [x.workflowId, x.result]), [[workflowId, 'cancelled']]);
  const iface = (await s.repo.getInterfaceByName(s.interfaceName))!;
  const [last] = await s.repo.listExecutions({ interfaceId: iface.id, fn: 'INJECTION', limit: 1 });
  assert.equal(last?.workflowId, workflowId);
  assert.equal(last?.outcome, 'ERROR');
  assert.match(last?.error ?? '', /cancelled by an operator: outage/);

  await s.simAdmin('DELETE', '/__sim/faults');
  const next = await cli('run', 'inject', '--interface', s.interfaceName, '--wait');
  assert.equal(next.code, 0, next.stderr + next.stdout);
});
