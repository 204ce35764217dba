// The TIXNGO simulator over real HTTP: validation, authentication, the V3 state machine, async
// deletion, the diff cursor, re-injection counts, stats, reset, faults and persistence.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fetch from 'node-fetch';
import { startSimulator, type Simulator } from '../../simulator/server';
import { sampleTicket, samplePrivilege } from '../../simulator/fixtures';
import type { DiffResponse, InjectResponse, TixngoTicket } from '../../tixngo/contract';

const KEY = 'sim-test-key-0f9e8d7c';

interface Reply<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, string>;
}

async function http<T = Record<string, unknown>>(base: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: Object.fromEntries(res.headers.entries()) };
}

type Admin = Record<string, unknown> & { status?: string; version?: number; injectCount?: number; history?: { action: string; version: number }[] };

void describe('simulator', () => {
  let sim: Simulator;
  const logLines: string[] = [];
  const api = <T = Record<string, unknown>>(method: string, p: string, body?: unknown) => http<T>(sim.url, method, `/v3/organizer${p}`, body, { 'X-TIXNGO-KEY': KEY });
  const admin = <T = Admin>(method: string, p: string, body?: unknown) => http<T>(sim.url, method, `/__sim${p}`, body);
  const inject = (tickets: unknown[]) => api<InjectResponse>('POST', '/tickets', { tickets });
  const ticket = async (id: string) => (await admin('GET', `/tickets/${encodeURIComponent(id)}`)).body;
  const waitFor = async (pred: () => Promise<boolean>, ms = 3000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await pred()) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  };

  before(async () => {
    sim = await startSimulator({ port: 0, apiKey: KEY, deletionDelayMs: 150, log: (l) => logLines.push(l) });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    assert.equal((await admin('POST', '/reset')).status, 200);
  });

  void test('health, and the URLs it announces', async () => {
    assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(sim.interfaceUrl, `${sim.url}/v3/organizer/tickets`);
    assert.ok(sim.port > 0);
    const r = await admin('GET', '/health');
    assert.deepEqual([r.status, r.body], [200, { ok: true }]);
  });

  void describe('authentication', () => {
    void test('no key or a wrong key: 401 that never echoes a key', async () => {
      const none = await http(sim.url, 'POST', '/v3/organizer/tickets', { tickets: [sampleTicket('A', 1)] });
      assert.equal(none.status, 401);
      const wrong = await http(sim.url, 'POST', '/v3/organizer/tickets', { tickets: [sampleTicket('A', 1)] }, { 'X-TIXNGO-KEY': 'wrong-key-123' });
      assert.equal(wrong.status, 401);
      assert.ok(!JSON.stringify(wrong.body).includes('wrong-key-123'));
      assert.deepEqual((await admin('GET', '/stats')).body.tickets, {});
    });

    void test('key accepted in the header (any case) and through HTTP Basic login:key', async () => {
      const lower = await http(sim.url, 'POST', '/v3/organizer/tickets/search', { ticketIds: ['X'] }, { 'x-tixngo-key': KEY });
      assert.equal(lower.status, 200);
      const basic = Buffer.from(`admin@organizer.example:${KEY}`).toString('base64');
      const viaBasic = await http(sim.url, 'POST', '/v3/organizer/tickets/search', { ticketIds: ['X'] }, { Authorization: `Basic ${basic}` });
      assert.equal(viaBasic.status, 200);
      const badBasic = Buffer.from('admin@organizer.example:nope').toString('base64');
      assert.equal((await http(sim.url, 'POST', '/v3/organizer/tickets/search', { ticketIds: ['X'] }, { Authorization: `Basic ${badBasic}` })).status, 401);
    });

    void test('without a configured key any non-empty key is accepted, an empty one is not', async () => {
      const open = await startSimulator({ port: 0 });
      try {
        assert.equal((await http(open.url, 'GET', '/v3/organizer/tickets/diff?limit=1', undefined, { 'X-TIXNGO-KEY': 'anything' })).status, 200);
        assert.equal((await http(open.url, 'GET', '/v3/organizer/tickets/diff?limit=1', undefined, { 'X-TIXNGO-KEY': '' })).status, 401);
      } finally {
        await open.close();
      }
    });

    void test('the key never appears in the log lines', () => {
      assert.ok(logLines.length > 0);
      assert.ok(logLines.every((l) => !l.includes(KEY)));
    });
  });

  void describe('injection', () => {
    void test('creates the event on first sight and the tickets as INJECTED, owned by the spectator', async () => {
      const r = await inject([sampleTicket('I', 1), sampleTicket('I', 2)]);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.eventsCreated, ['I-EV']);
      assert.deepEqual(r.body.results.map((x) => [x.ticketId, x.outcome, x.status, x.created]), [
        ['I-1', 'ACCEPTED', 'INJECTED', true],
        ['I-2', 'ACCEPTED', 'INJECTED', true],
      ]);
      const t = await ticket('I-1');
      assert.equal(t.status, 'INJECTED');
      assert.equal(t.eventId, 'I-EV');
      assert.deepEqual(t.walletOwner, { email: 'fan1@example.org', firstName: 'Alex', lastName: 'Fan1' });
      assert.equal(t.injectCount, 1);
      const again = await inject([sampleTicket('I', 3)]);
      assert.deepEqual(again.body.eventsCreated, [], 'the event exists now');
      assert.equal((await admin('GET', '/stats')).body.events, 1);
    });

    void test('per-ticket validation names ticket and field; the rest of the batch is accepted', async () => {
      const noZip = sampleTicket('V', 2) as unknown as { event: { address: Record<string, unknown> } };
      delete noZip.event.address.zip;
      const badId = { ...sampleTicket('V', 3), ticketId: 'V#3' };
      const r = await inject([sampleTicket('V', 1), noZip, badId, sampleTicket('V', 4)]);
      assert.equal(r.status, 200);
      const [a, b, c, d] = r.body.results;
      assert.equal(a!.outcome, 'ACCEPTED');
      assert.equal(d!.outcome, 'ACCEPTED');
      assert.deepEqual([b!.ticketId, b!.outcome, b!.reason], ['V-2', 'REJECTED', 'INVALID']);
      assert.equal(b!.errors![0]!.field, 'event.address.zip');
      assert.match(b!.errors![0]!.message, /ticket V-2: event\.address\.zip: required/);
      assert.deepEqual([c!.ticketId, c!.outcome, c!.errors![0]!.field], ['V#3', 'REJECTED', 'ticketId']);
      assert.deepEqual((await admin('GET', '/stats')).body.tickets, { INJECTED: 2 });
    });

    void test('a body that is not structurally valid is a 400 naming the problem', async () => {
      const notJson = await api('POST', '/tickets', '{"tickets": [');
      assert.equal(notJson.status, 400);
      assert.match(JSON.stringify(notJson.body), /not valid JSON/);
      const missing = await api<{ error: { message: string; details: { field: string }[] } }>('POST', '/tickets', { ticket: [] });
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error.details[0]!.field, 'tickets');
      const tooMany = await api<{ error: { message: string } }>('POST', '/tickets', { tickets: Array.from({ length: 10_001 }, (_, i) => ({ ticketId: `M-${i}` })) });
      assert.equal(tooMany.status, 400);
      assert.match(tooMany.body.error.message, /at most 10000 tickets per call/);
      const controlTooMany = await api('POST', '/tickets/controlled', { tickets: Array.from({ length: 10_001 }, (_, i) => ({ ticketId: `M-${i}` })) });
      assert.equal(controlTooMany.status, 400);
      assert.deepEqual((await admin('GET', '/stats')).body.tickets, {});
    });

    void test('re-injection of a live ticket updates it and counts (spectator only while INJECTED)', async () => {
      await inject([sampleTicket('R', 1), sampleTicket('R', 2)]);
      const r = await inject([sampleTicket('R', 1, { email: 'new-owner@example.org' }), sampleTicket('R', 2)]);
      assert.deepEqual(r.body.results.map((x) => [x.outcome, x.created]), [
        ['ACCEPTED', false],
        ['ACCEPTED', false],
      ]);
      const t1 = await ticket('R-1');
      assert.equal(t1.injectCount, 2);
      assert.equal((t1.walletOwner as { email: string }).email, 'new-owner@example.org');
      assert.equal(t1.version, 2, 'visible change -> new version');
      const t2 = await ticket('R-2');
      assert.equal(t2.version, 1, 'same data -> no new version');
      assert.equal((await admin('GET', '/stats')).body.reinjectedTickets, 2);

      await admin('POST', '/wallet/R-1/download');
      await inject([sampleTicket('R', 1, { email: 'someone-else@example.org' })]);
      const after = await ticket('R-1');
      assert.equal(after.injectCount, 3);
      assert.equal((after.walletOwner as { email: string }).email, 'new-owner@example.org', 'spectator not changed once downloaded');
      assert.equal((await admin('GET', '/stats')).body.reinjectedTickets, 2, 'counts tickets, not injections');
    });

    void test('re-injection of a deleted ticket is refused per ticket; moving a ticket to another event too', async () => {
      await inject([sampleTicket('D', 1), sampleTicket('D', 2)]);
      await api('POST', '/tickets/delete', { tickets: [{ ticketId: 'D-1', reason: 'CANCELLED', showDeletedTicket: false }] });
      const r = await inject([sampleTicket('D', 1), sampleTicket('D', 2, { eventId: 'OTHER-EV' }), sampleTicket('D', 3)]);
      const [a, b, c] = r.body.results;
      assert.deepEqual([a!.outcome, a!.reason, a!.status, a!.errors![0]!.field], ['REJECTED', 'CONFLICT', 'DELETION_PENDING', 'ticketId']);
      assert.match(a!.errors![0]!.message, /D-1 is DELETION_PENDING/);
      assert.deepEqual([b!.outcome, b!.reason, b!.errors![0]!.field], ['REJECTED', 'CONFLICT', 'event.id']);
      assert.equal(c!.outcome, 'ACCEPTED');
      assert.equal((await ticket('D-1')).injectCount, 1);
      assert.equal((await admin('GET', '/stats')).body.events, 1, 'a refused ticket creates no event');
    });
  });

  void describe('state machine', () => {
    void test('download -> activate -> transfer (owner stays the sender) -> accept (owner := recipient)', async () => {
      await inject([sampleTicket('W', 1)]);
      assert.equal((await admin('POST', '/wallet/W-1/download')).body.status, 'DOWNLOADED');
      assert.equal((await admin('POST', '/wallet/W-1/activate')).body.status, 'ONLINE_ACTIVATED');
      const to = { firstName: 'Robin', lastName: 'Friend', email: 'robin@example.org' };
      const pending = await admin<TixngoTicket>('POST', '/wallet/W-1/transfer', { to });
      assert.equal(pending.status, 200);
      assert.equal(pending.body.status, 'PENDING_TRANSFER');
      assert.equal(pending.body.walletOwner!.email, 'fan1@example.org');
      assert.deepEqual(pending.body.pendingTransferTo, to);
      const accepted = await admin<TixngoTicket>('POST', '/wallet/W-1/accept');
      assert.equal(accepted.body.status, 'TRANSFERRED');
      assert.deepEqual(accepted.body.walletOwner, to);
      assert.deepEqual(accepted.body.ticketHolder, to);
      assert.equal(accepted.body.previousOwner!.email, 'fan1@example.org');
      assert.equal(accepted.body.transferLevel, 1);
      const t = await ticket('W-1');
      assert.deepEqual(
        t.history!.map((h) => [h.action, h.version]),
        [
          ['INJECT', 1],
          ['DOWNLOAD', 2],
          ['ACTIVATE', 3],
          ['TRANSFER', 4],
          ['TRANSFER_ACCEPTED', 5],
        ],
      );
    });

    void test('refuses what the real system refuses, with a 409 naming the reason', async () => {
      await inject([sampleTicket('S', 1), sampleTicket('S', 2), sampleTicket('S', 3)]);
      const activateInjected = await admin<{ error: { message: string } }>('POST', '/wallet/S-1/activate');
      assert.equal(activateInjected.status, 409);
      assert.match(activateInjected.body.error.message, /not in a wallet yet/);
      assert.equal((await admin('POST', '/wallet/S-1/accept')).status, 409, 'no transfer pending');
      await admin('POST', '/wallet/S-1/download');
      assert.equal((await admin('POST', '/wallet/S-1/download')).status, 409, 'already downloaded');

      // No transfer of a CONTROLLED ticket.
      await api('POST', '/tickets/controlled', { tickets: [{ ticketId: 'S-1', controlledAt: '2027-06-01T19:00:00+02:00' }] });
      const transferControlled = await admin<{ error: { message: string } }>('POST', '/wallet/S-1/transfer', { to: { firstName: 'A', lastName: 'B', email: 'ab@example.org' } });
      assert.equal(transferControlled.status, 409);
      assert.match(transferControlled.body.error.message, /controlled ticket cannot be transferred/);

      // No transfer, activation or control of a deleted ticket.
      await admin('POST', '/wallet/S-2/download');
      await api('POST', '/tickets/delete', { tickets: [{ ticketId: 'S-2', reason: 'INVALIDATED', showDeletedTicket: true }] });
      assert.equal((await admin('POST', '/wallet/S-2/transfer', { to: { firstName: 'A', lastName: 'B', email: 'ab@example.org' } })).status, 409);
      assert.equal((await admin('POST', '/wallet/S-2/activate')).status, 409);
      const control = await api<{ results: { outcome: string; reason: string; status: string; errors: { field: string; message: string }[] }[] }>('POST', '/tickets/controlled', {
        tickets: [
          { ticketId: 'S-2', controlledAt: '2027-06-01T19:00:00+02:00' },
          { ticketId: 'S-3', controlledAt: '2027-06-01T19:00:00+02:00' },
          { ticketId: 'NOPE', controlledAt: '2027-06-01T19:00:00+02:00' },
        ],
      });
      assert.equal(control.status, 200);
      assert.deepEqual(
        control.body.results.map((r) => [r.outcome, r.reason, r.status]),
        [
          ['REJECTED', 'CONFLICT', 'DELETION_PENDING'],
          ['ACCEPTED', undefined, 'CONTROLLED'],
          ['REJECTED', 'NOT_FOUND', undefined],
        ],
      );
      assert.match(control.body.results[0]!.errors[0]!.message, /deleted ticket cannot be controlled/);

      assert.equal((await admin('POST', '/wallet/UNKNOWN/download')).status, 404);
      assert.equal((await admin('POST', '/wallet/S-3/transfer', { to: { firstName: 'A' } })).status, 400, 'transfer body validated');
    });

    void test('repeating a control or a deletion is idempotent', async () => {
      await inject([sampleTicket('P', 1), sampleTicket('P', 2)]);
      const item = { ticketId: 'P-1', controlledAt: '2027-06-01T19:00:00+02:00' };
      await api('POST', '/tickets/controlled', { tickets: [item] });
      const v = (await ticket('P-1')).version;
      const again = await api<{ results: { outcome: string; status: string }[] }>('POST', '/tickets/controlled', { tickets: [item] });
      assert.deepEqual(again.body.results[0], { ticketId: 'P-1', outcome: 'ACCEPTED', status: 'CONTROLLED', version: v });
      assert.equal((await ticket('P-1')).version, v);

      const del = { ticketId: 'P-2', reason: 'CANCELLED', showDeletedTicket: false };
      await api('POST', '/tickets/delete', { tickets: [del] });
      const v2 = (await ticket('P-2')).version;
      const delAgain = await api<{ results: { outcome: string; status: string }[] }>('POST', '/tickets/delete', { tickets: [del] });
      assert.equal(delAgain.body.results[0]!.outcome, 'ACCEPTED');
      assert.equal((await ticket('P-2')).version, v2, 'same reason: nothing changes');
      await api('POST', '/tickets/delete', { tickets: [{ ...del, reason: 'MOBILE_TAKE_BACK' }] });
      const changed = await ticket('P-2');
      assert.equal(changed.deletionReason, 'MOBILE_TAKE_BACK', 'a changed reason is recorded');
      assert.equal(changed.version, (v2 ?? 0) + 1);
      // Deleting a controlled ticket is allowed: deletion wins.
      const delControlled = await api<{ results: { outcome: string; status: string }[] }>('POST', '/tickets/delete', { tickets: [{ ticketId: 'P-1', reason: 'REFUND', showDeletedTicket: true }] });
      assert.equal(delControlled.body.results[0]!.status, 'DELETION_PENDING');
    });

    void test('deletion answers DELETION_PENDING and is confirmed asynchronously', async () => {
      await inject([sampleTicket('X', 1)]);
      const r = await api<{ results: { status: string }[] }>('POST', '/tickets/delete', { tickets: [{ ticketId: 'X-1', reason: 'CANCELLED', showDeletedTicket: true }] });
      assert.equal(r.body.results[0]!.status, 'DELETION_PENDING');
      assert.equal((await ticket('X-1')).status, 'DELETION_PENDING');
      assert.ok(await waitFor(async () => (await ticket('X-1')).status === 'DELETED'), 'confirmed after deletionDelayMs');
      const t = await ticket('X-1');
      assert.equal(t.showDeletedTicket, true);
      assert.equal(t.deletionReason, 'CANCELLED');
    });

    void test('deletionNeverConfirms keeps tickets DELETION_PENDING; clearing it lets them through', async () => {
      await inject([sampleTicket('N', 1)]);
      assert.equal((await admin('POST', '/faults', { deletionNeverConfirms: true })).status, 200);
      await api('POST', '/tickets/delete', { tickets: [{ ticketId: 'N-1', reason: 'CANCELLED', showDeletedTicket: false }] });
      await new Promise((r) => setTimeout(r, 400));
      assert.equal((await ticket('N-1')).status, 'DELETION_PENDING');
      await admin('DELETE', '/faults');
      assert.ok(await waitFor(async () => (await ticket('N-1')).status === 'DELETED'));
    });

    void test('the deletion delay can be changed through the fault API', async () => {
      await admin('POST', '/faults', { deletionDelayMs: 5000 });
      await inject([sampleTicket('L', 1)]);
      await api('POST', '/tickets/delete', { tickets: [{ ticketId: 'L-1', reason: 'CANCELLED', showDeletedTicket: false }] });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await ticket('L-1')).status, 'DELETION_PENDING');
      await admin('POST', '/faults', { deletionDelayMs: 0 });
      assert.ok(await waitFor(async () => (await ticket('L-1')).status === 'DELETED'));
    });
  });

  void describe('diff feed', () => {
    const diff = (key: string | undefined, limit: number) =>
      api<DiffResponse>('GET', `/tickets/diff?limit=${limit}${key === undefined ? '' : `&paginationKey=${encodeURIComponent(key)}`}`);

    void test('pages follow the global change order with a stable, strictly advancing key', async () => {
      await inject([sampleTicket('F', 1), sampleTicket('F', 2), sampleTicket('F', 3)]);
      await admin('POST', '/wallet/F-2/download');
      await api('POST', '/tickets/controlled', { tickets: [{ ticketId: 'F-1', controlledAt: '2027-06-01T19:00:00Z' }] });

      const p1 = await diff(undefined, 2);
      assert.equal(p1.status, 200);
      assert.deepEqual(p1.body.tickets.map((t) => [t.ticketId, t.status]), [
        ['F-1', 'INJECTED'],
        ['F-2', 'INJECTED'],
      ]);
      assert.equal(p1.body.hasMore, true);
      const p1again = await diff(undefined, 2);
      assert.deepEqual(p1again.body, p1.body, 'same key, same page');

      const p2 = await diff(p1.body.nextPaginationKey, 2);
      assert.deepEqual(p2.body.tickets.map((t) => [t.ticketId, t.status, t.version]), [
        ['F-3', 'INJECTED', 1],
        ['F-2', 'DOWNLOADED', 2],
      ]);
      assert.notEqual(p2.body.nextPaginationKey, p1.body.nextPaginationKey);
      assert.deepEqual((await diff(p1.body.nextPaginationKey, 2)).body, p2.body, 're-reading with the same key gives the same page');

      const p3 = await diff(p2.body.nextPaginationKey, 2);
      assert.deepEqual(p3.body.tickets.map((t) => [t.ticketId, t.status]), [['F-1', 'CONTROLLED']]);
      assert.equal(p3.body.hasMore, false);
      assert.equal(p3.body.tickets[0]!.controlledAt, '2027-06-01T19:00:00.000Z');
      const seqs = [...p1.body.tickets, ...p2.body.tickets, ...p3.body.tickets].map((t) => t.sequence);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
      assert.equal(new Set(seqs).size, seqs.length);

      const empty = await diff(p3.body.nextPaginationKey, 2);
      assert.deepEqual(empty.body.tickets, []);
      assert.equal(empty.body.nextPaginationKey, p3.body.nextPaginationKey, 'nothing new: the key does not move');

      await admin('POST', '/wallet/F-3/download');
      const later = await diff(p3.body.nextPaginationKey, 2);
      assert.deepEqual(later.body.tickets.map((t) => [t.ticketId, t.status]), [['F-3', 'DOWNLOADED']]);
      assert.notEqual(later.body.nextPaginationKey, p3.body.nextPaginationKey);
    });

    void test('an unknown pagination key or a bad limit is a 400', async () => {
      assert.equal((await diff('not-a-key', 10)).status, 400);
      assert.equal((await diff(Buffer.from('v1:999').toString('base64url'), 10)).status, 400, 'beyond the end of the feed');
      assert.equal((await api('GET', '/tickets/diff')).status, 400);
      assert.equal((await api('GET', '/tickets/diff?limit=0')).status, 400);
    });
  });

  void describe('reads, privileges and report', () => {
    void test('bulk read by id returns states and the ids not found', async () => {
      await inject([sampleTicket('G', 1), sampleTicket('G', 2)]);
      const r = await api<{ tickets: TixngoTicket[]; notFound: string[] }>('POST', '/tickets/search', { ticketIds: ['G-1', 'G-9', 'G-2'] });
      assert.deepEqual(r.body.tickets.map((t) => t.ticketId), ['G-1', 'G-2']);
      assert.deepEqual(r.body.notFound, ['G-9']);
    });

    void test('privileges: the definition is created on first injection, instances are INJECTED', async () => {
      const r = await api<{ results: { outcome: string; status: string; definitionCreated: boolean }[]; definitionsCreated: string[] }>('POST', '/privileges', {
        instances: [samplePrivilege('C', 1), samplePrivilege('C', 2)],
      });
      assert.deepEqual(r.body.definitionsCreated, ['C-DEF']);
      assert.deepEqual(r.body.results.map((x) => [x.outcome, x.status, x.definitionCreated]), [
        ['ACCEPTED', 'INJECTED', true],
        ['ACCEPTED', 'INJECTED', false],
      ]);
      const def = await api<{ id: string; instanceCount: number }>('GET', '/privileges/definitions/C-DEF');
      assert.deepEqual([def.status, def.body.id, def.body.instanceCount], [200, 'C-DEF', 2]);
      assert.equal((await api('GET', '/privileges/definitions/NOPE')).status, 404);
      assert.equal((await admin('GET', '/stats')).body.privilegeInstances, 2);
    });

    void test('monthly injection report counts first injections per event', async () => {
      await inject([sampleTicket('M', 1), sampleTicket('M', 2), sampleTicket('K', 1)]);
      await inject([sampleTicket('M', 1)]);
      const period = new Date().toISOString().slice(0, 7);
      const r = await api<{ total: number; grandTotal: number; events: { eventId: string; injected: number; eventName: string }[] }>(
        'GET',
        `/reports/injections?period=${period}&limit=1&offset=0`,
      );
      assert.equal(r.status, 200);
      assert.deepEqual([r.body.total, r.body.grandTotal], [2, 3]);
      assert.deepEqual(r.body.events, [{ eventId: 'K-EV', eventName: 'Sample concert', startTime: '2027-06-01T20:00:00+02:00', injected: 1 }]);
      const page2 = await api<{ events: { eventId: string; injected: number }[] }>('GET', `/reports/injections?period=${period}&limit=1&offset=1`);
      assert.deepEqual(page2.body.events.map((e) => [e.eventId, e.injected]), [['M-EV', 2]]);
      assert.equal((await api('GET', `/reports/injections?period=${period}`)).status, 400, 'limit and offset are required');
    });
  });

  void describe('admin: stats, reset, faults', () => {
    void test('stats count calls per path template, tickets per status, events', async () => {
      await inject([sampleTicket('T', 1), sampleTicket('T', 2)]);
      await api('POST', '/tickets/delete', { tickets: [{ ticketId: 'T-1', reason: 'X', showDeletedTicket: false }] });
      await api('GET', '/tickets/diff?limit=5');
      await api('GET', '/privileges/definitions/abc');
      const s = await admin<{ calls: Record<string, number>; tickets: Record<string, number>; events: number; privilegeInstances: number; reinjectedTickets: number }>('GET', '/stats');
      assert.deepEqual(s.body.calls, {
        'POST /v3/organizer/tickets': 1,
        'POST /v3/organizer/tickets/delete': 1,
        'GET /v3/organizer/tickets/diff': 1,
        'GET /v3/organizer/privileges/definitions/:id': 1,
      });
      assert.deepEqual(s.body.tickets, { INJECTED: 1, DELETION_PENDING: 1 });
      assert.equal(s.body.events, 1);
      assert.equal(s.body.privilegeInstances, 0);
      assert.equal(s.body.reinjectedTickets, 0);
    });

    void test('reset clears state, stats and faults', async () => {
      await inject([sampleTicket('Z', 1)]);
      await admin('POST', '/faults', { latencyMs: 10 });
      await admin('POST', '/reset');
      const s = await admin('GET', '/stats');
      assert.deepEqual(s.body, { calls: {}, tickets: {}, events: 0, privilegeInstances: 0, reinjectedTickets: 0 });
      assert.equal((await admin('GET', '/tickets/Z-1')).status, 404);
      assert.deepEqual((await admin('GET', '/faults')).body, {});
      assert.deepEqual((await api<DiffResponse>('GET', '/tickets/diff?limit=5')).body.tickets, []);
    });

    void test('fault API validates with a 400 naming the bad field, merges, and clears', async () => {
      const bad = await admin<{ error: { message: string; details: { field: string }[] } }>('POST', '/faults', { errorRate: 1.5 });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details[0]!.field, 'errorRate');
      const unknown = await admin<{ error: { details: { field: string }[] } }>('POST', '/faults', { latencyMS: 5 });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.details[0]!.field, 'latencyMS');
      assert.equal((await admin('POST', '/faults', { errorStatus: 'x' })).status, 400);
      assert.equal((await admin('POST', '/faults', 'nope')).status, 400);

      assert.deepEqual((await admin('POST', '/faults', { latencyMs: 5 })).body, { latencyMs: 5 });
      assert.deepEqual((await admin('POST', '/faults', { errorRate: 0 })).body, { latencyMs: 5, errorRate: 0 }, 'merged');
      assert.deepEqual((await admin('DELETE', '/faults')).body, {});
    });

    void test('outage: organizer calls answer 503, /__sim keeps working', async () => {
      await admin('POST', '/faults', { outageSeconds: 30 });
      assert.equal((await api('POST', '/tickets/search', { ticketIds: ['A'] })).status, 503);
      assert.equal((await admin('GET', '/health')).status, 200);
      await admin('DELETE', '/faults');
      assert.equal((await api('POST', '/tickets/search', { ticketIds: ['A'] })).status, 200);
    });

    void test('rate limit: beyond n calls per second a 429 with Retry-After', async () => {
      await admin('POST', '/faults', { rateLimitPerSecond: 2, retryAfterSeconds: 3 });
      const statuses: number[] = [];
      let retryAfter: string | undefined;
      for (let i = 0; i < 5; i++) {
        const r = await api('POST', '/tickets/search', { ticketIds: ['A'] });
        statuses.push(r.status);
        if (r.status === 429) retryAfter = r.headers['retry-after'];
      }
      assert.ok(statuses.filter((s) => s === 429).length >= 2, statuses.join(','));
      assert.equal(retryAfter, '3');
      for (let i = 0; i < 5; i++) assert.equal((await admin('GET', '/health')).status, 200, 'admin calls are not limited');
    });

    void test('errorRate/errorStatus inject errors; latencyMs delays answers', async () => {
      await admin('POST', '/faults', { errorRate: 1, errorStatus: 502 });
      assert.equal((await api('POST', '/tickets/search', { ticketIds: ['A'] })).status, 502);
      await admin('POST', '/faults', { errorRate: 0, latencyMs: 200 });
      const t0 = Date.now();
      assert.equal((await api('POST', '/tickets/search', { ticketIds: ['A'] })).status, 200);
      assert.ok(Date.now() - t0 >= 190);
      const t1 = Date.now();
      await admin('GET', '/health');
      assert.ok(Date.now() - t1 < 150, 'no latency on /__sim');
    });
  });

  void test('persists its state to a file and loads it at start', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tixngo-sim-'));
    const file = path.join(dir, 'state.json');
    try {
      const a = await startSimulator({ port: 0, persistFile: file });
      await http(a.url, 'POST', '/v3/organizer/tickets', { tickets: [sampleTicket('Q', 1)] }, { 'X-TIXNGO-KEY': 'k' });
      await http(a.url, 'POST', '/__sim/wallet/Q-1/download');
      await a.close();
      assert.ok(fs.existsSync(file));
      const b = await startSimulator({ port: 0, persistFile: file });
      try {
        const t = await http<Admin>(b.url, 'GET', '/__sim/tickets/Q-1');
        assert.equal(t.body.status, 'DOWNLOADED');
        const d = await http<DiffResponse>(b.url, 'GET', '/v3/organizer/tickets/diff?limit=10', undefined, { 'X-TIXNGO-KEY': 'k' });
        assert.deepEqual(d.body.tickets.map((x) => x.status), ['INJECTED', 'DOWNLOADED']);
      } finally {
        await b.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  void test('holds a 100,000-ticket event; bulk calls and diff pages stay fast at that size', async () => {
    const batch = 5000;
    for (let start = 0; start < 100_000; start += batch) {
      const tickets = Array.from({ length: batch }, (_, i) => sampleTicket('BIG', start + i, { eventId: 'BIG-EV' }));
      const r = await inject(tickets);
      assert.equal(r.status, 200);
      assert.ok(r.body.results.every((x) => x.outcome === 'ACCEPTED'));
    }
    const stats = await admin<{ tickets: Record<string, number>; events: number }>('GET', '/stats');
    assert.deepEqual(stats.body.tickets, { INJECTED: 100_000 });
    assert.equal(stats.body.events, 1);

    const ids = Array.from({ length: 1000 }, (_, i) => `BIG-${i * 97}`);
    let t0 = performance.now();
    const control = await api<{ results: { outcome: string }[] }>('POST', '/tickets/controlled', {
      tickets: ids.map((ticketId) => ({ ticketId, controlledAt: '2027-06-01T19:00:00Z' })),
    });
    const controlMs = performance.now() - t0;
    assert.ok(control.body.results.every((x) => x.outcome === 'ACCEPTED'));
    t0 = performance.now();
    const read = await api<{ tickets: TixngoTicket[] }>('POST', '/tickets/search', { ticketIds: ids });
    const readMs = performance.now() - t0;
    assert.equal(read.body.tickets.length, 1000);
    // The last diff page: must not cost a scan of all tickets.
    const key = Buffer.from(`v1:${100_000}`).toString('base64url');
    t0 = performance.now();
    const page = await api<DiffResponse>('GET', `/tickets/diff?limit=1000&paginationKey=${key}`);
    const diffMs = performance.now() - t0;
    assert.equal(page.body.tickets.length, 1000);
    assert.ok(page.body.tickets.every((x) => x.status === 'CONTROLLED'));
    // Generous bounds (2 shared cores); typical figures are a few ms to a few tens of ms.
    assert.ok(controlMs < 2000 && readMs < 2000 && diffMs < 2000, `control ${controlMs} ms, read ${readMs} ms, diff ${diffMs} ms`);
  });
});
