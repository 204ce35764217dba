// Schedule definitions -> Temporal schedule options, and the error e-mail text: pure functions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildRunOutcomeMail, notificationMessageId, scrub } from '../../activities/notify';
import type { NotifyRunOutcomeInput } from '../../activities/types';
import type { ExecutionErrorItem } from '../../db/types';
import { buildScheduleOptions, formatDuration, parseDuration, ScheduleDefinitionError } from '../../temporal/schedules';

const now = new Date('2026-03-01T13:37:42.500Z');

test('a function schedule starts the function workflow as `run` does: type, id, task queue, search attributes, input', () => {
  const o = buildScheduleOptions({ function: 'feedback', input: { interfaceName: 'demo', maxPages: 3 }, launch: 'automatic' }, 'tq', now);
  assert.equal(o.scheduleId, 'schedule-feedback-demo');
  assert.deepEqual(
    { type: o.action.workflowType, id: o.action.workflowId, tq: o.action.taskQueue, args: o.action.args },
    { type: 'feedbackSync', id: 'feedback-demo', tq: 'tq', args: [{ interfaceName: 'demo', maxPages: 3 }] },
  );
  const sa = (o.action.typedSearchAttributes as { key: { name: string }; value: unknown }[]).map((p) => [p.key.name, p.value]);
  assert.deepEqual(sa, [['InterfaceName', 'demo'], ['InterfaceFunction', 'FEEDBACK']]);
  assert.deepEqual(o.memo, { interfaceName: 'demo', function: 'FEEDBACK', workflowType: 'feedbackSync' });
  const withEvent = buildScheduleOptions({ function: 'inject', input: { interfaceName: 'demo', eventCode: 'E1' }, launch: 'automatic' }, 'tq', now);
  assert.deepEqual((withEvent.action.typedSearchAttributes as { key: { name: string }; value: unknown }[]).map((p) => p.key.name), ['InterfaceName', 'InterfaceFunction', 'EventCode']);
});

test('defaults: every 5 minutes on the clock marks (stickToTheHour), overlap SKIP, catch-up one period, automatic', () => {
  const o = buildScheduleOptions({ function: 'inject', input: { interfaceName: 'demo' }, launch: 'automatic' }, 'tq', now);
  assert.deepEqual(o.spec.intervals, [{ every: 300_000, offset: 0 }]);
  assert.equal(o.spec.jitter, 0);
  assert.deepEqual(o.policies, { overlap: 'SKIP', catchupWindow: 300_000, pauseOnFailure: false });
  assert.equal(o.state?.paused, false);
});

test('stickToTheHour=false: phased on the start (or now), overlap BUFFER_ONE', () => {
  const start = new Date('2026-03-01T14:02:13Z');
  const o = buildScheduleOptions({ function: 'inject', input: { interfaceName: 'demo' }, launch: 'automatic', everyMs: 300_000, stickToTheHour: false, startAt: start }, 'tq', now);
  assert.deepEqual(o.spec.intervals, [{ every: 300_000, offset: start.getTime() % 300_000 }]);
  assert.equal(o.policies?.overlap, 'BUFFER_ONE');
  const fromNow = buildScheduleOptions({ function: 'inject', input: { interfaceName: 'demo' }, launch: 'automatic', everyMs: 60_000, stickToTheHour: false }, 'tq', now);
  assert.deepEqual(fromNow.spec.intervals, [{ every: 60_000, offset: 42_000 }]);
});

test('manual = paused with a note; cron; catch-up bounds; start/end', () => {
  const m = buildScheduleOptions({ function: 'push-controlled', input: { interfaceName: 'demo' }, launch: 'manual', everyMs: 60_000 }, 'tq', now);
  assert.equal(m.state?.paused, true);
  assert.match(m.state?.note ?? '', /manual launch/);
  assert.equal(m.policies?.catchupWindow, 60_000);
  assert.equal(buildScheduleOptions({ function: 'inject', input: { interfaceName: 'd' }, launch: 'automatic', everyMs: 2000 }, 'tq', now).policies?.catchupWindow, 10_000);
  assert.equal(buildScheduleOptions({ function: 'inject', input: { interfaceName: 'd' }, launch: 'automatic', everyMs: 86_400_000 }, 'tq', now).policies?.catchupWindow, 3_600_000);
  const c = buildScheduleOptions({ function: 'inject', input: { interfaceName: 'd' }, launch: 'automatic', cron: '*/5 8-22 * * *' }, 'tq', now);
  assert.deepEqual(c.spec.cronExpressions, ['*/5 8-22 * * *']);
  assert.equal(c.spec.intervals, undefined);
  const startAt = new Date('2026-06-01T08:00:00Z');
  const endAt = new Date('2026-06-30T22:00:00Z');
  const se = buildScheduleOptions({ function: 'inject', input: { interfaceName: 'd' }, launch: 'automatic', startAt, endAt }, 'tq', now);
  assert.deepEqual([se.spec.startAt, se.spec.endAt], [startAt, endAt]);
});

