// Reprint and take back (domain reference §3.1.2, §3.6, §9.1, §9.3): the S-360 operation on both database back ends,
// then end to end on the real stack (Temporal dev server, worker, TIXNGO simulator over HTTP, PostgreSQL): the old
// ticket is deleted in TIXNGO by Push Cancelled and its replacement is injected to the old ticket's last wallet owner,
// or, for a reason listed in resetInjectionInvalidationReasons, to the (new) cultural contact.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRepository, type Repository } from '../../db/repo';
import { RefusedError } from '../../db/validation';
import { seed } from '../../db/seed';
import { BACKENDS, withTestDb, type TestDb } from '../helpers/db';
import { createStack, eventually, type Stack } from '../helpers/stack';

interface Person {
  email: string;
  firstName?: string;
  lastName?: string;
}
interface SimTicket {
  ticketId: string;
  status: string;
  walletOwner: Person | null;
  injectCount: number;
}

type TicketRow = Record<string, unknown>;

for (const backend of BACKENDS) {
  void describe(`reprintTickets on ${backend}`, () => {
    let db: TestDb;
    let repo: Repository;
    let ids: string[];

    before(async () => {
      db = await withTestDb(backend);
      repo = createRepository(db.knex);
      const res = await seed(db.knex, { eventCode: 'RPDB', tickets: 6, product: 'match' });
      ids = Array.from({ length: 6 }, (_, i) => String(BigInt(res.firstTicketId!) + BigInt(i)));
      // ids[0..3] printed, ids[4] NOT_PRINTED, ids[5] cancelled.
      await db.knex('ticket').whereIn('id', ids.slice(0, 4)).update({ status: 'PRINTED' });
      await repo.cancelTickets([ids[5]!], 'REFUND', 'CANCELLED');
    });
    after(async () => {
      await db?.close();
    });

    test('invalidates the old ticket and creates its NOT_PRINTED replacement, copying all but the numbers', async () => {
      const before = (await db.knex('ticket').where({ id: ids[0] }).first()) as TicketRow;
      const mapping = await repo.reprintTickets([ids[0]!]);
      assert.equal(mapping.length, 1);
      assert.equal(mapping[0]!.replaced, ids[0]);
      const newId = mapping[0]!.ticketId;
      assert.ok(BigInt(newId) > BigInt(ids[5]!), 'a new id');

      const old = (await db.knex('ticket').where({ id: ids[0] }).first()) as TicketRow;
      assert.equal(old.status, 'INVALIDATED');
      assert.equal(old.invalidation_reason, 'REPRINT', 'default reason');
      assert.ok((old.status_changed_at as Date).getTime() > (before.status_changed_at as Date).getTime(), 'status_changed_at moves');

      const nu = (await db.knex('ticket').where({ id: newId }).first()) as TicketRow;
      assert.equal(nu.status, 'NOT_PRINTED');
      assert.equal(nu.invalidation_reason, null);
      assert.equal(String(nu.replaced_ticket_id), ids[0]);
      for (const col of ['performance_id', 'interface_id', 'shipment_mode', 'block', 'row', 'seat', 'category', 'tariff', 'price', 'currency', 'file_number',
        'holder_title', 'holder_first_name', 'holder_last_name', 'holder_email', 'holder_birthdate', 'holder_id_number', 'holder_country_code']) {
        assert.deepEqual(nu[col], before[col], `${col} copied`);
      }
      assert.notEqual(nu.barcode, before.barcode, 'new barcode');
      assert.notEqual(nu.tax_number, before.tax_number, 'new ticket number');
      assert.match(String(nu.barcode), /^\d{18}$/, 'same format as seeded barcodes');
      assert.match(String(nu.tax_number), /^1\d{11}$/);

      // The payload query carries the replaced ticket's state (no feedback yet: no wallet owner).
      const [row] = await repo.loadTicketsForPayload([newId]);
      assert.deepEqual(row!.replacedTicket, { id: ids[0], status: 'INVALIDATED', invalidationReason: 'REPRINT', lastWalletOwner: null });
      const [orig] = await repo.loadTicketsForPayload([ids[1]!]);
      assert.equal(orig!.replacedTicket, null);

      // Once feedback stored the old ticket's wallet owner, the replacement's row carries it.
      await db.knex('mobile_ticket').insert({ ticket_id: ids[0], tixngo_status: 'TRANSFERRED', wallet_owner: JSON.stringify({ email: 'zoe@example.org' }) });
      const both = await repo.loadTicketsForPayload([newId, ids[1]!]);
      assert.deepEqual(both.map((r) => r.id), [ids[1], newId], 'one query, by id');
      assert.deepEqual(both[1]!.replacedTicket?.lastWalletOwner, { email: 'zoe@example.org' });
      assert.equal(both[0]!.replacedTicket, null);
      assert.equal((await repo.getTicketView(newId))?.ticket.replacedTicket?.id, ids[0]);
    });

    test('take back: reason MOBILE_TAKE_BACK and a new cultural contact whose other personal fields are not inherited', async () => {
      const [m] = await repo.reprintTickets([ids[1]!], { reason: 'MOBILE_TAKE_BACK', holder: { email: 'b2b.contact@example.org', firstName: 'Bea' } });
      const old = (await db.knex('ticket').where({ id: ids[1] }).first()) as TicketRow;
      assert.equal(old.invalidation_reason, 'MOBILE_TAKE_BACK');
      const nu = (await db.knex('ticket').where({ id: m!.ticketId }).first()) as TicketRow;
      assert.equal(nu.holder_email, 'b2b.contact@example.org');
      assert.equal(nu.holder_first_name, 'Bea');
      assert.equal(nu.holder_last_name, null);
      assert.equal(nu.holder_birthdate, null);
      assert.equal(nu.holder_id_number, null);
      assert.equal(nu.holder_title, null);
    });

    test('refuses unknown, NOT_PRINTED, CANCELLED and INVALIDATED tickets, naming each, and writes nothing', async () => {
      const count = async () => Number(((await db.knex('ticket').count('* as n').first()) as { n: string | number }).n);
      const n = await count();
      const err = await repo.reprintTickets([ids[2]!, ids[4]!, ids[5]!, ids[0]!, '987654321']).then(
        () => assert.fail('expected a refusal'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof RefusedError);
      assert.deepEqual(err.refused, [
        { id: ids[0], why: 'is INVALIDATED already' },
        { id: ids[4], why: 'is NOT_PRINTED: nothing to reprint' },
        { id: ids[5], why: 'is CANCELLED already' },
        { id: '987654321', why: 'not found in S-360' },
      ]);
      assert.match(err.message, new RegExp(`ticket ${ids[4]} is NOT_PRINTED`));
      assert.equal(await count(), n, 'no replacement created');
      assert.equal(((await db.knex('ticket').where({ id: ids[2] }).first()) as TicketRow).status, 'PRINTED', 'the acceptable ticket is untouched');
      await assert.rejects(repo.reprintTickets([ids[2]!], { reason: 'A,B' }), /reason: must not contain a comma/);
      await assert.rejects(repo.reprintTickets([ids[2]!], { holder: { email: 'not-an-address' } }), (e: Error) => /^holderEmail: /.test(e.message) && !e.message.includes('not-an-address'));
    });

    test('several tickets in one call; a CONTROLLED ticket can be reprinted', async () => {
      await repo.controlTickets([ids[3]!]);
      const mapping = await repo.reprintTickets([ids[3]!, ids[2]!, ids[2]!]);
      assert.deepEqual(mapping.map((x) => x.replaced), [ids[2], ids[3]], 'by old id, duplicates once');
      assert.equal(new Set(mapping.map((x) => x.ticketId)).size, 2);
    });
  });
}

void describe('reprint and take back end to end', () => {
  let s: Stack;
  let ids: string[];
  const sim = (id: string) => s.simAdmin<SimTicket>('GET', `/__sim/tickets/${id}`);

  before(async () => {
    s = await createStack();
    // The interface resets the overlay for take backs only (§9.3): a reprint (REPRINT) still goes to the last owner.
    await s.db.knex('tixngo_interface').where({ name: s.interfaceName }).update({ custom_params: JSON.stringify({ resetInjectionInvalidationReasons: 'MOBILE_TAKE_BACK' }) });
    const res = await seed(s.db.knex, { eventCode: 'RP1', tickets: 4, product: 'match', interfaceName: s.interfaceName });
    ids = Array.from({ length: 4 }, (_, i) => String(BigInt(res.firstTicketId!) + BigInt(i)));
    const injected = await s.run('inject');
    assert.equal(injected.succeeded, 4, JSON.stringify(injected));
  });
  after(async () => {
    await s?.close();
  });

  async function pushAndInjectReplacement(oldId: string, newId: string): Promise<SimTicket> {
    const push = await s.run('push-cancelled');
    assert.equal(push.outcome, 'OK', JSON.stringify(push));
    assert.equal(push.succeeded, 1);
    await eventually(`ticket ${oldId} deleted in TIXNGO`, () => sim(oldId), (t) => t.status === 'DELETED');
    const inject = await s.run('inject');
    assert.equal(inject.outcome, 'OK', JSON.stringify(inject));
    assert.equal(inject.succeeded, 1, 'only the replacement');
    const row = await s.db.knex('ticket').where({ id: newId }).first('status');
    assert.equal(row?.status, 'PRINTED');
    const t = await sim(newId);
    assert.equal(t.status, 'INJECTED');
    return t;
  }

  test('reprint of a transferred ticket: deleted in TIXNGO, replacement injected to the new wallet owner', async () => {
    const t = ids[0]!;
    const zoe = { firstName: 'Zoe', lastName: 'Keller', email: 'zoe.reprint@example.org' };
    await s.simAdmin('POST', `/__sim/wallet/${t}/download`);
    await s.simAdmin('POST', `/__sim/wallet/${t}/transfer`, { to: zoe });
    await s.simAdmin('POST', `/__sim/wallet/${t}/accept`);
    assert.equal((await s.run('feedback')).outcome, 'OK');
    const owner = (await sim(t)).walletOwner;
    assert.equal(owner?.email, zoe.email, 'TIXNGO: the ticket changed hands');
    const holder = (await s.db.knex('ticket').where({ id: t }).first('holder_email')) as { holder_email: string };
    assert.notEqual(holder.holder_email, owner?.email, 'S-360 still has the original cultural contact');

    const [m] = await s.repo.reprintTickets([t]);
    assert.equal(m!.replaced, t);
    const replacement = await pushAndInjectReplacement(t, m!.ticketId);
    assert.equal(replacement.walletOwner?.email, owner!.email, 'spectatorDetails of the replacement = the last wallet owner of the old ticket');
    assert.equal(replacement.walletOwner?.firstName, owner!.firstName);
    assert.equal(replacement.walletOwner?.lastName, owner!.lastName);
  });

  test('take back (MOBILE_TAKE_BACK, listed in resetInjectionInvalidationReasons): replacement injected to the new cultural contact', async () => {
    const t = ids[1]!;
    // Not downloaded (§9.3), and feedback reported it: its last wallet owner is the original spectator.
    assert.equal((await s.run('feedback')).outcome, 'OK');
    const mobile = (await s.db.knex('mobile_ticket').where({ ticket_id: t }).first('wallet_owner')) as { wallet_owner: Person | null };
    const original = (await s.db.knex('ticket').where({ id: t }).first('holder_email')) as { holder_email: string };
    assert.equal(mobile.wallet_owner?.email, original.holder_email, 'feedback stored the last wallet owner');

    const contact = { email: 'b2b.takeback@example.org', firstName: 'Bea', lastName: 'Brunner' };
    const [m] = await s.repo.reprintTickets([t], { reason: 'MOBILE_TAKE_BACK', holder: contact });
    const replacement = await pushAndInjectReplacement(t, m!.ticketId);
    assert.deepEqual(replacement.walletOwner, contact, 'the new cultural contact, not the last wallet owner');
  });
});
