// Unknown things are not outages (issue #11): a run for an event code S-360 does not have fails in seconds naming
// it, instead of retrying for the activities' whole bound while it holds the interface's execution lock; the next
// run goes ahead; and a schedule for an unknown event code is refused when it is made.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { functionScheduleId } from '../../common/ids';
import { seed } from '../../db/seed';
import { deleteFunctionSchedule, describeFunctionSchedule } from '../../temporal/schedules';
import { CLI_BIN, PROJECT_ROOT, stackCliEnv, type CliResult } from '../helpers/cli';
import { createStack, type Stack } from '../helpers/stack';

let s: Stack;
let eventCode: string;

/** `s360-tixngo <args>`, killed after `ms` (so that a hang fails the test instead of stalling the suite). */
function cli(args: string[], ms = 60_000): Promise<CliResult & { ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: PROJECT_ROOT, env: stackCliEnv(s), timeout: ms, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c ?? -1, stdout, stderr, ms: Date.now() - started, json: <T>() => JSON.parse(stdout) as T }));
  });
}

before(async () => {
  s = await createStack();
  eventCode = `UC${randomUUID().slice(0, 6)}`;
  await seed(s.db.knex, { eventCode, tickets: 2, interfaceName: s.interfaceName });
});
after(async () => {
  await deleteFunctionSchedule(s.client, functionScheduleId('INJECTION', s.interfaceName)).catch(() => undefined);
  await s?.close();
});

test('run inject --event NOPE --wait fails in seconds naming NOPE; the next run is not refused as running', async () => {
  const bad = await cli(['run', 'inject', '--interface', s.interfaceName, '--event', 'NOPE', '--wait']);
  assert.notEqual(bad.code, 0, `exit code ${bad.code}: ${bad.stdout} ${bad.stderr}`);
  assert.notEqual(bad.code, -1, `killed after ${bad.ms} ms: the run hung`);
  assert.ok(bad.ms < 45_000, `took ${bad.ms} ms`);
  assert.match(`${bad.stdout}${bad.stderr}`, /NOPE/);
  assert.match(bad.stdout, /FAILED/);

  const good = await cli(['run', 'inject', '--interface', s.interfaceName, '--event', eventCode, '--wait', '--json']);
  assert.equal(good.code, 0, `${good.stdout} ${good.stderr}`);
  const summary = good.json<{ outcome: string; succeeded: number }>();
  assert.equal(summary.outcome, 'OK');
  assert.equal(summary.succeeded, 2);
});

test('schedule create --event NOPE is refused, naming the code; a known code is accepted', async () => {
  const bad = await cli(['schedule', 'create', 'inject', '--interface', s.interfaceName, '--event', 'NOPE', '--every', '1h']);
  assert.notEqual(bad.code, 0, bad.stdout);
  assert.match(bad.stderr, /NOPE/);
  await assert.rejects(describeFunctionSchedule(s.client, functionScheduleId('INJECTION', s.interfaceName)), 'no schedule was created');

  const ok = await cli(['schedule', 'create', 'inject', '--interface', s.interfaceName, '--event', eventCode, '--every', '1h', '--launch', 'manual']);
  assert.equal(ok.code, 0, ok.stderr);
  const update = await cli(['schedule', 'update', 'inject', '--interface', s.interfaceName, '--event', 'NOPE']);
  assert.notEqual(update.code, 0, update.stdout);
  assert.match(update.stderr, /NOPE/);
  assert.equal((await describeFunctionSchedule(s.client, functionScheduleId('INJECTION', s.interfaceName))).input.eventCode, eventCode);
});