test('wrong definitions are refused with a message', () => {
  const bad: [string, () => unknown, RegExp][] = [
    ['unknown function', () => buildScheduleOptions({ function: 'nope', input: { interfaceName: 'd' }, launch: 'automatic' }, 'tq'), /unknown function 'nope'/],
    ['end before start', () => buildScheduleOptions({ function: 'inject', input: { interfaceName: 'd' }, launch: 'automatic', startAt: now, endAt: new Date(now.getTime() - 1) }, 'tq'), /end must be after start/],
    ['both frequencies', () => buildScheduleOptions({ function: 'inject', input: { interfaceName: 'd' }, launch: 'automatic', everyMs: 60_000, cron: '* * * * *' }, 'tq'), /not both/],
    ['sub-second', () => buildScheduleOptions({ function: 'inject', input: { interfaceName: 'd' }, launch: 'automatic', everyMs: 1500 }, 'tq'), /whole number of seconds/],
    ['unknown input key', () => buildScheduleOptions({ function: 'inject', input: { interfaceName: 'd', nope: 1 } as never, launch: 'automatic' }, 'tq'), /run input/],
    ['short catch-up', () => buildScheduleOptions({ function: 'inject', input: { interfaceName: 'd' }, launch: 'automatic', catchupWindowMs: 5000 }, 'tq'), /at least 10s/],
  ];
  for (const [what, fn, re] of bad) assert.throws(fn, (e: unknown) => e instanceof ScheduleDefinitionError && re.test(e.message), what);
});

test('durations', () => {
  assert.deepEqual(['2s', '5m', '90s', '1h', '1d', '60000'].map((d) => parseDuration(d)), [2000, 300_000, 90_000, 3_600_000, 86_400_000, 60_000]);
  for (const d of ['', '5', '1.5s', '5 minutes', '-1m', '500ms']) assert.throws(() => parseDuration(d), ScheduleDefinitionError, d);
  assert.deepEqual([2000, 300_000, 90_000, 3_600_000].map(formatDuration), ['2s', '5m', '90s', '1h']);
});

const input: NotifyRunOutcomeInput = {
  interfaceName: 'demo',
  fn: 'PUSH_CANCELLED',
  executionId: '9',
  workflowId: 'push-cancelled-demo-2026-03-01T13:35:00Z',
  runId: 'r-1',
  outcome: 'ERROR',
  counts: { processed: 300, succeeded: 0, failed: 300, skipped: 0, batches: 1, tixngoCalls: 1 },
};

test('error e-mail: subject names interface, function and outcome; items listed up to the limit; addresses scrubbed', () => {
  const items: ExecutionErrorItem[] = Array.from({ length: 200 }, (_, i) => ({ itemKind: 'ticket', itemId: String(i + 1), field: null, message: `ticket ${i + 1}: NOT_FOUND` }));
  items[0] = { itemKind: 'ticket', itemId: '1', field: 'spectatorDetails.email', message: 'ticket 1: invalid address jane.doe+x@mail.example.com for Jane' };
  const m = buildRunOutcomeMail(input, { total: 300, items });
  assert.equal(m.subject, '[s360-tixngo] demo: PUSH_CANCELLED ended in ERROR (300 failed items)');
  assert.match(m.text, /Function: {3}PUSH_CANCELLED - Push cancelled and invalidated tickets/);
  assert.match(m.text, /Failed items \(300\):\n {2}ticket 1 {2}\[spectatorDetails\.email\] {2}ticket 1: invalid address \[address removed\] for Jane\n/);
  assert.match(m.text, /\n {2}ticket 200 {2}ticket 200: NOT_FOUND\n {2}\.\.\. and 100 more\n/);
  assert.ok(!m.text.includes('@mail.example.com'));
  assert.equal(scrub('a b@c.de, x'), 'a [address removed], x');
  const failed = buildRunOutcomeMail({ ...input, outcome: 'FAILED', error: 'PUSH_CANCELLED on interface demo stopped after 0 succeeded: login or API key refused' }, { total: 0, items: [] });
  assert.equal(failed.subject, '[s360-tixngo] demo: PUSH_CANCELLED FAILED');
  assert.match(failed.text, /The run stopped:\n {2}PUSH_CANCELLED on interface demo stopped after 0 succeeded: login or API key refused\n/);
  assert.equal(notificationMessageId(input.workflowId, input.runId), '<run-outcome.push-cancelled-demo-2026-03-01T13_35_00Z.r-1@s360-tixngo>');
});
