// Function and custom parameters of issue #10 on the real stack: privileges selection (product filter, skip and force
// lists), Date from read in the interface's time zone through the CLI, doContinueInCaseOfSyncError on feedback.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { seed } from '../../db/seed';
import { runCli, stackCliEnv } from '../helpers/cli';
import { createStack, type Stack } from '../helpers/stack';

let s: Stack;
let ifaceId: number;

async function seedEvent(code: string, n: number, cards = 0): Promise<{ tickets: string[]; cards: string[] }> {
  const r = await seed(s.db.knex, { eventCode: code, tickets: n, interfaceName: s.interfaceName, cards, cardKind: 'season' });
  const tickets = Array.from({ length: n }, (_, i) => String(BigInt(r.firstTicketId!) + BigInt(i)));
  const cardRows = cards ? await s.db.knex('card').where({ product_code: `SEASON-${code}` }).orderBy('id').select('id') : [];
  return { tickets, cards: cardRows.map((c: { id: string | number }) => String(c.id)) };
}
async function setCustomParams(params: Record<string, unknown>): Promise<void> {
  await s.db.knex('tixngo_interface').where({ id: ifaceId }).update({ custom_params: JSON.stringify(params) });
}

before(async () => {
  s = await createStack();
  ifaceId = (await s.repo.getInterfaceByName(s.interfaceName))!.id;
});
after(async () => {
  await s?.close();
});

describe('privileges injection parameters', () => {
  test('product filter and skip list: only the listed products, skipped cards stay NOT_PRINTED; a force list sends a card again', async () => {
    const a = await seedEvent('PRIV-A', 1, 3);
    const b = await seedEvent('PRIV-B', 1, 2);
    const before = await s.simAdmin<{ privilegeInstances: number }>('GET', '/__sim/stats');
    const r = await s.run('inject-privileges', { params: { products: ['SEASON-PRIV-A'], skipTickets: [`id:${a.cards[1]}`] } });
    assert.equal(r.succeeded, 2);
    const status = async (id: string) => (await s.db.knex('card').where({ id }).first('status')).status as string;
    assert.equal(await status(a.cards[0]!), 'PRINTED');
    assert.equal(await status(a.cards[1]!), 'NOT_PRINTED', 'skipped');
    assert.equal(await status(a.cards[2]!), 'PRINTED');
    for (const id of b.cards) assert.equal(await status(id), 'NOT_PRINTED', 'other product: not selected');
    const after1 = await s.simAdmin<{ privilegeInstances: number }>('GET', '/__sim/stats');
    assert.equal(after1.privilegeInstances - before.privilegeInstances, 2, 'TIXNGO received the two cards only');
    // The skipped card by its card number this time, the other product still filtered out.
    const number = (await s.db.knex('card').where({ id: a.cards[1] }).first('card_number')).card_number as string;
    const again = await s.run('inject-privileges', { params: { products: ['SEASON-PRIV-A'], skipTickets: [number] } });
    assert.equal(again.processed, 0);
    // Force list: an already printed card is sent again (TIXNGO updates it); nothing else is selected.
    const forced = await s.run('inject-privileges', { params: { forceTickets: [`id:${a.cards[0]}`] } });
    assert.equal(forced.succeeded, 1);
    assert.equal(forced.processed, 1);
    for (const id of b.cards) assert.equal(await status(id), 'NOT_PRINTED');
  });
});

