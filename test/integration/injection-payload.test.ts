// What the injection payload carries (§3.1.4, §5.4) and how incomplete tickets are handled (§3.1.1, §3.1.3), proved
// through what the TIXNGO simulator stored after the calls over HTTP.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatInZone } from '../../activities/comfort';
import { ERR_INVALID_TICKET_DATA, ERR_TIXNGO_REJECTED } from '../../common/errors';
import type { ComfortVariables, CustomParams } from '../../db/types';
import { seed } from '../../db/seed';
import { createStack, type Stack } from '../helpers/stack';

let s: Stack;
const dumpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2-payload-dumps-'));

async function seedEvent(code: string, n: number, opts: { product?: 'open-pass'; comfortVariables?: ComfortVariables } = {}): Promise<string[]> {
  const r = await seed(s.db.knex, { eventCode: code, tickets: n, interfaceName: s.interfaceName, ...opts });
  return Array.from({ length: n }, (_, i) => String(BigInt(r.firstTicketId!) + BigInt(i)));
}
async function setParams(p: CustomParams): Promise<void> {
  const iface = (await s.repo.getInterfaceByName(s.interfaceName))!;
  await s.db.knex('tixngo_interface').where({ id: iface.id }).update({ custom_params: JSON.stringify(p) });
}
async function performance(code: string): Promise<{ start: Date; end: Date; timezone: string }> {
  const r = (await s.db.knex('performance').where({ code }).first('start_time', 'end_time', 'timezone')) as { start_time: Date; end_time: Date; timezone: string };
  return { start: r.start_time, end: r.end_time, timezone: r.timezone };
}
const simTicket = (id: string) => s.sim.state.tickets.get(id);
const simEvent = (code: string) => s.sim.state.events.get(code);
const openErrors = async (id: string) => (await s.repo.listOpenErrors({ fn: 'INJECTION' })).filter((e) => e.itemId === id);

before(async () => {
  s = await createStack({ dumpDir });
});
after(async () => {
  await s?.close();
  fs.rmSync(dumpDir, { recursive: true, force: true });
});

describe('injection payload', () => {
  test('event times go with the performance time zone offset, not Z', async () => {
    await setParams({});
    const [id] = await seedEvent('PL-TZ', 1);
    await s.db.knex('performance').where({ code: 'PL-TZ' }).update({ timezone: 'America/New_York' });
    const r = await s.run('inject', { eventCode: 'PL-TZ' });
    assert.equal(r.succeeded, 1);
    const p = await performance('PL-TZ');
    const e = simEvent('PL-TZ')!;
    assert.equal(e.startTime, formatInZone(p.start, 'America/New_York'));
    assert.match(e.startTime!, /-0[45]:00$/);
    assert.equal(e.expirationDate, formatInZone(p.end, 'America/New_York'));
    assert.equal(simTicket(id!)?.status, 'INJECTED');
  });

  test('comfort variables of an open pass: activation time, group, start and expiration (§3.1.4)', async () => {
    await setParams({});
    const [id] = await seedEvent('PL-OPEN', 1, { product: 'open-pass', comfortVariables: { TIXAct: '-1d', TIXExp: '2w', TIXRGrp: 'MUSEUM-A' } });
    const r = await s.run('inject', { eventCode: 'PL-OPEN' });
    assert.equal(r.succeeded, 1);
    const p = await performance('PL-OPEN');
    const act = simTicket(id!)!.data.activationParameters as { method: string; time?: string; groupId?: string };
    assert.deepEqual(act, { method: 'online', time: formatInZone(p.start.getTime() - 86_400_000, p.timezone), groupId: 'MUSEUM-A' });
    assert.match(act.time!, /\+0[12]:00$/, 'Europe/Zurich offset');
    const e = simEvent('PL-OPEN')!;
    assert.equal(e.startTime, formatInZone(p.start, p.timezone), 'no TIXStart: the performance start');
    assert.equal(e.expirationDate, formatInZone(p.start.getTime() + 14 * 86_400_000, p.timezone));
  });

  test('a bad comfort variable fails each ticket before the call, naming the field and the ticket', async () => {
    await setParams({});
    const ids = await seedEvent('PL-BAD', 2, { product: 'open-pass', comfortVariables: { TIXExp: 'next summer' } });
    const calls = (await s.simAdmin<{ calls: Record<string, number> }>('GET', '/__sim/stats')).calls;
    const r = await s.run('inject', { eventCode: 'PL-BAD' });
    assert.equal(r.outcome, 'ERROR');
    assert.equal(r.failed, 2);
    assert.equal(r.tixngoCalls, 0);
    assert.deepEqual((await s.simAdmin<{ calls: Record<string, number> }>('GET', '/__sim/stats')).calls, calls, 'nothing sent');
    const [err] = await openErrors(ids[0]!);
    assert.equal(err?.field, 'event.expirationDate');
    assert.match(err?.message ?? '', new RegExp(`^ticket ${ids[0]}: event\\.expirationDate: comfort variable TIXExp="next summer": expected`));
    assert.equal(r.failures[0]?.type, ERR_INVALID_TICKET_DATA);
  });

  test('sendMultilingualAsJsonObject: name, site and city as objects keyed by the default language', async () => {
    await setParams({ sendMultilingualAsJsonObject: true, defaultLanguage: 'fr' });
    const [id] = await seedEvent('PL-LANG', 1);
    const r = await s.run('inject', { eventCode: 'PL-LANG' });
    assert.equal(r.succeeded, 1, JSON.stringify(r.failures));
    const perf = (await s.db.knex('performance').where({ code: 'PL-LANG' }).first('name', 'venue_site', 'city')) as { name: string; venue_site: string; city: string };
    const e = simEvent('PL-LANG')!;
    assert.deepEqual(e.name, { fr: perf.name });
    const address = e.details.address as Record<string, unknown>;
    assert.deepEqual(address.site, { fr: perf.venue_site });
    assert.deepEqual(address.city, { fr: perf.city });
    assert.equal(simTicket(id!)?.status, 'INJECTED');
  });
});

