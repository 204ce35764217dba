// Every repository method on both back ends (PostgreSQL and PGlite), same assertions.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { BACKENDS, withTestDb, randomSecretKey, type TestDb } from '../helpers/db';
import { createRepository, type Repository } from '../../db/repo';
import type { InterfaceRow } from '../../db/types';
import { seed } from '../../db/seed';
import type { SecretKey } from '../../config/secrets';

const PLAIN_KEY = 'plain-api-key-Zq81xW';

async function count(knex: Knex, sql: string, bindings: unknown[] = []): Promise<number> {
  // knex's RawBinding union does not include unknown; the values are plain.
  const r = (await knex.raw(`select count(*)::int as n from (${sql}) x`, bindings as Knex.RawBinding[])) as { rows: { n: number }[] };
  return Number(r.rows[0]!.n);
}

const ifaceInput = (name: string) => ({
  name,
  url: 'https://pp5-api.tixngo.io/v3/organizer/tickets',
  loginEmail: 'admin@organizer.example',
  apiKey: PLAIN_KEY,
  notificationEmails: ['ops@organizer.example'],
  customParams: { doContinueInCaseOfSyncError: true, ticketIterationSize: 250, TIXNGO_LIFECYCLE_MODE: 'lifecycle' },
});

for (const backend of BACKENDS) {
  void describe(`repository on ${backend}`, () => {
    let db: TestDb;
    let repo: Repository;
    let key: SecretKey;
    let iface: InterfaceRow;
    let other: InterfaceRow;
    let tickets: string[]; // the 200 tickets of event R1 (interface A), by id
    const run = 'run-1';

    before(async () => {
      db = await withTestDb(backend);
      repo = createRepository(db.knex);
      key = randomSecretKey();
      iface = await repo.addInterface(ifaceInput('A'), key);
      await seed(db.knex, { eventCode: 'R1', tickets: 200, product: 'match', cards: 5, cardKind: 'season' });
      other = await repo.addInterface({ ...ifaceInput('B'), apiKey: 'other-key' }, key);
      await seed(db.knex, { eventCode: 'R2', tickets: 20, product: 'event', interfaceName: 'B' });
      tickets = await repo.selectInjectionCandidates(iface.id, { limit: 1000 });
    });
    after(async () => {
      await db?.close();
    });

    void describe('interfaces', () => {
      void test('addInterface stores a validated interface with default settings', async () => {
        assert.equal(iface.name, 'A');
        assert.equal(iface.type, 'TIXNGO');
        assert.deepEqual(iface.notificationEmails, ['ops@organizer.example']);
        assert.deepEqual(iface.customParams, { doContinueInCaseOfSyncError: true, ticketIterationSize: 250, TIXNGO_LIFECYCLE_MODE: 'lifecycle' });
        assert.deepEqual(iface.settings, { INJECTION: 1000, FEEDBACK: 1000, PUSH_CANCELLED: 1000, PUSH_CONTROLLED: 10000, PRIVILEGES_INJECTION: 1000 });
        assert.equal((await repo.getInterfaceByName('A'))?.id, iface.id);
        assert.equal(await repo.getInterfaceByName('nope'), undefined);
        const c = await repo.addInterface({ ...ifaceInput('C'), url: 'https://x.example/v3/organizer/tickets/', settings: { PUSH_CONTROLLED: 5000 }, type: 'TIXNGO_WITH_TEMPLATE' }, key);
        assert.equal(c.url, 'https://x.example/v3/organizer/tickets', 'trailing slash dropped');
        assert.equal(c.settings.PUSH_CONTROLLED, 5000);
        assert.equal(c.settings.INJECTION, 1000);
        assert.equal(c.type, 'TIXNGO_WITH_TEMPLATE');
      });

      void test('addInterface refuses bad input with a message naming the field, and writes nothing', async () => {
        const before = await count(db.knex, 'select * from tixngo_interface');
        const cases: [Record<string, unknown>, RegExp][] = [
          [{ url: 'https://api.tixngo.io/v3/organizer/events' }, /^url: /],
          [{ url: 'not a url organizer/tickets' }, /^url: /],
          [{ loginEmail: 'admin' }, /^loginEmail: /],
          [{ name: '  ' }, /^name: /],
          [{ apiKey: '' }, /^apiKey: /],
          [{ customParams: { nested: { a: 1 } } }, /^customParams: /],
          [{ customParams: [1, 2] }, /^customParams: /],
          [{ notificationEmails: ['ok@x.example', 'bad'] }, /^notificationEmails: /],
          [{ settings: { INJECTION: -1 } }, /^settings: /],
          [{ name: 'A' }, /^name: an interface named A already exists/],
        ];
        for (const [patch, re] of cases) {
          // the patches deliberately break the input's types
          await assert.rejects(repo.addInterface({ ...ifaceInput('Z'), ...patch } as Parameters<Repository['addInterface']>[0], key), (e: Error) => {
            assert.match(e.message, re);
            assert.ok(!e.message.includes(PLAIN_KEY));
            return true;
          });
        }
        assert.equal(await count(db.knex, 'select * from tixngo_interface'), before);
      });

      void test('the API key is encrypted at rest and never listed', async () => {
        const all = (await db.knex.raw('select * from tixngo_interface')) as { rows: Record<string, unknown>[] };
        const dump = JSON.stringify(all.rows);
        assert.ok(!dump.includes(PLAIN_KEY), 'plain key absent from SELECT *');
        const row = all.rows.find((r) => r.name === 'A')!;
        assert.match(String(row.api_key_enc), new RegExp(`^v1:${key.id}:`));
        const listed = JSON.stringify(await repo.listInterfaces());
        assert.ok(!listed.includes(PLAIN_KEY) && !listed.includes('v1:') && !listed.toLowerCase().includes('apikey') && !listed.includes('api_key'));
        assert.deepEqual(await repo.getInterfaceCredentials(iface.id, key), { url: iface.url, login: 'admin@organizer.example', apiKey: PLAIN_KEY });
        await assert.rejects(repo.getInterfaceCredentials(iface.id, randomSecretKey()), /key id/);
      });

      void test('reencryptApiKeys rotates every key', async () => {
        const next = randomSecretKey();
        assert.equal(await repo.reencryptApiKeys([key], next), (await repo.listInterfaces()).length);
        assert.equal((await repo.getInterfaceCredentials(other.id, next)).apiKey, 'other-key');
        await assert.rejects(repo.getInterfaceCredentials(other.id, key), /key id/);
        key = next;
      });
    });

    void describe('events', () => {
      void test('upsertPerformance inserts then updates by code', async () => {
        const p = await repo.upsertPerformance({
          code: 'P1', name: 'Cup final', productKind: 'match', venueSite: 'Wankdorf', city: 'Bern', zip: '3014', countryCode: 'CH',
          timezone: 'Europe/Zurich', startTime: '2030-05-01T18:00:00+02:00',
        });
        assert.equal(p.startTime, '2030-05-01T16:00:00.000Z');
        assert.equal(p.endTime, null);
        const p2 = await repo.upsertPerformance({ ...p, name: 'Cup final 2030', addressLine1: 'Papiermühlestrasse 71', endTime: '2030-05-01T20:00:00Z' });
        assert.equal(p2.id, p.id);
        const got = await repo.getPerformanceByCode('P1');
        assert.equal(got?.name, 'Cup final 2030');
        assert.equal(got?.addressLine1, 'Papiermühlestrasse 71');
        assert.equal(got?.productKind, 'match');
        assert.equal(await repo.getPerformanceByCode('nope'), undefined);
        await assert.rejects(repo.upsertPerformance({ ...p, city: '' }), /city: must not be empty/);
      });
    });

    void describe('injection', () => {
      void test('candidates: NOT_PRINTED tickets of the interface, by id, paged with afterId, filtered by event', async () => {
        assert.equal(tickets.length, 200);
        assert.deepEqual(tickets, [...tickets].sort((a, b) => Number(a) - Number(b)));
        const page1 = await repo.selectInjectionCandidates(iface.id, { limit: 50 });
        const page2 = await repo.selectInjectionCandidates(iface.id, { limit: 50, afterId: page1.at(-1) });
        assert.deepEqual([...page1, ...page2], tickets.slice(0, 100));
        assert.deepEqual(await repo.selectInjectionCandidates(iface.id, { limit: 500, eventCode: 'R2' }), []);
        assert.equal((await repo.selectInjectionCandidates(other.id, { limit: 500, eventCode: 'R2' })).length, 20);
        await assert.rejects(repo.selectInjectionCandidates(iface.id, { limit: 5, eventCode: 'nope' }), /event nope not found/);
      });

      void test('loadTicketsForPayload returns ticket, holder and performance address', async () => {
        const rows = await repo.loadTicketsForPayload([tickets[1]!, tickets[0]!, '999999999']);
        assert.deepEqual(rows.map((r) => r.id), [tickets[0], tickets[1]]);
        const t = rows[0]!;
        assert.equal(t.status, 'NOT_PRINTED');
        assert.equal(t.performance.code, 'R1');
        assert.ok(t.performance.venueSite && t.performance.city && t.performance.zip && t.performance.countryCode);
        assert.ok(t.holder.firstName && t.holder.lastName && t.holder.email?.includes('@'));
        assert.match(t.holder.birthdate ?? '', /^\d{4}-\d{2}-\d{2}$/);
        assert.equal(typeof t.price, 'number');
        assert.ok(t.barcode && t.taxNumber && t.block && t.row && t.seat);
        assert.equal(t.interfaceId, iface.id);
        assert.match(t.performance.startTime, /Z$/);
      });

      void test('markInjected is one idempotent transaction: PRINTED, one marker, one history row, errors resolved', async () => {
        const ids = tickets.slice(0, 10);
        await repo.recordItemErrors(iface.id, 'INJECTION', 'ticket', [{ itemId: ids[0]!, field: 'holder.email', message: 'missing e-mail' }], run);
        assert.equal((await repo.listOpenErrors({ interfaceId: iface.id, fn: 'INJECTION' })).length, 1);

        assert.deepEqual(await repo.markInjected(iface.id, ids, run), [...ids]);
        assert.deepEqual(await repo.markInjected(iface.id, ids, run), [], 'replay changes nothing');
        assert.deepEqual(await repo.markInjected(iface.id, ids, 'run-2'), [], 'another run changes no status either');

        assert.equal(await count(db.knex, `select * from ticket where id = any(?::bigint[]) and status = 'PRINTED'`, [ids]), 10);
        assert.equal(await count(db.knex, `select * from processing_marker where item_id = any(?::bigint[]) and function = 'INJECTION'`, [ids]), 10);
        assert.equal(await count(db.knex, `select * from mobile_ticket_history where ticket_id = any(?::bigint[])`, [ids]), 10);
        assert.equal(await count(db.knex, `select * from mobile_ticket where ticket_id = any(?::bigint[]) and tixngo_status = 'INJECTED'`, [ids]), 10);
        assert.equal((await repo.listOpenErrors({ interfaceId: iface.id, fn: 'INJECTION' })).length, 0);
        const next = await repo.selectInjectionCandidates(iface.id, { limit: 5 });
        assert.ok(!next.some((id) => ids.includes(id)));
      });

      void test('markInjected ignores tickets of another interface', async () => {
        const [foreign] = await repo.selectInjectionCandidates(other.id, { limit: 1 });
        assert.deepEqual(await repo.markInjected(iface.id, [foreign!], run), []);
        assert.equal(await count(db.knex, `select * from processing_marker where item_id = ?::bigint`, [foreign]), 0);
      });

      void test('markInjected handles a whole batch set-based (2,000 ids)', async () => {
        await seed(db.knex, { eventCode: 'BIG', tickets: 2000, interfaceName: 'A' });
        const ids = await repo.selectInjectionCandidates(iface.id, { eventCode: 'BIG', limit: 5000 });
        assert.equal(ids.length, 2000);
        assert.equal((await repo.markInjected(iface.id, ids, run)).length, 2000);
        assert.deepEqual(await repo.countTicketsByStatus('BIG'), { NOT_PRINTED: 0, PRINTED: 2000, CONTROLLED: 0, CANCELLED: 0, INVALIDATED: 0 });
      });

      void test('rejects ids that are not S-360 ids', async () => {
        await assert.rejects(repo.markInjected(iface.id, ['12; drop table ticket'], run), /ids: not an S-360 id/);
        await assert.rejects(repo.loadTicketsForPayload(['-1']), /not an S-360 id/);
      });
    });

    void describe('error log', () => {
      void test('one open row per item: recording again updates it, the same run does not count twice', async () => {
        const item = tickets[150]!;
        assert.equal(await repo.recordItemErrors(iface.id, 'PUSH_CONTROLLED', 'ticket', [{ itemId: item, message: 'first' }], 'r1'), 1);
        await repo.recordItemErrors(iface.id, 'PUSH_CONTROLLED', 'ticket', [{ itemId: item, message: 'first' }], 'r1');
        await repo.recordItemErrors(iface.id, 'PUSH_CONTROLLED', 'ticket', [{ itemId: item, field: 'barcode', message: 'second' }, { itemId: item, message: 'third' }], 'r2');
        const open = await repo.listOpenErrors({ interfaceId: iface.id, fn: 'PUSH_CONTROLLED' });
        assert.equal(open.length, 1);
        assert.equal(open[0]!.message, 'third');
        assert.equal(open[0]!.occurrences, 2);
        assert.equal(open[0]!.runId, 'r2');
        assert.equal(await repo.resolveErrors(iface.id, 'PUSH_CONTROLLED', 'ticket', [item]), 1);
        assert.equal(await repo.resolveErrors(iface.id, 'PUSH_CONTROLLED', 'ticket', [item]), 0);
        assert.equal((await repo.listOpenErrors({ interfaceId: iface.id, fn: 'PUSH_CONTROLLED' })).length, 0);
        await repo.recordItemErrors(iface.id, 'PUSH_CONTROLLED', 'ticket', [{ itemId: item, message: 'again' }], 'r3');
        assert.equal((await repo.listOpenErrors({ fn: 'PUSH_CONTROLLED' }))[0]?.occurrences, 1, 'a new open row after resolution');
        assert.equal(await count(db.knex, `select * from interface_error where function = 'PUSH_CONTROLLED'`), 2);
        await repo.resolveErrors(iface.id, 'PUSH_CONTROLLED', 'ticket', [item]);
      });
    });

    void describe('push cancelled', () => {
      void test('only injected tickets; pushed once per reason; a changed reason is selected again', async () => {
        const [injected, notInjected] = [tickets[0]!, tickets[100]!];
        assert.deepEqual(await repo.cancelTickets([injected, notInjected], 'REFUND', 'CANCELLED'), [injected, notInjected]);
        assert.deepEqual(await repo.cancelTickets([injected], 'REFUND', 'CANCELLED'), [], 'same status and reason: no change');
        let cands = await repo.selectPushCancelledCandidates(iface.id, { limit: 100 });
        assert.deepEqual(cands, [{ id: injected, status: 'CANCELLED', reason: 'REFUND' }]);

        assert.deepEqual(await repo.markPushed(iface.id, 'PUSH_CANCELLED', cands, run), [injected]);
        assert.deepEqual(await repo.selectPushCancelledCandidates(iface.id, { limit: 100 }), []);
        await repo.markPushed(iface.id, 'PUSH_CANCELLED', cands, run); // replay

        assert.deepEqual(await repo.cancelTickets([injected], 'REPRINT', 'INVALIDATED'), [injected]);
        cands = await repo.selectPushCancelledCandidates(iface.id, { limit: 100 });
        assert.deepEqual(cands, [{ id: injected, status: 'INVALIDATED', reason: 'REPRINT' }]);
        await repo.markPushed(iface.id, 'PUSH_CANCELLED', cands, 'run-2');
        assert.deepEqual(await repo.selectPushCancelledCandidates(iface.id, { limit: 100 }), []);

        assert.equal(await count(db.knex, `select * from processing_marker where item_id = ?::bigint and function = 'PUSH_CANCELLED'`, [injected]), 1);
        assert.equal(await count(db.knex, `select * from mobile_ticket_history where ticket_id = ?::bigint and source = 'PUSH_CANCELLED'`, [injected]), 2);
        const view = await repo.getTicketView(injected);
        assert.equal(view?.markers.find((m) => m.function === 'PUSH_CANCELLED')?.pushedReason, 'REPRINT');
      });

      void test('a null reason is pushed once too', async () => {
        const t = tickets[1]!;
        await repo.cancelTickets([t], null, 'CANCELLED');
        const cands = await repo.selectPushCancelledCandidates(iface.id, { limit: 100 });
        assert.deepEqual(cands, [{ id: t, status: 'CANCELLED', reason: null }]);
        await repo.markPushed(iface.id, 'PUSH_CANCELLED', cands, run);
        assert.deepEqual(await repo.selectPushCancelledCandidates(iface.id, { limit: 100 }), []);
      });
    });

    void describe('push controlled', () => {
      void test('controlled and injected tickets only, pushed once', async () => {
        const at = '2030-01-01T19:05:00.000Z';
        const [injected, notInjected] = [tickets[2]!, tickets[101]!];
        assert.deepEqual(await repo.controlTickets([injected, notInjected, tickets[0]!], at), [injected, notInjected], 'a cancelled ticket is not controlled');
        assert.deepEqual(await repo.controlTickets([injected], at), []);
        const cands = await repo.selectPushControlledCandidates(iface.id, { limit: 100 });
        assert.deepEqual(cands, [{ id: injected, controlledAt: at }]);
        assert.deepEqual(await repo.markPushed(iface.id, 'PUSH_CONTROLLED', cands, run), [injected]);
        await repo.markPushed(iface.id, 'PUSH_CONTROLLED', cands, run);
        assert.deepEqual(await repo.selectPushControlledCandidates(iface.id, { limit: 100 }), []);
        assert.equal(await count(db.knex, `select * from mobile_ticket_history where ticket_id = ?::bigint and source = 'PUSH_CONTROLLED'`, [injected]), 1);
      });
    });

    void describe('feedback', () => {
      const owner = { email: 'fan@example.com', firstName: 'Fan', lastName: 'One' };
      const holder = { firstName: 'Guest', lastName: 'Two' };

      void test('applies a page, reports unknown tickets, stores the cursor; a replay writes nothing', async () => {
        const [a, b] = [tickets[3]!, tickets[4]!];
        assert.equal(await repo.getFeedbackCursor(iface.id), null);
        const page = [
          { ticketId: a, tixngoStatus: 'DOWNLOADED', walletOwner: owner, ticketHolder: null, version: 2, updatedAt: '2030-01-01T10:00:00Z' },
          { ticketId: a, tixngoStatus: 'ASSIGNED', walletOwner: owner, ticketHolder: holder, version: 3, updatedAt: '2030-01-01T11:00:00Z' },
          { ticketId: b, tixngoStatus: 'DOWNLOADED', walletOwner: owner, ticketHolder: null, details: { gate: 'G1' }, version: '7', updatedAt: new Date('2030-01-01T10:30:00Z') },
          { ticketId: '999999999', tixngoStatus: 'INJECTED', walletOwner: null, ticketHolder: null, version: 1, updatedAt: '2030-01-01T10:00:00Z' },
          { ticketId: 'CSV-17', tixngoStatus: 'INJECTED', walletOwner: null, ticketHolder: null, version: 1, updatedAt: '2030-01-01T10:00:00Z' },
        ];
        const r = await repo.applyFeedbackPage(iface.id, page, 'cursor-1');
        assert.deepEqual(r.unknown, ['999999999', 'CSV-17']);
        assert.deepEqual(r.changed, [
          { ticketId: a, tixngoStatus: 'ASSIGNED' },
          { ticketId: b, tixngoStatus: 'DOWNLOADED' },
        ]);
        assert.equal(await repo.getFeedbackCursor(iface.id), 'cursor-1');
        const historyCount = await count(db.knex, `select * from mobile_ticket_history where source = 'FEEDBACK'`);
        assert.equal(historyCount, 3);

        const replay = await repo.applyFeedbackPage(iface.id, page, 'cursor-1');
        assert.deepEqual(replay.changed, []);
        assert.equal(await count(db.knex, `select * from mobile_ticket_history where source = 'FEEDBACK'`), historyCount);

        const view = await repo.getTicketView(a);
        assert.equal(view?.mobile?.tixngoStatus, 'ASSIGNED');
        assert.deepEqual(view?.mobile?.walletOwner, owner);
        assert.deepEqual(view?.mobile?.ticketHolder, holder);
        assert.equal(view?.mobile?.tixngoVersion, '3');
        assert.deepEqual(view?.history.map((h) => h.changeKey), ['injected', 'v2', 'v3']);
        assert.deepEqual((await repo.getTicketView(b))?.mobile?.details, { gate: 'G1' });
      });

      void test('older versions do not overwrite; an unchanged newer version is not reported', async () => {
        const a = tickets[3]!;
        const stale = await repo.applyFeedbackPage(iface.id, [{ ticketId: a, tixngoStatus: 'DOWNLOADED', walletOwner: owner, ticketHolder: null, version: 1, updatedAt: '2030-01-01T09:00:00Z' }], 'cursor-2');
        assert.deepEqual(stale.changed, []);
        assert.equal((await repo.getTicketView(a))?.mobile?.tixngoStatus, 'ASSIGNED');
        const same = await repo.applyFeedbackPage(iface.id, [{ ticketId: a, tixngoStatus: 'ASSIGNED', walletOwner: owner, ticketHolder: holder, version: 4, updatedAt: '2030-01-01T12:00:00Z' }], 'cursor-3');
        assert.deepEqual(same.changed, []);
        const moved = await repo.applyFeedbackPage(iface.id, [{ ticketId: a, tixngoStatus: 'TRANSFERRED', walletOwner: { email: 'friend@example.com' }, ticketHolder: holder, version: 5, updatedAt: '2030-01-01T13:00:00Z' }], 'cursor-4');
        assert.deepEqual(moved.changed, [{ ticketId: a, tixngoStatus: 'TRANSFERRED' }]);
        assert.equal(await repo.getFeedbackCursor(iface.id), 'cursor-4');
        const empty = await repo.applyFeedbackPage(iface.id, [], 'cursor-5');
        assert.deepEqual(empty, { changed: [], unknown: [] });
        assert.equal(await repo.getFeedbackCursor(iface.id), 'cursor-5');
      });

      void test('the cursor is stored in the same transaction as the changes', async () => {
        const c = tickets[5]!;
        // A test-only trigger makes storing this cursor fail, after the page's rows were written.
        await db.knex.raw(`create function s360_test_fail_cursor() returns trigger language plpgsql as $$
          begin if new.pagination_key = 'boom' then raise exception 'cursor write failed'; end if; return new; end $$`);
        await db.knex.raw(`create trigger s360_test_fail_cursor before insert or update on feedback_state for each row execute function s360_test_fail_cursor()`);
        try {
          const historyBefore = await count(db.knex, `select * from mobile_ticket_history`);
          await assert.rejects(
            repo.applyFeedbackPage(iface.id, [{ ticketId: c, tixngoStatus: 'DOWNLOADED', walletOwner: owner, ticketHolder: null, version: 9, updatedAt: '2030-01-02T10:00:00Z' }], 'boom'),
            /cursor write failed/,
          );
          assert.equal(await repo.getFeedbackCursor(iface.id), 'cursor-5');
          assert.equal(await count(db.knex, `select * from mobile_ticket_history`), historyBefore, 'history rolled back');
          assert.equal((await repo.getTicketView(c))?.mobile?.tixngoStatus, 'INJECTED', 'mobile ticket rolled back');
        } finally {
          await db.knex.raw(`drop trigger s360_test_fail_cursor on feedback_state`);
          await db.knex.raw(`drop function s360_test_fail_cursor()`);
        }
      });
    });

    void describe('cards', () => {
      void test('privilege candidates, payload, idempotent markCardsInjected', async () => {
        const ids = await repo.selectPrivilegeCandidates(iface.id, { limit: 100 });
        assert.equal(ids.length, 5);
        assert.deepEqual(await repo.selectPrivilegeCandidates(iface.id, { limit: 100, productCode: 'SEASON-R1' }), ids);
        assert.deepEqual(await repo.selectPrivilegeCandidates(iface.id, { limit: 2, afterId: ids[2] }), ids.slice(3));
        const cards = await repo.loadCardsForPayload(ids);
        assert.equal(cards[0]!.kind, 'season');
        assert.equal(cards[0]!.productCode, 'SEASON-R1');
        assert.ok(cards[0]!.cardNumber && cards[0]!.holder.email && cards[0]!.validTo);
        await repo.recordItemErrors(iface.id, 'PRIVILEGES_INJECTION', 'card', [{ itemId: ids[0]!, message: 'boom' }], run);
        assert.deepEqual(await repo.markCardsInjected(iface.id, ids, run), ids);
        assert.deepEqual(await repo.markCardsInjected(iface.id, ids, run), []);
        assert.equal(await count(db.knex, `select * from processing_marker where item_kind = 'card' and function = 'PRIVILEGES_INJECTION'`), 5);
        assert.deepEqual(await repo.selectPrivilegeCandidates(iface.id, { limit: 100 }), []);
        assert.equal((await repo.listOpenErrors({ fn: 'PRIVILEGES_INJECTION' })).length, 0);
      });
    });

    void describe('views', () => {
      void test('listTickets, countTicketsByStatus, getTicketView', async () => {
        const counts = await repo.countTicketsByStatus('R1');
        assert.deepEqual(counts, { NOT_PRINTED: 188, PRINTED: 7, CONTROLLED: 2, CANCELLED: 2, INVALIDATED: 1 } satisfies typeof counts);
        const cancelled = await repo.listTickets({ eventCode: 'R1', status: 'CANCELLED' });
        assert.deepEqual(cancelled.map((t) => t.id), [tickets[1], tickets[100]]);
        const page = await repo.listTickets({ eventCode: 'R1', limit: 3, afterId: tickets[2] });
        assert.deepEqual(page.map((t) => t.id), tickets.slice(3, 6));
        assert.equal(page[0]!.mobileStatus, 'TRANSFERRED');
        assert.ok(page[0]!.holderName.includes(' '));
        const v = await repo.getTicketView(tickets[0]!);
        assert.equal(v?.ticket.status, 'INVALIDATED');
        assert.equal(v?.ticket.invalidationReason, 'REPRINT');
        assert.deepEqual(v?.markers.map((m) => m.function).sort(), ['INJECTION', 'PUSH_CANCELLED']);
        assert.equal(await repo.getTicketView('987654321'), undefined);
        await repo.recordItemErrors(iface.id, 'INJECTION', 'ticket', [{ itemId: tickets[199]!, field: 'holder.email', message: 'missing' }], run);
        assert.equal((await repo.getTicketView(tickets[199]!))?.openErrors[0]?.field, 'holder.email');
      });
    });

    void describe('executions', () => {
      void test('start is idempotent per workflow run; finish records outcome and counts', async () => {
        const id = await repo.startExecution({ interfaceId: iface.id, fn: 'INJECTION', workflowId: 'wf-1', runId: 'r-1' });
        assert.equal(await repo.startExecution({ interfaceId: iface.id, fn: 'INJECTION', workflowId: 'wf-1', runId: 'r-1' }), id);
        assert.equal(await repo.lastGoodExecutionEnd(iface.id, 'INJECTION'), null);
        await repo.finishExecution(id, { outcome: 'WARNING', counts: { selected: 10, ok: 9, failed: 1 }, error: '1 ticket failed' });
        const [e] = await repo.listExecutions({ interfaceId: iface.id, fn: 'INJECTION' });
        assert.equal(e?.id, id);
        assert.equal(e?.outcome, 'WARNING');
        assert.deepEqual(e?.counts, { selected: 10, ok: 9, failed: 1 });
        assert.ok(e?.endedAt);
        assert.equal(await repo.lastGoodExecutionEnd(iface.id, 'INJECTION'), e?.endedAt);
        const failed = await repo.startExecution({ interfaceId: iface.id, fn: 'INJECTION', workflowId: 'wf-2', runId: 'r-1' });
        await repo.finishExecution(failed, { outcome: 'ERROR', error: 'TIXNGO down' });
        assert.equal(await repo.lastGoodExecutionEnd(iface.id, 'INJECTION'), e?.endedAt, 'ERROR is not a watermark');
        await assert.rejects(repo.finishExecution('999999', { outcome: 'OK' }), /not found/);
      });

      void test('exclusive start asks Temporal between transactions: gone executions closed, one opened meanwhile seen', async () => {
        const start = (workflowId: string) => ({ interfaceId: other.id, fn: 'FEEDBACK' as const, workflowId, runId: 'r-1' });
        await repo.startExecution(start('wf-gone'));
        let busyId = '';
        const asked: string[] = [];
        const r = await repo.startExclusiveExecution(start('wf-new'), async (workflowId) => {
          asked.push(workflowId);
          // Inside a transaction this query would wait for PGlite's only connection until knex gives up.
          if (workflowId === 'wf-gone') busyId = await repo.startExecution(start('wf-busy'));
          return workflowId === 'wf-busy';
        });
        assert.deepEqual(asked, ['wf-gone', 'wf-busy']);
        assert.equal('running' in r ? r.running.workflowId : r.started, 'wf-busy');
        const all = await repo.listExecutions({ interfaceId: other.id, fn: 'FEEDBACK' });
        assert.deepEqual(all.filter((e) => e.endedAt === null).map((e) => e.workflowId), ['wf-busy'], 'nothing recorded for the refused start');
        const gone = all.find((e) => e.workflowId === 'wf-gone');
        assert.equal(gone?.outcome, 'ERROR');
        assert.equal(gone?.error, 'abandoned: workflow wf-gone is no longer running');

        await repo.finishExecution(busyId, { outcome: 'OK' });
        const ok = await repo.startExclusiveExecution(start('wf-new'), () => Promise.reject(new Error('nothing open: Temporal not asked')));
        assert.ok('started' in ok);
      });
    });

    void describe('attachEventToInterface', () => {
      void test('attaches the tickets of an event that have no interface', async () => {
        await seed(db.knex, { eventCode: 'LOOSE', tickets: 7 }); // several interfaces, none named: not attached
        assert.equal((await repo.listTickets({ eventCode: 'LOOSE' }))[0]?.interfaceId, null);
        assert.equal(await repo.attachEventToInterface('LOOSE', other.id), 7);
        assert.equal(await repo.attachEventToInterface('LOOSE', other.id), 0);
        assert.equal((await repo.selectInjectionCandidates(other.id, { eventCode: 'LOOSE', limit: 100 })).length, 7);
      });
    });
  });
}
