// The S-360 function parameters and custom parameters that change selection or payload, each proved through
// what the TIXNGO simulator received.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ERR_KILL_RATIO } from '../../common/errors';
import { seed } from '../../db/seed';
import { createStack, type Stack } from '../helpers/stack';

interface SimTicket {
  ticketId: string;
  status: string;
  injectCount: number;
  showDeletedTicket?: boolean;
  deletionReason?: string;
  history: { action: string; detail?: string }[];
}

let s: Stack;
const eventIds: Record<string, string[]> = {};

async function seedEvent(code: string, n: number): Promise<string[]> {
  const r = await seed(s.db.knex, { eventCode: code, tickets: n, interfaceName: s.interfaceName });
  eventIds[code] = Array.from({ length: n }, (_, i) => String(BigInt(r.firstTicketId!) + BigInt(i)));
  return eventIds[code]!;
}
async function simTicket(id: string): Promise<SimTicket | undefined> {
  try {
    return await s.simAdmin<SimTicket>('GET', `/__sim/tickets/${id}`);
  } catch {
    return undefined;
  }
}
async function taxNumber(id: string): Promise<string> {
  return String((await s.db.knex('ticket').where({ id }).first('tax_number')).tax_number);
}

before(async () => {
  s = await createStack();
});
after(async () => {
  await s?.close();
});

describe('injection parameters', () => {
  test('force list: only the listed tickets (by number or id:), and a forced ticket is sent again', async () => {
    const ids = await seedEvent('P-FORCE', 6);
    const r1 = await s.run('inject', { eventCode: 'P-FORCE', params: { forceTickets: [await taxNumber(ids[0]!), `id:${ids[1]}`] } });
    assert.equal(r1.succeeded, 2);
    assert.equal((await simTicket(ids[0]!))?.injectCount, 1);
    assert.equal((await simTicket(ids[1]!))?.injectCount, 1);
    assert.equal(await simTicket(ids[2]!), undefined, 'not in the force list: not sent');
    const r2 = await s.run('inject', { params: { forceTickets: [`id:${ids[0]}`] } });
    assert.equal(r2.succeeded, 1);
    assert.equal((await simTicket(ids[0]!))?.injectCount, 2, 'forced: re-injected although already processed');
  });

  test('skip list: skipped tickets are not sent and stay NOT_PRINTED; the run says WARNING', async () => {
    const ids = await seedEvent('P-SKIP', 4);
    const r = await s.run('inject', { eventCode: 'P-SKIP', params: { skipTickets: [`id:${ids[2]}`] } });
    assert.equal(r.outcome, 'WARNING');
    assert.equal(r.succeeded, 3);
    assert.equal(r.skipped, 1);
    assert.equal(await simTicket(ids[2]!), undefined);
    assert.equal((await s.db.knex('ticket').where({ id: ids[2] }).first('status')).status, 'NOT_PRINTED');
  });

  test('mandatory holder fields: tickets lacking them wait silently (counted, no error, run OK), then go once filled', async () => {
    const ids = await seedEvent('P-MAND', 3);
    await s.db.knex('ticket').where({ id: ids[1] }).update({ holder_birthdate: null });
    const r = await s.run('inject', { eventCode: 'P-MAND', params: { mandatoryHolderFields: ['FIRSTNAME', 'BIRTHDATE'] } });
    assert.equal(r.outcome, 'OK');
    assert.equal(r.succeeded, 2);
    assert.equal(r.waiting, 1);
    assert.equal(r.skipped, 0);
    assert.equal(await simTicket(ids[1]!), undefined, 'held back');
    const errors = await s.repo.listOpenErrors({ fn: 'INJECTION' });
    assert.equal(errors.find((e) => e.itemId === ids[1]), undefined, 'no error row for a waiting ticket');
    await s.db.knex('ticket').where({ id: ids[1] }).update({ holder_birthdate: '1990-01-01' });
    const again = await s.run('inject', { eventCode: 'P-MAND', params: { mandatoryHolderFields: ['FIRSTNAME', 'BIRTHDATE'] } });
    assert.equal(again.succeeded, 1);
    assert.equal((await simTicket(ids[1]!))?.status, 'INJECTED');
  });

  test('filters and simulation mode: only matching tickets; a simulation sends and marks nothing', async () => {
    const ids = await seedEvent('P-FILT', 10);
    const cats = (await s.db.knex('ticket').whereIn('id', ids).select('id', 'category')) as { id: string; category: string }[];
    const category = cats[0]!.category;
    const expected = cats.filter((c) => c.category === category).map((c) => String(c.id));
    const sim = await s.run('inject', { eventCode: 'P-FILT', params: { categories: [category], simulationMode: true } });
    assert.equal(sim.succeeded, 0);
    assert.equal(sim.skipped, expected.length);
    assert.equal(await simTicket(expected[0]!), undefined, 'simulation: nothing sent');
    const real = await s.run('inject', { eventCode: 'P-FILT', params: { categories: [category] } });
    assert.equal(real.succeeded, expected.length);
    const other = cats.find((c) => c.category !== category);
    if (other) assert.equal(await simTicket(String(other.id)), undefined, 'other categories untouched');
  });
});

