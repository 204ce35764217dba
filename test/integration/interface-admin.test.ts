// `s360-tixngo interface update / rotate-key / remove / audit` run as a user would, against the real stack: Temporal
// dev server, a worker with the real activities, TIXNGO simulators over HTTP, S-360 on PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ScheduleNotFoundError, WorkflowFailedError } from '@temporalio/client';
import { seed } from '../../db/seed';
import { startSimulator, type Simulator } from '../../simulator/server';
import { upsertFunctionSchedule } from '../../temporal/schedules';
import { runCli, stackCliEnv, type CliResult } from '../helpers/cli';
import { createStack, type Stack } from '../helpers/stack';

const OLD_KEY = 'old-key-Zr81xQw3';
const NEW_KEY = 'new-key-Jp47vNc9';

let s: Stack;
let sim2: Simulator;
let env: NodeJS.ProcessEnv;
const outputs: CliResult[] = [];

async function cli(...args: string[]): Promise<CliResult> {
  const r = await runCli(args, env);
  outputs.push(r);
  return r;
}

async function simCalls(sim: Simulator): Promise<number> {
  const res = await fetch(`${sim.url}/__sim/stats`);
  const stats = (await res.json()) as { calls: Record<string, number> };
  return Object.entries(stats.calls)
    .filter(([k]) => k.includes('/organizer/'))
    .reduce((n, [, v]) => n + v, 0);
}

before(async () => {
  s = await createStack({ sim: { apiKey: OLD_KEY } });
  // The TIXNGO organizer the interface moves to: it only knows the new key.
  sim2 = await startSimulator({ apiKey: NEW_KEY, deletionDelayMs: 300 });
  env = { ...stackCliEnv(s), S360_ACTOR: 'alice', OLD_KEY_VAR: OLD_KEY, NEW_KEY_VAR: NEW_KEY };
});
after(async () => {
  await sim2?.close();
  await s?.close();
});

describe('interface update and rotate-key', () => {
  test('update --url: the next run calls the new URL, where the old key is refused; after rotate-key the new key works; both audited', async () => {
    await seed(s.db.knex, { eventCode: 'IA1', tickets: 3, interfaceName: s.interfaceName });
    const oldSimCalls = await simCalls(s.sim);

    const up = await cli('interface', 'update', s.interfaceName, '--url', sim2.interfaceUrl, '--notify', 'ops@example.org');
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /updated \(url, notificationEmails\)/);

    await assert.rejects(s.run('inject', { eventCode: 'IA1' }), (err: unknown) => err instanceof WorkflowFailedError, 'the new organizer refuses the old key');
    assert.ok((await simCalls(sim2)) > 0, 'the run called the new URL');
    assert.equal(await simCalls(s.sim), oldSimCalls, 'and not the old one');

    const rot = await cli('interface', 'rotate-key', s.interfaceName, '--api-key-env', 'NEW_KEY_VAR');
    assert.equal(rot.code, 0, rot.stderr);
    assert.match(rot.stdout, /API key replaced/);
    const ok = await s.run('inject', { eventCode: 'IA1' });
    assert.equal(ok.outcome, 'OK');
    assert.equal(ok.succeeded, 3);
    assert.equal(await simCalls(s.sim), oldSimCalls);

    const trail = await cli('interface', 'audit', s.interfaceName, '--json');
    assert.equal(trail.code, 0, trail.stderr);
    const rows = trail.json<{ action: string; actor: string; at: string; detail: Record<string, unknown> }[]>();
    assert.deepEqual(
      rows.map((r) => r.action),
      ['add', 'update', 'rotate-key'],
    );
    assert.deepEqual(rows.slice(1).map((r) => r.actor), ['alice', 'alice']);
    assert.deepEqual(rows[1]!.detail, { url: { from: s.sim.interfaceUrl, to: sim2.interfaceUrl }, notificationEmails: { from: [], to: ['ops@example.org'] } });
    assert.deepEqual(rows[2]!.detail, { apiKey: 'changed' });
    for (const r of rows) assert.ok(!Number.isNaN(Date.parse(r.at)));
    const stored = (await s.db.knex.raw(`select string_agg(detail::text || actor || action, ' ') as t from interface_audit`)) as { rows: { t: string }[] };
    assert.ok(!stored.rows[0]!.t.includes(OLD_KEY) && !stored.rows[0]!.t.includes(NEW_KEY), 'no key in the audit table');
  });
});

describe('interface remove', () => {
  test('refused while a function schedule uses the interface, removed with --force (schedule deleted too); audited', async () => {
    const name = `rm${s.interfaceName}`;
    const add = await cli('interface', 'add', '--name', name, '--url', s.sim.interfaceUrl, '--login', 'organizer@example.org', '--api-key-env', 'OLD_KEY_VAR');
    assert.equal(add.code, 0, add.stderr);
    const { scheduleId } = await upsertFunctionSchedule(s.client, s.taskQueue, { function: 'feedback', input: { interfaceName: name }, launch: 'manual' });

    const refused = await cli('interface', 'remove', name);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`in use: schedule\\(s\\) ${scheduleId}.*--force`));
    assert.ok(await s.repo.getInterfaceByName(name), 'still there');

    const forced = await cli('interface', 'remove', name, '--force', '--json');
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(forced.json<{ deletedSchedules: string[] }>().deletedSchedules, [scheduleId]);
    assert.equal(await s.repo.getInterfaceByName(name), undefined);
    await assert.rejects(s.client.schedule.getHandle(scheduleId).describe(), (err: unknown) => err instanceof ScheduleNotFoundError);

    const trail = await s.repo.listInterfaceAudit(name);
    assert.deepEqual(
      trail.map((r) => [r.action, r.actor]),
      [
        ['add', 'alice'],
        ['remove', 'alice'],
      ],
    );
  });

  test('an interface nothing uses is removed without --force; tickets attached refuse it', async () => {
    const name = `fr${s.interfaceName}`;
    assert.equal((await cli('interface', 'add', '--name', name, '--url', s.sim.interfaceUrl, '--login', 'organizer@example.org', '--api-key-env', 'OLD_KEY_VAR')).code, 0);
    await seed(s.db.knex, { eventCode: 'IA3', tickets: 2, interfaceName: name });
    const refused = await cli('interface', 'remove', name);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /2 ticket\(s\) and 0 card\(s\) attached; --force detaches them/);
    await s.db.knex('ticket').whereIn('interface_id', s.db.knex('tixngo_interface').select('id').where({ name })).update({ interface_id: null });
    const removed = await cli('interface', 'remove', name);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, new RegExp(`interface ${name} removed`));
  });
});

test('no API key in any output', () => {
  assert.ok(outputs.length >= 9);
  for (const r of outputs) {
    for (const key of [OLD_KEY, NEW_KEY]) assert.ok(!r.stdout.includes(key) && !r.stderr.includes(key), `key in the output of a command: ${r.stdout}${r.stderr}`);
  }
});
