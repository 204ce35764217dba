// Feedback against what TIXNGO really sends (issue #10): statuses outside the V3 list (V4, legacy, new ones), tickets
// S-360 does not know, and the skip list by ticket number. Real Temporal dev server, worker with real activities,
// TIXNGO simulator over HTTP, S-360 on the real PostgreSQL server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ticketWorkflowId } from '../../common/ids';
import type { TicketState } from '../../common/lifecycle';
import { seed } from '../../db/seed';
import { sampleTicket } from '../../simulator/fixtures';
import { getStateQuery } from '../../workflows/messages';
import { createStack, eventually, type Stack } from '../helpers/stack';

let s: Stack;
let ids: string[] = [];

async function mobile(id: string): Promise<{ tixngo_status: string | null; tixngo_raw_status: string | null }> {
  return s.db.knex('mobile_ticket').where({ ticket_id: id }).first('tixngo_status', 'tixngo_raw_status');
}
async function cursor(): Promise<string | null> {
  return s.repo.getFeedbackCursor((await s.repo.getInterfaceByName(s.interfaceName))!.id);
}
async function waitTicket(id: string, pred: (st: TicketState) => boolean, what: string): Promise<TicketState> {
  return eventually(
    `ticket ${id}: ${what}`,
    () => s.client.workflow.getHandle(ticketWorkflowId(id)).query(getStateQuery).catch(() => undefined),
    (st) => st !== undefined && pred(st),
  ) as Promise<TicketState>;
}

before(async () => {
  s = await createStack();
  const res = await seed(s.db.knex, { eventCode: 'FB1', tickets: 8, product: 'match', interfaceName: s.interfaceName });
  ids = Array.from({ length: 8 }, (_, i) => String(BigInt(res.firstTicketId!) + BigInt(i)));
  const injected = await s.run('inject');
  assert.equal(injected.succeeded, 8);
  // The injections themselves are in the feed: read them once, so each test sees only its own changes.
  const first = await s.run('feedback');
  assert.equal(first.outcome, 'OK');
});
after(async () => {
  await s?.close();
});

describe('feedback', () => {
  test('a ticket S-360 does not know is counted as unknown and logged; the run stays OK', async () => {
    const r = await fetch(s.sim.interfaceUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-TIXNGO-KEY': 'test-api-key' },
      body: JSON.stringify({ tickets: [sampleTicket('FOREIGN', 1)] }),
    });
    assert.equal(r.status, 200, await r.text());
    await s.simAdmin('POST', `/__sim/wallet/${ids[0]!}/download`);
    const summary = await s.run('feedback');
    assert.equal(summary.outcome, 'OK', 'an unknown ticket alone is no anomaly of this run');
    assert.equal(summary.processed, 2);
    assert.equal(summary.unknown, 1);
    assert.equal(summary.skipped, 0);
    assert.equal(summary.succeeded, 1);
    assert.equal((await mobile(ids[0]!)).tixngo_status, 'DOWNLOADED');
  });

  test('an unknown TIXNGO status does not stall the feed: page stored, cursor moved, error row, other tickets updated', async () => {
    const [odd, v4, legacy, plain] = [ids[1]!, ids[2]!, ids[3]!, ids[4]!];
    const before = await cursor();
    await s.simAdmin('POST', `/__sim/tickets/${odd}/status`, { status: 'WHATEVER' });
    await s.simAdmin('POST', `/__sim/tickets/${v4}/status`, { status: 'NOT_DOWNLOADED' });
    await s.simAdmin('POST', `/__sim/tickets/${legacy}/status`, { status: 'RECEIVED' });
    await s.simAdmin('POST', `/__sim/wallet/${plain}/download`);
    assert.equal((await s.simAdmin<{ status: string }>('GET', `/__sim/tickets/${odd}`)).status, 'WHATEVER', 'the simulator reports the raw status');

    const summary = await s.run('feedback');
    assert.equal(summary.processed, 4);
    assert.equal(summary.failed, 0);
    assert.equal(summary.skipped, 1, 'the ticket whose status is not understood');
    assert.equal(summary.outcome, 'WARNING');
    assert.notEqual(await cursor(), before, 'the cursor moved past the page');

    assert.deepEqual(await mobile(plain), { tixngo_status: 'DOWNLOADED', tixngo_raw_status: 'DOWNLOADED' });
    assert.deepEqual(await mobile(v4), { tixngo_status: 'INJECTED', tixngo_raw_status: 'NOT_DOWNLOADED' });
    assert.deepEqual(await mobile(legacy), { tixngo_status: 'DOWNLOADED', tixngo_raw_status: 'RECEIVED' });
    assert.deepEqual(await mobile(odd), { tixngo_status: 'INJECTED', tixngo_raw_status: 'WHATEVER' }, 'raw status stored, last known status kept');
    const history = await s.db.knex('mobile_ticket_history').where({ ticket_id: odd, source: 'FEEDBACK', tixngo_raw_status: 'WHATEVER' }).count('* as n').first();
    assert.equal(Number(history!.n), 1);

    const errors = (await s.repo.listOpenErrors({ fn: 'FEEDBACK' })).filter((e) => e.itemId === odd);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, new RegExp(`ticket ${odd}.*WHATEVER`));

    // The workflows hear the mapped statuses; the one with an unknown status is not signalled.
    await waitTicket(legacy, (st) => st.tixngoStatus === 'DOWNLOADED', 'DOWNLOADED from legacy RECEIVED');
    await waitTicket(plain, (st) => st.tixngoStatus === 'DOWNLOADED', 'DOWNLOADED');
    assert.equal((await s.client.workflow.getHandle(ticketWorkflowId(odd)).query(getStateQuery)).tixngoStatus, 'INJECTED');

    // Once TIXNGO reports a status S-360 knows again, the error is resolved.
    await s.simAdmin('POST', `/__sim/wallet/${odd}/download`);
    const next = await s.run('feedback');
    assert.equal(next.outcome, 'OK');
    assert.deepEqual(await mobile(odd), { tixngo_status: 'DOWNLOADED', tixngo_raw_status: 'DOWNLOADED' });
    assert.equal((await s.repo.listOpenErrors({ fn: 'FEEDBACK' })).filter((e) => e.itemId === odd).length, 0);
  });

  test('the skip list skips by ticket number as well as by id', async () => {
    const [byTax, byId, other] = [ids[5]!, ids[6]!, ids[7]!];
    const row = await s.db.knex('ticket').where({ id: byTax }).first('tax_number');
    for (const t of [byTax, byId, other]) await s.simAdmin('POST', `/__sim/wallet/${t}/download`);
    const summary = await s.run('feedback', { params: { skipTickets: [String(row.tax_number), `id:${byId}`] } });
    assert.equal(summary.processed, 3);
    assert.equal(summary.skipped, 2);
    assert.equal((await mobile(byTax)).tixngo_status, 'INJECTED', 'skipped by ticket number');
    assert.equal((await mobile(byId)).tixngo_status, 'INJECTED', 'skipped by id');
    assert.equal((await mobile(other)).tixngo_status, 'DOWNLOADED');
  });
});
