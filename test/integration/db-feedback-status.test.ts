// The feedback repository and a TIXNGO status S-360 does not know, on both back ends (PostgreSQL and PGlite, whose
// image is built from the migrations, 005 included): raw status stored, last known status kept, an error row in
// the page's transaction, resolved by the next known status; and ticket numbers for the skip list.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRepository, type Repository } from '../../db/repo';
import { seed } from '../../db/seed';
import type { InterfaceRow } from '../../db/types';
import { BACKENDS, randomSecretKey, withTestDb, type TestDb } from '../helpers/db';

for (const backend of BACKENDS) {
  void describe(`feedback statuses on ${backend}`, () => {
    let db: TestDb;
    let repo: Repository;
    let iface: InterfaceRow;
    let ids: string[];

    before(async () => {
      db = await withTestDb(backend);
      repo = createRepository(db.knex);
      iface = await repo.addInterface(
        { name: 'A', url: 'https://pp5-api.tixngo.io/v3/organizer/tickets', loginEmail: 'a@example.org', apiKey: 'k-123456', notificationEmails: [], customParams: {} },
        randomSecretKey(),
      );
      await seed(db.knex, { eventCode: 'S1', tickets: 3, product: 'match', interfaceName: 'A' });
      ids = await repo.selectInjectionCandidates(iface.id, { limit: 10 });
    });
    after(async () => {
      await db?.close();
    });

    // The version as text: node-postgres and PGlite return bigint differently.
    const mobile = (id: string) => db.knex('mobile_ticket').where({ ticket_id: id }).first('tixngo_status', 'tixngo_raw_status', db.knex.raw('tixngo_version::text as tixngo_version'));
    const change = (ticketId: string, tixngoStatus: string | null, rawStatus: string, version: number) => ({
      ticketId,
      tixngoStatus,
      rawStatus,
      walletOwner: { email: 'fan@example.org' },
      ticketHolder: null,
      version,
      updatedAt: '2030-01-01T10:00:00Z',
    });

    void test('an unknown status is stored raw, keeps the last known one, opens an error; a known one resolves it', async () => {
      const [a, b] = [ids[0]!, ids[1]!];
      const r1 = await repo.applyFeedbackPage(iface.id, [change(a, 'DOWNLOADED', 'RECEIVED', 2), change(b, 'INJECTED', 'NOT_DOWNLOADED', 2)], 'c1', { executionId: 'run-1' });
      assert.deepEqual(r1.changed, [
        { ticketId: a, tixngoStatus: 'DOWNLOADED' },
        { ticketId: b, tixngoStatus: 'INJECTED' },
      ]);
      assert.deepEqual(await mobile(a), { tixngo_status: 'DOWNLOADED', tixngo_raw_status: 'RECEIVED', tixngo_version: '2' });

      const r2 = await repo.applyFeedbackPage(iface.id, [change(a, null, 'WHATEVER', 3)], 'c2', { executionId: 'run-2' });
      assert.deepEqual(r2.changed, [], 'no change of status to tell anyone');
      assert.equal(await repo.getFeedbackCursor(iface.id), 'c2');
      assert.deepEqual(await mobile(a), { tixngo_status: 'DOWNLOADED', tixngo_raw_status: 'WHATEVER', tixngo_version: '3' });
      const hist = await db.knex('mobile_ticket_history').where({ ticket_id: a, change_key: 'v3' }).first('tixngo_status', 'tixngo_raw_status');
      assert.deepEqual(hist, { tixngo_status: null, tixngo_raw_status: 'WHATEVER' });
      let errors = await repo.listOpenErrors({ interfaceId: iface.id, fn: 'FEEDBACK' });
      assert.equal(errors.length, 1);
      assert.equal(errors[0]!.itemId, a);
      assert.equal(errors[0]!.field, 'status');
      assert.match(errors[0]!.message, new RegExp(`^ticket ${a}: unknown TIXNGO status WHATEVER`));

      await repo.applyFeedbackPage(iface.id, [change(a, 'ASSIGNED', 'ASSIGNED', 4)], 'c3', { executionId: 'run-3' });
      assert.deepEqual(await mobile(a), { tixngo_status: 'ASSIGNED', tixngo_raw_status: 'ASSIGNED', tixngo_version: '4' });
      errors = await repo.listOpenErrors({ interfaceId: iface.id, fn: 'FEEDBACK' });
      assert.equal(errors.length, 0);
    });

    void test('ticketTaxNumbers: the ticket numbers of known ids, nothing for the others', async () => {
      const taxes = await repo.ticketTaxNumbers([ids[2]!, '999999999', 'CSV-1']);
      const row = await db.knex('ticket').where({ id: ids[2]! }).first('tax_number');
      assert.deepEqual([...taxes], [[ids[2]!, row.tax_number]]);
    });
  });
}
