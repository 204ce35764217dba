// Schedules of the interface functions on the real stack (Temporal dev server, worker, simulator, PostgreSQL),
// driven through the `s360-tixngo schedule` CLI as an operator would: a schedule fires on its own and its runs show in
// `schedule list`; create is safe to rerun; pause / trigger / unpause / delete; overlap SKIP; stickToTheHour.
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { functionScheduleId } from '../../common/ids';
import { InterfaceFunctionKey, InterfaceNameKey } from '../../common/search-attributes';
import { seed } from '../../db/seed';
import { demoScheduleDefinitions, describeFunctionSchedule, deleteFunctionSchedule, upsertFunctionSchedule, type FunctionScheduleView } from '../../temporal/schedules';
import type { FunctionRunSummary } from '../../common/functions';
import { runCli, stackCliEnv, type CliResult } from '../helpers/cli';
import { createStack, eventually, type Stack } from '../helpers/stack';

let s: Stack;
const created: string[] = [];

const cli = (...args: string[]): Promise<CliResult> => runCli(args, stackCliEnv(s));

async function ok(...args: string[]): Promise<CliResult> {
  const r = await cli(...args);
  assert.equal(r.code, 0, `s360-tixngo ${args.join(' ')}: ${r.stderr}`);
  return r;
}

const view = (id: string) => describeFunctionSchedule(s.client, id);

async function workflowDescription(workflowId: string): Promise<WorkflowExecutionDescription> {
  return s.client.workflow.getHandle(workflowId).describe();
}

before(async () => {
  s = await createStack();
});
after(async () => {
  for (const id of created) await deleteFunctionSchedule(s.client, id).catch(() => undefined);
  await s?.simAdmin('DELETE', '/__sim/faults').catch(() => undefined);
  await s?.close();
});

test('a schedule created from the CLI fires on its own and its run shows in `schedule list`; create twice is safe', async (t: TestContext) => {
  const res = await seed(s.db.knex, { eventCode: 'SC1', tickets: 3, interfaceName: s.interfaceName });
  const ids = Array.from({ length: 3 }, (_, i) => String(BigInt(res.firstTicketId!) + BigInt(i)));
  const id = functionScheduleId('INJECTION', s.interfaceName);
  created.push(id);

  const first = (await ok('schedule', 'create', 'inject', '--interface', s.interfaceName, '--every', '2s', '--json')).json<FunctionScheduleView & { result: string }>();
  assert.equal(first.result, 'created');
  assert.equal(first.scheduleId, `schedule-injection-${s.interfaceName}`);
  assert.deepEqual(
    { launch: first.launch, everyMs: first.everyMs, offsetMs: first.offsetMs, overlap: first.overlap, stick: first.stickToTheHour, catchup: first.catchupWindowMs, input: first.input },
    { launch: 'automatic', everyMs: 2000, offsetMs: 0, overlap: 'SKIP', stick: true, catchup: 10_000, input: { interfaceName: s.interfaceName } },
  );
  // Safe to rerun: the same definition again is an update of the one schedule; --if-missing leaves it alone.
  const again = await ok('schedule', 'create', 'inject', '--interface', s.interfaceName, '--every', '2s');
  assert.match(again.stdout, /already existed: definition replaced \(updated\)/);
  assert.equal((await ok('schedule', 'create', 'inject', '--interface', s.interfaceName, '--every', '1h', '--if-missing', '--json')).json<{ result: string; everyMs: number }>().everyMs, 2000);

  // It fires by itself (nobody triggers it) and `schedule list` shows the run.
  const listed = await eventually(
    'the schedule to fire and show in `schedule list`',
    async () => (await ok('schedule', 'list', '--interface', s.interfaceName, '--json')).json<FunctionScheduleView[]>().find((v) => v.scheduleId === id),
    (v) => (v?.recentActions.length ?? 0) >= 1,
    30_000,
  );
  const run = listed!.recentActions[0]!;
  t.diagnostic(`schedule ${id} fired on its own: workflow ${run.workflowId} run ${run.runId}, scheduled ${run.scheduledAt}, taken ${run.takenAt}`);
  assert.ok(run.workflowId.startsWith(`injection-${s.interfaceName}-`), run.workflowId);
  assert.equal(Date.parse(run.scheduledAt) % 2000, 0, 'epoch-aligned interval (stickToTheHour)');
  const text = await ok('schedule', 'list', '--interface', s.interfaceName);
  assert.match(text.stdout, new RegExp(`${id}\\s+automatic\\s+every 2s`));

  // The scheduled run did the work, and was started exactly as `run inject` starts it.
  const summary = (await s.client.workflow.getHandle(run.workflowId, run.runId).result()) as FunctionRunSummary;
  assert.equal(summary.function, 'INJECTION');
  assert.ok(summary.outcome === 'OK', JSON.stringify(summary));
  await eventually('the 3 seeded tickets PRINTED by scheduled runs', async () => (await s.db.knex('ticket').whereIn('id', ids).where({ status: 'PRINTED' }).count<{ n: string }[]>('* as n'))[0]!.n, (n) => Number(n) === 3);
  await ok('schedule', 'pause', 'inject', '--interface', s.interfaceName);
  // Pausing stops new firings, not a run that had just started: the manual run waits for it (one run at a time).
  await eventually(
    'no scheduled injection still running',
    async () => (await s.client.workflow.count(`InterfaceName = '${s.interfaceName}' AND WorkflowType = 'injectTickets' AND ExecutionStatus = 'Running'`)).count,
    (n) => n === 0,
    30_000,
  );
  const scheduled = await workflowDescription(run.workflowId);
  const manual = await s.run('inject');
  assert.equal(manual.outcome, 'OK');
  const direct = await workflowDescription(`injection-${s.interfaceName}`);
  assert.equal(scheduled.type, direct.type);
  assert.equal(scheduled.taskQueue, direct.taskQueue);
  for (const key of [InterfaceNameKey, InterfaceFunctionKey]) assert.equal(scheduled.typedSearchAttributes.get(key), direct.typedSearchAttributes.get(key));
  assert.equal(scheduled.typedSearchAttributes.get(InterfaceFunctionKey), 'INJECTION');
});