describe("date from in the interface's time zone", () => {
  test('run --date-from DD/MM/YY hh:mm: a minute before a change selects the ticket, a minute after does not (Europe/Zurich)', async () => {
    const { tickets } = await seedEvent('P-TZ', 2);
    await s.run('inject', { eventCode: 'P-TZ' });
    await s.repo.cancelTickets(tickets, 'REFUND', 'CANCELLED');
    // 10:30 and 11:30 on the Zurich wall clock (summer time, UTC+2).
    await s.db.knex('ticket').where({ id: tickets[0] }).update({ status_changed_at: '2026-07-15T08:30:00Z' });
    await s.db.knex('ticket').where({ id: tickets[1] }).update({ status_changed_at: '2026-07-15T09:30:00Z' });
    assert.equal((await s.run('push-cancelled', { eventCode: 'P-TZ' })).succeeded, 2);
    await s.db.knex('tixngo_interface').where({ id: ifaceId }).update({ time_zone: 'Europe/Zurich' });
    const env = stackCliEnv(s);
    const run = (from: string) => runCli(['run', 'push-cancelled', '--interface', s.interfaceName, '--event', 'P-TZ', '--date-from', from, '--wait', '--json'], env);
    // One after the other: runs of one function never overlap.
    const justBefore = await run('15/07/26 10:29');
    assert.equal(justBefore.code, 0, justBefore.stderr);
    assert.equal(justBefore.json<{ processed: number }>().processed, 2, '10:29 Zurich = 08:29Z: both changes are after it');
    const justAfter = await run('15/07/26 10:31');
    assert.equal(justAfter.code, 0, justAfter.stderr);
    assert.equal(justAfter.json<{ processed: number }>().processed, 1, '10:31 Zurich = 08:31Z: only the 11:30 change');
  });
});

describe('doContinueInCaseOfSyncError (feedback)', () => {
  test('true (default): the ticket S-360 cannot store is recorded and the cursor moves on; false: the run stops on it, cursor unchanged', async () => {
    const { tickets } = await seedEvent('P-SYNC', 3);
    await s.run('inject', { eventCode: 'P-SYNC' });
    await s.run('feedback');
    const bad = tickets[1]!;
    // A test-only trigger: S-360 refuses to store feedback for this one ticket.
    await s.db.knex.raw(`create function s360_test_refuse_feedback() returns trigger language plpgsql as $$
      begin if new.source = 'FEEDBACK' and new.ticket_id = ${bad} then raise exception 'refused for ticket %', new.ticket_id; end if; return new; end $$`);
    await s.db.knex.raw(`create trigger s360_test_refuse_feedback before insert on mobile_ticket_history for each row execute function s360_test_refuse_feedback()`);
    try {
      const mobile = async (id: string) => (await s.db.knex('mobile_ticket').where({ ticket_id: id }).first('tixngo_status')).tixngo_status as string;
      for (const id of tickets) await s.simAdmin('POST', `/__sim/wallet/${id}/download`);
      const r = await s.run('feedback');
      assert.equal(r.failed, 1);
      assert.match(r.failures[0]?.message ?? '', new RegExp(`ticket ${bad}: feedback not stored: .*refused for ticket ${bad}`));
      assert.equal(await mobile(tickets[0]!), 'DOWNLOADED');
      assert.equal(await mobile(bad), 'INJECTED');
      assert.equal(await mobile(tickets[2]!), 'DOWNLOADED');
      const errors = await s.repo.listOpenErrors({ fn: 'FEEDBACK' });
      assert.ok(errors.some((e) => e.itemId === bad), 'recorded in the error log');
      assert.equal((await s.run('feedback')).processed, 0, 'the cursor moved past the page: not picked up again');

      await setCustomParams({ doContinueInCaseOfSyncError: false });
      const cursor = await s.repo.getFeedbackCursor(ifaceId);
      await s.simAdmin('POST', `/__sim/wallet/${tickets[0]}/activate`);
      await s.simAdmin('POST', `/__sim/wallet/${bad}/activate`);
      const err = await s.run('feedback').then(
        () => assert.fail('the run should stop on the ticket'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowFailedError);
      assert.match(String((err.cause as Error).message), new RegExp(`doContinueInCaseOfSyncError=false.*ticket ${bad} could not be stored`));
      assert.equal(await s.repo.getFeedbackCursor(ifaceId), cursor, 'the cursor stays at the page');
      assert.equal(await mobile(tickets[0]!), 'DOWNLOADED', 'nothing of the page stored');
    } finally {
      await s.db.knex.raw(`drop trigger s360_test_refuse_feedback on mobile_ticket_history`);
      await s.db.knex.raw(`drop function s360_test_refuse_feedback()`);
      await setCustomParams({});
    }
  });
});