describe('incomplete tickets', () => {
  test('mandatory holder fields BIRTH_REGION and BIRTH_PLACE: a ticket lacking one waits, counted, no error, run OK', async () => {
    await setParams({});
    const ids = await seedEvent('PL-WAIT', 3);
    await s.db.knex('ticket').where({ id: ids[2] }).update({ holder_birth_place: null });
    const params = { mandatoryHolderFields: ['BIRTH_REGION' as const, 'BIRTH_PLACE' as const] };
    const r = await s.run('inject', { eventCode: 'PL-WAIT', params });
    assert.equal(r.outcome, 'OK');
    assert.equal(r.succeeded, 2);
    assert.equal(r.waiting, 1);
    assert.equal(r.failed, 0);
    assert.equal(simTicket(ids[2]!), undefined);
    assert.deepEqual(await openErrors(ids[2]!), []);
    const exec = (await s.db.knex('function_execution').where({ function: 'INJECTION' }).orderBy('id', 'desc').first('counts', 'outcome')) as { counts: { waiting?: number }; outcome: string };
    assert.equal(exec.outcome, 'OK');
    assert.equal(exec.counts.waiting, 1);
    await s.db.knex('ticket').where({ id: ids[2] }).update({ holder_birth_place: 'Sion' });
    const again = await s.run('inject', { eventCode: 'PL-WAIT', params });
    assert.equal(again.succeeded, 1);
    assert.equal(again.waiting, undefined);
    assert.equal(simTicket(ids[2]!)?.status, 'INJECTED');
  });

  test('enforceMandatoryParameters: true (default) fails before the call; false sends and records TIXNGO\'s rejection', async () => {
    await setParams({});
    const ids = await seedEvent('PL-ENF', 2);
    await s.db.knex('ticket').where({ id: ids[0] }).update({ holder_email: null });
    const strict = await s.run('inject', { eventCode: 'PL-ENF' });
    assert.equal(strict.failed, 1);
    assert.equal(strict.failures[0]?.type, ERR_INVALID_TICKET_DATA, 'refused locally');
    assert.match(strict.failures[0]?.message ?? '', new RegExp(`^ticket ${ids[0]}: spectatorDetails\\.email`));
    const injectCalls = async () => (await s.simAdmin<{ calls: Record<string, number> }>('GET', '/__sim/stats')).calls['POST /v3/organizer/tickets'] ?? 0;
    const before = await injectCalls();

    await setParams({ enforceMandatoryParameters: false });
    const lenient = await s.run('inject', { eventCode: 'PL-ENF' });
    assert.equal(lenient.failed, 1);
    assert.equal(lenient.tixngoCalls, 1, 'sent to TIXNGO');
    assert.equal(await injectCalls(), before + 1);
    assert.equal(lenient.failures[0]?.type, ERR_TIXNGO_REJECTED, 'TIXNGO decided');
    const [err] = await openErrors(ids[0]!);
    assert.equal(err?.field, 'spectatorDetails.email');
    assert.equal(simTicket(ids[0]!), undefined);
  });
});

describe('diagnostics', () => {
  test('dumpTnPRvariables writes the injected tickets to DATA_DIR/dumps/<interface>/<execution>.jsonl (0600), capped by maxLengthDumpedCallsInKbs', async () => {
    await setParams({ dumpTnPRvariables: true, maxLengthDumpedCallsInKbs: 4 });
    const ids = await seedEvent('PL-DUMP', 10);
    const r = await s.run('inject', { eventCode: 'PL-DUMP' });
    assert.equal(r.succeeded, 10);
    const dir = path.join(dumpDir, s.interfaceName);
    const files = fs.readdirSync(dir);
    assert.equal(files.length, 1);
    const file = path.join(dir, files[0]!);
    assert.match(files[0]!, /^\d+\.jsonl$/);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.ok(fs.statSync(file).size <= 4 * 1024, 'capped');
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { ticketId: string; outcome: string; payload: { event: { id: string } } });
    assert.ok(lines.length > 0 && lines.length < 10, `some lines, not all: ${lines.length}`);
    assert.equal(lines[0]!.ticketId, ids[0]);
    assert.equal(lines[0]!.outcome, 'ACCEPTED');
    assert.equal(lines[0]!.payload.event.id, 'PL-DUMP');
    assert.ok(!fs.readFileSync(file, 'utf8').includes('test-api-key'), 'no API key');
  });
});
