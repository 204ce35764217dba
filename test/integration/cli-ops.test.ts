// The operator CLI as S-360 integrators and on-call engineers use it, against the real stack.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { seed } from '../../db/seed';
import { ticketWorkflowId } from '../../common/ids';
import { getStateQuery } from '../../workflows/messages';
import { runCli, stackCliEnv } from '../helpers/cli';
import { createStack, eventually, type Stack } from '../helpers/stack';

let s: Stack;
let ids: string[];

const cli = (...args: string[]) => runCli(args, stackCliEnv(s));

before(async () => {
  s = await createStack();
  const res = await seed(s.db.knex, { eventCode: 'CLI1', tickets: 6, interfaceName: s.interfaceName });
  ids = Array.from({ length: 6 }, (_, i) => String(BigInt(res.firstTicketId!) + BigInt(i)));
});
after(async () => {
  await s?.close();
});

test('run --wait exits non-zero when a ticket failed; failures, ticket show and ticket retry tell and fix it', async () => {
  const bad = ids[2]!;
  await s.db.knex('ticket').where({ id: bad }).update({ barcode: '' });

  const run = await cli('run', 'inject', '--interface', s.interfaceName, '--event', 'CLI1', '--wait', '--json');
  assert.equal(run.code, 1, run.stderr);
  const summary = run.json() as { outcome: string; succeeded: number; failed: number; failures: { itemId: string; field?: string }[] };
  assert.equal(summary.outcome, 'ERROR');
  assert.equal(summary.succeeded, 5);
  assert.deepEqual(summary.failures.map((f) => [f.itemId, f.field]), [[bad, 'security.barcode']]);

  const failures = await cli('failures', '--interface', s.interfaceName, '--json');
  assert.equal(failures.code, 0, failures.stderr);
  assert.deepEqual((failures.json() as { itemId: string; function: string }[]).map((f) => [f.function, f.itemId]), [['INJECTION', bad]]);

  await eventually('bad ticket needs attention', () => s.client.workflow.getHandle(ticketWorkflowId(bad)).query(getStateQuery).catch(() => undefined), (st) => st?.needsAttention === true);
  const show = await cli('ticket', 'show', bad, '--json');
  assert.equal(show.code, 0, show.stderr);
  const view = show.json() as { ticket: { status: string }; workflow: { status: string; state?: { step: string; needsAttention: boolean } }; openErrors: unknown[] };
  assert.equal(view.ticket.status, 'NOT_PRINTED');
  assert.equal(view.workflow.status, 'RUNNING');
  assert.equal(view.workflow.state?.step, 'AWAITING_INJECTION');
  assert.equal(view.openErrors.length, 1);
  assert.match((await cli('ticket', 'show', bad)).stdout, /NEEDS ATTENTION/);

  await s.db.knex('ticket').where({ id: bad }).update({ barcode: 'FIXED-1' });
  const retry = await cli('ticket', 'retry', bad, '--json');
  assert.equal(retry.code, 0, retry.stderr);
  assert.equal((retry.json() as { retried: boolean }).retried, true);
  await eventually('retried ticket injected', () => s.client.workflow.getHandle(ticketWorkflowId(bad)).query(getStateQuery), (st) => st.step === 'INJECTED');
  const again = await cli('ticket', 'retry', bad, '--json');
  assert.equal((again.json() as { retried: boolean; message: string }).retried, false);
  assert.match((again.json() as { message: string }).message, /nothing to retry/);
});

test('reconcile exits 1 while S-360 and TIXNGO disagree, 0 once the push carried the change', async () => {
  assert.equal((await cli('reconcile', '--event', 'CLI1', '--interface', s.interfaceName)).code, 0);
  const cancel = await cli('s360', 'cancel', ids[0]!, '--reason', 'REFUND');
  assert.equal(cancel.code, 0, cancel.stderr);
  const diverged = await cli('reconcile', '--event', 'CLI1', '--interface', s.interfaceName, '--json');
  assert.equal(diverged.code, 1);
  assert.deepEqual((diverged.json() as { divergences: { ticketId: string }[] }).divergences.map((d) => d.ticketId), [ids[0]]);
  const push = await cli('run', 'push-cancelled', '--interface', s.interfaceName, '--wait');
  assert.equal(push.code, 0, push.stderr + push.stdout);
  assert.equal((await cli('reconcile', '--event', 'CLI1', '--interface', s.interfaceName)).code, 0);
});

test('bad input gets a one-line error naming the problem', async () => {
  const r = await cli('run', 'inject', '--interface', s.interfaceName, '--batch-size', '0');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^error: --batch-size must be an integer between 1 and 10000\n$/);
  const u = await cli('run', 'publish');
  assert.match(u.stderr, /unknown function 'publish'/);
  const t = await cli('ticket', 'retry', '999999999');
  assert.match(t.stderr, /no running workflow ticket-999999999/);
});

test('s360 reprint refuses, naming the ticket, what it cannot reprint and writes nothing; prints the old -> new mapping', async () => {
  const printed = ids[3]!;
  const refused = await cli('s360', 'reprint', printed, ids[0]!, '999999999');
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr, `error: nothing reprinted: ticket 999999999 not found in S-360; ticket ${ids[0]} is CANCELLED already\n`);
  assert.equal((await s.db.knex('ticket').where({ id: printed }).first('status'))?.status, 'PRINTED', 'all or nothing');
  assert.equal(Number((await s.db.knex('ticket').whereNotNull('replaced_ticket_id').count('* as n').first())?.n), 0);

  const noEmail = await cli('s360', 'reprint', printed, '--holder-first-name', 'Bea');
  assert.match(noEmail.stderr, /need --holder-email/);

  const ok = await cli('s360', 'reprint', printed, '--reason', 'MOBILE_TAKE_BACK', '--holder-email', 'b2b@example.org', '--json');
  assert.equal(ok.code, 0, ok.stderr);
  const mapping = ok.json() as { replaced: string; ticketId: string }[];
  assert.equal(mapping.length, 1);
  assert.equal(mapping[0]!.replaced, printed);
  const old = await s.db.knex('ticket').where({ id: printed }).first('status', 'invalidation_reason');
  assert.deepEqual({ ...old }, { status: 'INVALIDATED', invalidation_reason: 'MOBILE_TAKE_BACK' });
  const nu = await s.db.knex('ticket').where({ id: mapping[0]!.ticketId }).first('status', 'holder_email', 'replaced_ticket_id');
  assert.deepEqual({ ...nu, replaced_ticket_id: String(nu?.replaced_ticket_id) }, { status: 'NOT_PRINTED', holder_email: 'b2b@example.org', replaced_ticket_id: printed });

  const again = await cli('s360', 'reprint', printed);
  assert.match(again.stderr, new RegExp(`ticket ${printed} is INVALIDATED already`));
  const show = await cli('ticket', 'show', mapping[0]!.ticketId);
  assert.match(show.stdout, new RegExp(`replaces  ${printed} \\(INVALIDATED, MOBILE_TAKE_BACK\\)`));
});