test('pause stops it, trigger runs it while paused (manual launch), unpause restarts it, delete removes it (twice is fine)', async () => {
  const id = functionScheduleId('PUSH_CONTROLLED', s.interfaceName);
  created.push(id);
  await ok('schedule', 'create', 'push-controlled', '--interface', s.interfaceName, '--every', '2s');
  await eventually('a first run', () => view(id), (v) => v.actionsTaken >= 1, 30_000);

  const paused = (await ok('schedule', 'pause', 'push-controlled', '--interface', s.interfaceName, '--note', 'match over', '--json')).json<{ paused: boolean }>();
  assert.equal(paused.paused, true);
  const p = await view(id);
  assert.equal(p.launch, 'manual');
  assert.equal(p.note, 'match over');
  // Nothing happens while paused: a window of three periods (a negative can only be watched for a while).
  const until = Date.now() + 6_500;
  while (Date.now() < until) {
    assert.equal((await view(id)).actionsTaken, p.actionsTaken, 'no run while paused');
    await new Promise((r) => setTimeout(r, 500));
  }

  const trig = (await ok('schedule', 'trigger', 'push-controlled', '--interface', s.interfaceName, '--json')).json<{ triggered: boolean }>();
  assert.equal(trig.triggered, true);
  const afterTrigger = await eventually('the triggered run', () => view(id), (v) => v.actionsTaken === p.actionsTaken + 1, 15_000);
  assert.equal(afterTrigger.paused, true, 'a trigger does not unpause');

  const unpaused = (await ok('schedule', 'unpause', 'push-controlled', '--interface', s.interfaceName, '--json')).json<{ paused: boolean; nextRuns: string[] }>();
  assert.equal(unpaused.paused, false);
  await eventually('runs on its own again', () => view(id), (v) => v.actionsTaken >= p.actionsTaken + 2 && v.launch === 'automatic', 20_000);

  const del = (await ok('schedule', 'delete', 'push-controlled', '--interface', s.interfaceName, '--json')).json<{ deleted: boolean }>();
  assert.equal(del.deleted, true);
  const del2 = await ok('schedule', 'delete', 'push-controlled', '--interface', s.interfaceName);
  assert.match(del2.stdout, /nothing to delete/);
  const missing = await cli('schedule', 'pause', 'push-controlled', '--interface', s.interfaceName);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no schedule schedule-push-controlled-/);
  await eventually(
    'the deleted schedule gone from the list',
    async () => (await ok('schedule', 'list', '--interface', s.interfaceName, '--json')).json<FunctionScheduleView[]>().map((v) => v.scheduleId),
    (list) => !list.includes(id),
  );
});

