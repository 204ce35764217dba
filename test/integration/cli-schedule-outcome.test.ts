// `schedule list` shows how the last run ended; `schedule trigger --wait` (issue #10) on the real stack.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { functionScheduleId } from '../../common/ids';
import { seed } from '../../db/seed';
import { deleteFunctionSchedule } from '../../temporal/schedules';
import { runCli, stackCliEnv, type CliResult } from '../helpers/cli';
import { createStack, type Stack } from '../helpers/stack';

let s: Stack;
let e1: string[];
const schedules: string[] = [];

const cli = (...args: string[]): Promise<CliResult> => runCli(args, stackCliEnv(s));
const idsFrom = (first: string, n: number) => Array.from({ length: n }, (_, i) => String(BigInt(first) + BigInt(i)));

before(async () => {
  s = await createStack();
  e1 = idsFrom((await seed(s.db.knex, { eventCode: 'OPA', tickets: 5, interfaceName: s.interfaceName })).firstTicketId!, 5);
  await s.run('inject', { eventCode: 'OPA' });
});
after(async () => {
  for (const id of schedules) await deleteFunctionSchedule(s.client, id).catch(() => undefined);
  await s?.close();
});

test('schedule trigger --wait waits for the run like run --wait; schedule list shows how the last run ended', async () => {
  schedules.push(functionScheduleId('PUSH_CONTROLLED', s.interfaceName));
  const create = await cli('schedule', 'create', 'push-controlled', '--interface', s.interfaceName, '--launch', 'manual');
  assert.equal(create.code, 0, create.stderr);
  await s.repo.controlTickets([e1[1]!], new Date());
  const trig = await cli('schedule', 'trigger', 'push-controlled', '--interface', s.interfaceName, '--wait', '--json');
  assert.equal(trig.code, 0, trig.stderr);
  const summary = trig.json<{ outcome: string; succeeded: number; workflowId: string }>();
  assert.equal(summary.outcome, 'OK');
  assert.equal(summary.succeeded, 1);
  assert.match(summary.workflowId, /^push-controlled-/i);

  const list = await cli('schedule', 'list', '--interface', s.interfaceName, '--json');
  assert.equal(list.code, 0, list.stderr);
  const [v] = list.json<{ lastRun: { outcome: string; processed: number; succeeded: number; workflowId: string } | null }[]>();
  assert.deepEqual([v?.lastRun?.outcome, v?.lastRun?.succeeded, v?.lastRun?.workflowId], ['OK', 1, summary.workflowId]);
  const human = await cli('schedule', 'list', '--interface', s.interfaceName);
  assert.match(human.stdout, /OK 1\/1 ok at /);
});
