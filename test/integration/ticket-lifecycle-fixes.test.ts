// Issue #10, ticket workflow side, on the real stack (Temporal dev server, worker with the real activities, TIXNGO
// simulator over HTTP, S-360 on PostgreSQL): a deletion S-360 did not ask for needs attention; a ticket cancelled
// before TIXNGO ever had it ends CANCELLED_BEFORE_INJECTION; the cancel signal's showDeletedTicket is honoured.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ERR_UNEXPECTED_DELETION } from '../../common/errors';
import { ticketWorkflowId } from '../../common/ids';
import type { TicketState } from '../../common/lifecycle';
import { NeedsAttentionKey } from '../../common/search-attributes';
import { seed } from '../../db/seed';
import { cancelSignal, getStateQuery, requestRetryUpdate } from '../../workflows/messages';
import { createStack, eventually, type Stack } from '../helpers/stack';

interface SimTicket {
  ticketId: string;
  status: string;
  showDeletedTicket?: boolean;
  deletionReason?: string;
}

const lifecycle = { deletionPollInitialMs: 100, deletionPollMaxMs: 400, deletionConfirmTimeoutMs: 20_000 };

let s: Stack;
let ids: string[] = [];
const handle = (id: string) => s.client.workflow.getHandle(ticketWorkflowId(id));
const simTicket = (id: string) => s.simAdmin<SimTicket>('GET', `/__sim/tickets/${id}`);

async function waitTicket(id: string, pred: (st: TicketState) => boolean, what: string): Promise<TicketState> {
  return eventually(
    `ticket ${id}: ${what}`,
    () => handle(id).query(getStateQuery).catch(() => undefined),
    (st) => st !== undefined && pred(st),
  ) as Promise<TicketState>;
}

/** A deletion made in TIXNGO directly (the organizer API, as the TIXNGO back office would), not by S-360. */
async function deleteInTixngo(id: string): Promise<void> {
  const res = await fetch(`${s.sim.url}/v3/organizer/tickets/delete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-TIXNGO-KEY': 'test-api-key' },
    body: JSON.stringify({ tickets: [{ ticketId: id, reason: 'BACK_OFFICE', showDeletedTicket: false }] }),
  });
  assert.equal(res.status, 200, await res.text());
}

before(async () => {
  s = await createStack({ sim: { deletionDelayMs: 200 } });
  const res = await seed(s.db.knex, { eventCode: 'TLF', tickets: 6, product: 'match', interfaceName: s.interfaceName });
  ids = Array.from({ length: 6 }, (_, i) => String(BigInt(res.firstTicketId!) + BigInt(i)));
  // ids[1] is never injected: TIXNGO refuses it (no e-mail).
  await s.db.knex('ticket').where({ id: ids[1] }).update({ holder_email: null });
  // §3.3: REPRINT forces showDeletedTicket=true; isShowDeletedTicket is the older name of visibilityFlagDefaultValue.
  await s.db.knex('tixngo_interface').where({ name: s.interfaceName }).update({
    custom_params: JSON.stringify({ overrideVisibilityFlagForInvalidationReasons: 'REPRINT', isShowDeletedTicket: true }),
  });
  const summary = await s.run('inject', { options: { lifecycle } });
  assert.equal(summary.succeeded, 5);
});
after(async () => {
  await s?.close();
});

describe('ticket lifecycle (issue #10)', () => {
  test('a deletion S-360 did not ask for: needs attention with an error row; retry acknowledges it', async () => {
    const id = ids[0]!;
    await waitTicket(id, (st) => st.step === 'INJECTED', 'INJECTED');
    await deleteInTixngo(id);
    await eventually('DELETED in TIXNGO', () => simTicket(id), (t) => t.status === 'DELETED');
    await s.run('feedback');

    const st = await waitTicket(id, (x) => x.needsAttention, 'needs attention');
    assert.equal(st.step, 'INJECTED', 'S-360 still has it printed: not DELETED');
    assert.equal(st.tixngoStatus, 'DELETED');
    assert.equal(st.lastError?.type, ERR_UNEXPECTED_DELETION);
    assert.match(st.lastError?.message ?? '', new RegExp(`ticket ${id} .*DELETED`));
    const desc = await handle(id).describe();
    assert.equal(desc.status.name, 'RUNNING');
    assert.equal(desc.typedSearchAttributes.get(NeedsAttentionKey), true);
    const errors = (await s.repo.listOpenErrors({ fn: 'FEEDBACK' })).filter((e) => e.itemId === id);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /DELETED/);

    // The operator has looked: retry acknowledges the deletion; the workflow follows TIXNGO and ends.
    const r = await handle(id).executeUpdate(requestRetryUpdate);
    assert.equal(r.retried, true);
    const final = (await handle(id).result()) as TicketState;
    assert.deepEqual([final.step, final.needsAttention, final.tixngoStatus], ['DELETED', false, 'DELETED']);
  });

  test('a ticket cancelled before it was ever injected: CANCELLED_BEFORE_INJECTION, no TIXNGO status, completes', async () => {
    const id = ids[1]!;
    await waitTicket(id, (st) => st.needsAttention && st.step === 'AWAITING_INJECTION', 'rejected at injection');
    await handle(id).signal(cancelSignal, { reason: 'REFUND' });
    const final = (await handle(id).result()) as TicketState;
    assert.equal(final.step, 'CANCELLED_BEFORE_INJECTION');
    assert.equal(final.tixngoStatus, undefined);
    assert.equal(final.s360Status, 'CANCELLED');
    assert.equal((await s.db.knex('ticket').where({ id }).first('status'))?.status, 'CANCELLED');
  });

  test('the cancel signal showDeletedTicket wins over the reason rule; absent, the rule (and isShowDeletedTicket) applies', async () => {
    const [explicitFalse, byReason, byDefault] = [ids[2]!, ids[3]!, ids[4]!];
    for (const id of [explicitFalse, byReason, byDefault]) await waitTicket(id, (st) => st.step === 'INJECTED', 'INJECTED');
    await handle(explicitFalse).signal(cancelSignal, { reason: 'REPRINT', status: 'INVALIDATED', showDeletedTicket: false });
    await handle(byReason).signal(cancelSignal, { reason: 'REPRINT', status: 'INVALIDATED' });
    await handle(byDefault).signal(cancelSignal, { reason: 'REFUND' });
    for (const id of [explicitFalse, byReason, byDefault]) await eventually(`deletion of ${id} sent`, () => simTicket(id), (t) => t.status === 'DELETION_PENDING' || t.status === 'DELETED');
    assert.equal((await simTicket(explicitFalse)).showDeletedTicket, false, 'explicit false beats the REPRINT override');
    assert.equal((await simTicket(byReason)).showDeletedTicket, true, 'REPRINT is listed');
    assert.equal((await simTicket(byDefault)).showDeletedTicket, true, 'isShowDeletedTicket=true: the default is true');
  });
});