test('manual launch runs only on trigger; overlap SKIP: a run in progress is never joined by a second one', async () => {
  const id = functionScheduleId('FEEDBACK', s.interfaceName);
  created.push(id);
  const m = (await ok('schedule', 'create', 'feedback', '--interface', s.interfaceName, '--launch', 'manual', '--every', '1s', '--json')).json<FunctionScheduleView>();
  assert.equal(m.paused, true);
  assert.match(m.note ?? '', /manual launch/);

  // With the worker stopped, a started run stays open (in progress) for as long as the test needs: no timing.
  await s.stopWorker();
  try {
    assert.equal((await ok('schedule', 'trigger', 'feedback', '--interface', s.interfaceName, '--json')).json<{ triggered: boolean }>().triggered, true);
    const first = await eventually('the triggered run in progress', () => view(id), (v) => v.running.length === 1, 15_000);
    assert.equal(first.paused, true, 'still manual');
    const busy = await ok('schedule', 'trigger', 'feedback', '--interface', s.interfaceName);
    assert.match(busy.stdout, new RegExp(`not triggered, a run is in progress \\(${first.running[0]!.workflowId}\\)`));

    await ok('schedule', 'update', 'feedback', '--interface', s.interfaceName, '--launch', 'automatic');
    const skipping = await eventually('actions due every second skipped while the run is open', () => view(id), (v) => v.skippedOverlap >= 3, 20_000);
    assert.equal(skipping.actionsTaken, 1, 'nothing started next to the open run');
    assert.deepEqual(skipping.running, first.running);
    assert.equal(skipping.overlap, 'SKIP');
  } finally {
    await s.startWorker();
  }
  await eventually(
    'the next runs once the first one is done',
    async () => {
      const v = await view(id);
      assert.ok(v.running.length <= 1, `never two runs at once: ${JSON.stringify(v.running)}`);
      return v;
    },
    (v) => v.actionsTaken >= 3,
    30_000,
  );
  await ok('schedule', 'delete', 'feedback', '--interface', s.interfaceName);

  // The runs it started never overlapped in time.
  const v = await view(id).catch(() => undefined);
  assert.equal(v, undefined, 'deleted');
  const handles = s.client.workflow.list({ query: `WorkflowType = "feedbackSync" AND InterfaceName = "${s.interfaceName}"` });
  const spans: { id: string; start: number; end: number }[] = [];
  for await (const w of handles) {
    const d = await eventually(`run ${w.workflowId} closed`, () => workflowDescription(w.workflowId), (x) => x.closeTime !== undefined, 20_000);
    spans.push({ id: w.workflowId, start: d.startTime.getTime(), end: d.closeTime!.getTime() });
  }
  assert.ok(spans.length >= 2, `several runs: ${spans.length}`);
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) assert.ok(spans[i]!.start >= spans[i - 1]!.end, `${spans[i]!.id} started before ${spans[i - 1]!.id} ended`);
});

