// db/seed.ts on both back ends: counts, uniqueness and realism of 20,000 tickets, re-runs, interface choice.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { BACKENDS, withTestDb, randomSecretKey, type TestDb } from '../helpers/db';
import { seed } from '../../db/seed';
import { createRepository } from '../../db/repo';

async function one(knex: Knex, sql: string, bindings: unknown[] = []): Promise<Record<string, unknown>> {
  // knex's RawBinding union does not include unknown; the values are plain.
  const r = (await knex.raw(sql, bindings as Knex.RawBinding[])) as { rows: Record<string, unknown>[] };
  return r.rows[0]!;
}

const iface = (name: string) => ({ name, url: 'https://api.tixngo.io/v3/organizer/tickets', loginEmail: 'admin@org.example', apiKey: 'k' });

for (const backend of BACKENDS) {
  void describe(`seed on ${backend}`, () => {
    let db: TestDb;
    before(async () => {
      db = await withTestDb(backend);
    });
    after(async () => {
      await db?.close();
    });

    void test('20,000 tickets: right counts, unique numbers and seats, complete holders and addresses', async () => {
      await createRepository(db.knex).addInterface(iface('ONLY'), randomSecretKey());
      const r = await seed(db.knex, { eventCode: 'S1', tickets: 20_000, product: 'match', cards: 300, cardKind: 'season' });
      assert.equal(r.ticketsCreated, 20_000);
      assert.equal(r.ticketsTotal, 20_000);
      assert.equal(r.cardsCreated, 300);
      assert.equal(r.interfaceName, 'ONLY', 'the only interface is the default');
      assert.equal(r.performanceCreated, true);
      const s = await one(
        db.knex,
        `select count(*)::int as n, count(distinct tax_number)::int as tax, count(distinct barcode)::int as barcodes,
                count(distinct (block, "row", seat))::int as seats, count(*) filter (where status = 'NOT_PRINTED')::int as not_printed,
                count(*) filter (where interface_id = ?)::int as attached,
                count(*) filter (where holder_first_name is null or holder_last_name is null or holder_email not like '%@%'
                                    or holder_birthdate is null or holder_country_code is null or price is null or price <= 0)::int as incomplete,
                count(distinct holder_last_name)::int as last_names, count(distinct category)::int as categories,
                min(id)::text as first, max(id)::text as last
         from ticket where performance_id = ?`,
        [r.interfaceId, r.performanceId],
      );
      assert.deepEqual(
        { n: s.n, tax: s.tax, barcodes: s.barcodes, seats: s.seats, notPrinted: s.not_printed, attached: s.attached, incomplete: s.incomplete },
        { n: 20_000, tax: 20_000, barcodes: 20_000, seats: 20_000, notPrinted: 20_000, attached: 20_000, incomplete: 0 },
      );
      assert.ok(Number(s.last_names) > 10 && Number(s.categories) === 4);
      assert.equal(s.first, r.firstTicketId);
      assert.equal(s.last, r.lastTicketId);
      const p = await createRepository(db.knex).getPerformanceByCode('S1');
      assert.ok(p && p.venueSite && p.city && p.zip && p.countryCode && p.productKind === 'match');
      const c = await one(db.knex, `select count(*)::int as n, count(distinct card_number)::int as numbers, min(kind) as kind from card where interface_id = ?`, [r.interfaceId]);
      assert.deepEqual(c, { n: 300, numbers: 300, kind: 'season' });
    });

    void test('re-running with the same event adds tickets with new numbers and the next seats', async () => {
      const first = await seed(db.knex, { eventCode: 'S2', tickets: 1500 });
      const again = await seed(db.knex, { eventCode: 'S2', tickets: 700, product: 'event' });
      assert.equal(again.performanceCreated, false);
      assert.equal(again.productKind, 'match', 'an existing event keeps its product kind');
      assert.equal(again.ticketsCreated, 700);
      assert.equal(again.ticketsTotal, 2200);
      assert.ok(BigInt(again.firstTicketId!) > BigInt(first.lastTicketId!));
      const s = await one(
        db.knex,
        `select count(*)::int as n, count(distinct (block, "row", seat))::int as seats, count(distinct tax_number)::int as tax from ticket where performance_id = ?`,
        [again.performanceId],
      );
      assert.deepEqual(s, { n: 2200, seats: 2200, tax: 2200 });
    });

    void test('non-seated products have no seats; no interface when several exist and none is named', async () => {
      await createRepository(db.knex).addInterface(iface('SECOND'), randomSecretKey());
      const r = await seed(db.knex, { eventCode: 'PASS', tickets: 50, product: 'open-pass' });
      assert.equal(r.interfaceId, null);
      const s = await one(db.knex, `select count(*) filter (where seat is null and category = 'GA')::int as ga, count(interface_id)::int as attached from ticket where performance_id = ?`, [r.performanceId]);
      assert.deepEqual(s, { ga: 50, attached: 0 });
      const named = await seed(db.knex, { eventCode: 'SVC', tickets: 5, product: 'service', interfaceName: 'SECOND' });
      assert.equal(named.interfaceName, 'SECOND');
    });

    void test('bad options are refused and write nothing', async () => {
      const before = await one(db.knex, `select count(*)::int as n from ticket`);
      await assert.rejects(seed(db.knex, { eventCode: 'X1', tickets: 10, interfaceName: 'nope' }), /interface nope not found/);
      await assert.rejects(seed(db.knex, { eventCode: 'X1', tickets: -1 }), /tickets: /);
      await assert.rejects(seed(db.knex, { eventCode: 'bad code!', tickets: 1 }), /event: /);
      // deliberately wrong product kind
      await assert.rejects(seed(db.knex, { eventCode: 'X1', tickets: 1, product: 'concert' as 'event' }), /product: /);
      assert.deepEqual(await one(db.knex, `select count(*)::int as n from ticket`), before);
      assert.equal(await createRepository(db.knex).getPerformanceByCode('X1'), undefined, 'the transaction left no event behind');
    });
  });
}