describe('push parameters', () => {
  test('date from re-sends every ticket changed since, processed or not; the visibility flag follows §3.3', async () => {
    const ids = await seedEvent('P-DATE', 3);
    await s.run('inject', { eventCode: 'P-DATE' });
    const iface = (await s.repo.getInterfaceByName(s.interfaceName))!;
    await s.db.knex('tixngo_interface').where({ id: iface.id }).update({ custom_params: JSON.stringify({ overrideVisibilityFlagForInvalidationReasons: 'REPRINT' }) });
    await s.repo.cancelTickets([ids[0]!], 'REPRINT', 'INVALIDATED');
    await s.repo.cancelTickets([ids[1]!], 'REFUND', 'CANCELLED');
    const first = await s.run('push-cancelled', { eventCode: 'P-DATE' });
    assert.equal(first.succeeded, 2);
    const reprint = await simTicket(ids[0]!);
    const refund = await simTicket(ids[1]!);
    assert.equal(reprint?.showDeletedTicket, true, 'REPRINT is listed: visible');
    assert.equal(reprint?.deletionReason, 'REPRINT');
    assert.equal(refund?.showDeletedTicket, false, 'default false');
    assert.equal((await s.run('push-cancelled', { eventCode: 'P-DATE' })).processed, 0, 'processed: not again');
    const since = await s.run('push-cancelled', { eventCode: 'P-DATE', params: { dateFrom: new Date(Date.now() - 3_600_000).toISOString() } });
    assert.equal(since.processed, 2, 'date from: both again');
    const notify = await s.run('push-cancelled', { eventCode: 'P-DATE', notifySpectator: true, params: { dateFrom: new Date(Date.now() - 3_600_000).toISOString() } });
    assert.equal(notify.succeeded, 2);
    const refundAfter = await simTicket(ids[1]!);
    assert.equal(refundAfter?.showDeletedTicket, true, 'Notify spectator: showDeletedTicket=true');
  });
});

describe('custom parameters', () => {
  test('killRatio aborts a run whose failure ratio exceeds it', async () => {
    const ids = await seedEvent('P-KILL', 10);
    await s.db.knex('ticket').whereIn('id', ids.slice(0, 6)).update({ holder_email: null });
    const iface = (await s.repo.getInterfaceByName(s.interfaceName))!;
    await s.db.knex('tixngo_interface').where({ id: iface.id }).update({ custom_params: JSON.stringify({ killRatio: 0.5 }) });
    const err = await s.run('inject', { eventCode: 'P-KILL', batchSize: 10 }).then(
      () => assert.fail('the run should be killed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError);
    assert.equal((err.cause as { type?: string }).type, ERR_KILL_RATIO);
    assert.match(String((err.cause as Error).message), /6 of 10 tickets failed, above killRatio 0.5/);
  });

  test('unknown custom parameters are refused with the list of known ones', async () => {
    await assert.rejects(
      s.repo.addInterface({ name: 'bad-params', url: s.sim.interfaceUrl, loginEmail: 'a@example.org', apiKey: 'k', customParams: { killratio: 0.5 } }, s.secretKey),
      /customParams: unknown parameter 'killratio'; known: enforceMandatoryParameters, ticketIterationSize/,
    );
    await assert.rejects(
      s.repo.addInterface({ name: 'bad-params2', url: s.sim.interfaceUrl, loginEmail: 'a@example.org', apiKey: 'k', customParams: { killRatio: 2 } }, s.secretKey),
      /customParams: killRatio: /,
    );
  });
});
