// The run and schedule options of issue #10 through the CLI, on the real stack: file to upload (injection and
// feedback), point of sales, schedule inputs read at the edge, the ticket-template interface type refused.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { seed } from '../../db/seed';
import { deleteFunctionSchedule, type FunctionScheduleView } from '../../temporal/schedules';
import { runCli, stackCliEnv } from '../helpers/cli';
import { createStack, type Stack } from '../helpers/stack';

let s: Stack;
let env: NodeJS.ProcessEnv;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2-params-cli-'));
const schedules: string[] = [];

async function cli(...args: string[]) {
  const r = await runCli(args, env);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r;
}
async function seedEvent(code: string, n: number): Promise<string[]> {
  const r = await seed(s.db.knex, { eventCode: code, tickets: n, interfaceName: s.interfaceName });
  return Array.from({ length: n }, (_, i) => String(BigInt(r.firstTicketId!) + BigInt(i)));
}
const ticket = async (id: string) => s.db.knex('ticket').where({ id }).first('status', 'tax_number', 'printed_point_of_sales', 'printed_sales_channel');

before(async () => {
  s = await createStack();
  env = stackCliEnv(s);
});
after(async () => {
  for (const id of schedules) await deleteFunctionSchedule(s.client, id).catch(() => undefined);
  await s?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('run inject --file --point-of-sales --sales-channel: only the listed tickets, printed on behalf of that till', async () => {
  const ids = await seedEvent('CLI-FILE', 4);
  const file = path.join(dir, 'inject.txt');
  fs.writeFileSync(file, `# tickets to print\n${(await ticket(ids[0]!)).tax_number}\n\nid:${ids[2]}\n`);
  const r = await cli('run', 'inject', '--interface', s.interfaceName, '--file', file, '--point-of-sales', 'POS-GENEVA', '--sales-channel', 'BOX_OFFICE', '--wait', '--json');
  assert.equal(r.json<{ succeeded: number }>().succeeded, 2);
  for (const i of [0, 2]) {
    const t = await ticket(ids[i]!);
    assert.deepEqual([t.status, t.printed_point_of_sales, t.printed_sales_channel], ['PRINTED', 'POS-GENEVA', 'BOX_OFFICE']);
  }
  for (const i of [1, 3]) assert.equal((await ticket(ids[i]!)).status, 'NOT_PRINTED', 'not in the file');
});

test('run feedback --file: the listed tickets read from TIXNGO as if it had returned them; the cursor does not move', async () => {
  const ids = await seedEvent('CLI-FB', 2);
  await s.run('inject', { eventCode: 'CLI-FB' });
  await s.run('feedback');
  const cursor = await s.repo.getFeedbackCursor((await s.repo.getInterfaceByName(s.interfaceName))!.id);
  await s.simAdmin('POST', `/__sim/wallet/${ids[0]}/download`);
  const file = path.join(dir, 'feedback.txt');
  fs.writeFileSync(file, `id:${ids[0]}, id:${ids[1]}\n`);
  const r = await cli('run', 'feedback', '--interface', s.interfaceName, '--file', file, '--wait', '--json');
  assert.equal(r.json<{ processed: number }>().processed, 2);
  const mobile = await s.db.knex('mobile_ticket').where({ ticket_id: ids[0] }).first('tixngo_status');
  assert.equal(mobile.tixngo_status, 'DOWNLOADED');
  assert.equal(await s.repo.getFeedbackCursor((await s.repo.getInterfaceByName(s.interfaceName))!.id), cursor, 'cursor unchanged');
  const next = await s.run('feedback');
  assert.ok(next.processed >= 1, 'the diff still delivers the change afterwards');
});

test('schedule create: the file read at the edge as a force list, the point of sales and a date from in the interface time zone', async () => {
  await s.db.knex('tixngo_interface').where({ name: s.interfaceName }).update({ time_zone: 'Europe/Zurich' });
  const file = path.join(dir, 'schedule.txt');
  fs.writeFileSync(file, 'T-1,T-2\nid:42\n');
  const r = await cli('schedule', 'create', 'push-cancelled', '--interface', s.interfaceName, '--launch', 'manual', '--file', file, '--date-from', '15/01/26 10:00', '--json');
  const view = r.json<FunctionScheduleView>();
  schedules.push(view.scheduleId);
  assert.deepEqual(view.input.params, { forceTickets: ['T-1', 'T-2', 'id:42'], dateFrom: '2026-01-15T09:00:00.000Z' });
  const u = await cli('schedule', 'update', 'push-cancelled', '--interface', s.interfaceName, '--point-of-sales', 'POS-1', '--sales-channel', 'WEB', '--json');
  assert.deepEqual(u.json<FunctionScheduleView>().input.params, { pointOfSales: 'POS-1', salesChannel: 'WEB' });
});

test("interface add --type 'TixnGO with ticket template' is refused: ticket templates are not supported", async () => {
  const r = await runCli(['interface', 'add', '--name', 'tpl', '--url', s.sim.interfaceUrl, '--login', 'a@example.org', '--api-key-env', 'P2_KEY', '--type', 'TixnGO with ticket template'], { ...env, P2_KEY: 'k' });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /ticket templates are not supported/);
  const h = await runCli(['interface', 'add', '--name', 'hist', '--url', s.sim.interfaceUrl, '--login', 'a@example.org', '--api-key-env', 'P2_KEY', '--params', '{"TIXNGO_LIFECYCLE_MODE":"history"}'], { ...env, P2_KEY: 'k' });
  assert.notEqual(h.code, 0);
  assert.match(h.stderr, /TIXNGO_LIFECYCLE_MODE: history mode is deprecated and not supported/);
  assert.equal(await s.repo.getInterfaceByName('tpl'), undefined);
  assert.equal(await s.repo.getInterfaceByName('hist'), undefined);
});