test('stickToTheHour: runs on the clock marks by default; false phases them on --start (overlap BUFFER_ONE); bad definitions are refused', async () => {
  const id = functionScheduleId('PUSH_CANCELLED', s.interfaceName);
  created.push(id);
  const onTheHour = (await ok('schedule', 'create', 'push-cancelled', '--interface', s.interfaceName, '--json')).json<FunctionScheduleView>();
  assert.equal(onTheHour.everyMs, 5 * 60_000, 'default frequency: 5 minutes');
  assert.ok(onTheHour.nextRuns.length >= 2);
  for (const t of onTheHour.nextRuns) assert.equal(Date.parse(t) % (5 * 60_000), 0, `${t} on a 5-minute mark`);

  const start = new Date(Math.ceil(Date.now() / 1000) * 1000 + 60 * 60_000 + 7_000); // an hour ahead, 7 s past a second mark
  const phased = (
    await ok('schedule', 'update', 'push-cancelled', '--interface', s.interfaceName, '--stick-to-the-hour', 'false', '--start', start.toISOString(), '--end', new Date(start.getTime() + 86_400_000).toISOString(), '--json')
  ).json<FunctionScheduleView>();
  assert.equal(phased.stickToTheHour, false);
  assert.equal(phased.overlap, 'BUFFER_ONE');
  assert.equal(phased.startAt, start.toISOString());
  assert.equal(Date.parse(phased.nextRuns[0]!), start.getTime(), 'the first run at the start');
  for (const t of phased.nextRuns) assert.equal((Date.parse(t) - start.getTime()) % (5 * 60_000), 0, `${t} phased on the start`);

  const bad = await cli('schedule', 'update', 'push-cancelled', '--interface', s.interfaceName, '--end', '2001-01-01T00:00:00Z');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /end must be after start/);
  const refused = [
    ['schedule', 'create', 'nope', '--interface', s.interfaceName],
    ['schedule', 'create', 'feedback', '--interface', 'no-such-interface'],
    ['schedule', 'create', 'feedback', '--interface', s.interfaceName, '--every', '1.5s'],
    ['schedule', 'create', 'feedback', '--interface', s.interfaceName, '--every', '5m', '--cron', '*/5 * * * *'],
    ['schedule', 'create', 'feedback', '--interface', s.interfaceName, '--batch-size', '0'],
  ];
  for (const [i, r] of (await Promise.all(refused.map((args) => cli(...args)))).entries()) {
    assert.equal(r.code, 1, `${refused[i]!.join(' ')} must be refused: ${r.stdout}`);
    assert.match(r.stderr, /^error: /);
  }
  assert.equal(await view(functionScheduleId('FEEDBACK', s.interfaceName)).catch(() => undefined), undefined, 'nothing created by a refused command');
  await ok('schedule', 'delete', 'push-cancelled', '--interface', s.interfaceName);
});

test('the demo defaults (what `dev` creates): the four functions of the simple scenario, manual, on 5-minute marks (push controlled every minute); rerun keeps them', async () => {
  const iface = `${s.interfaceName}-demo`;
  const defs = demoScheduleDefinitions(iface, 'manual');
  const ids = defs.map((d) => functionScheduleId({ inject: 'INJECTION', feedback: 'FEEDBACK', 'push-cancelled': 'PUSH_CANCELLED', 'push-controlled': 'PUSH_CONTROLLED' }[d.function]!, iface));
  created.push(...ids);
  const results = [];
  for (const d of defs) results.push((await upsertFunctionSchedule(s.client, s.taskQueue, d, { ifMissing: true })).result);
  assert.deepEqual(results, ['created', 'created', 'created', 'created']);
  await ok('schedule', 'unpause', 'feedback', '--interface', iface); // an operator's change...
  const rerun = [];
  for (const d of defs) rerun.push((await upsertFunctionSchedule(s.client, s.taskQueue, d, { ifMissing: true })).result);
  assert.deepEqual(rerun, ['unchanged', 'unchanged', 'unchanged', 'unchanged']);
  const views = await Promise.all(ids.map(view));
  assert.deepEqual(
    views.map((v) => [v.command, v.launch, v.everyMs, v.offsetMs, v.overlap]),
    [
      ['inject', 'manual', 300_000, 0, 'SKIP'],
      ['feedback', 'automatic', 300_000, 0, 'SKIP'], // ...survives the rerun
      ['push-cancelled', 'manual', 300_000, 0, 'SKIP'],
      ['push-controlled', 'manual', 60_000, 0, 'SKIP'],
    ],
  );
  for (const id of ids) await deleteFunctionSchedule(s.client, id);
  const help = await ok('schedule', '--help');
  for (const verb of ['create', 'update', 'list', 'pause', 'unpause', 'trigger', 'delete']) assert.match(help.stdout, new RegExp(`\\n\\s+${verb}\\b`));
});
