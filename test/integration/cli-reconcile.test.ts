// `reconcile` without --event (issue #10) on the real stack: every event of the interface, page by page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { seed } from '../../db/seed';
import { runCli, stackCliEnv, type CliResult } from '../helpers/cli';
import { createStack, type Stack } from '../helpers/stack';

let s: Stack;
let e1: string[];
let e2: string[];

const cli = (...args: string[]): Promise<CliResult> => runCli(args, stackCliEnv(s));
const idsFrom = (first: string, n: number) => Array.from({ length: n }, (_, i) => String(BigInt(first) + BigInt(i)));

before(async () => {
  s = await createStack();
  e1 = idsFrom((await seed(s.db.knex, { eventCode: 'OPA', tickets: 5, interfaceName: s.interfaceName })).firstTicketId!, 5);
  e2 = idsFrom((await seed(s.db.knex, { eventCode: 'OPB', tickets: 3, interfaceName: s.interfaceName })).firstTicketId!, 3);
});
after(async () => {
  await s?.close();
});

test('reconcile without --event checks every event of the interface, page by page, and exits 1 on a divergence', async () => {
  const inject = await cli('run', 'inject', '--interface', s.interfaceName, '--wait');
  assert.equal(inject.code, 0, inject.stderr + inject.stdout);
  const clean = await cli('reconcile', '--interface', s.interfaceName, '--page-size', '2', '--json');
  assert.equal(clean.code, 0, clean.stderr);
  const c = clean.json<{ checked: number; divergenceCount: number; events: { eventCode: string; checked: number }[] }>();
  assert.equal(c.checked, 8);
  assert.deepEqual(c.events.map((e) => [e.eventCode, e.checked]), [['OPA', 5], ['OPB', 3]]);

  await s.repo.cancelTickets([e1[0]!, e2[2]!], 'REFUND', 'CANCELLED');
  const diverged = await cli('reconcile', '--interface', s.interfaceName, '--page-size', '3', '--json');
  assert.equal(diverged.code, 1, diverged.stderr);
  const d = diverged.json<{ divergenceCount: number; divergences: { ticketId: string; eventCode: string }[]; tixngoCalls: number }>();
  assert.deepEqual(d.divergences.map((x) => [x.eventCode, x.ticketId]), [['OPA', e1[0]], ['OPB', e2[2]]]);
  assert.equal(d.tixngoCalls, 3, 'one TIXNGO read per page of 3');
  const human = await cli('reconcile', '--interface', s.interfaceName);
  assert.equal(human.code, 1);
  assert.match(human.stdout, /checked 8 ticket\(s\) of interface \S+, every event \(2\): 2 divergence\(s\)/);
  assert.match(human.stdout, /event OPB: 3 checked, 1 divergence\(s\)/);
  const push = await cli('run', 'push-cancelled', '--interface', s.interfaceName, '--wait');
  assert.equal(push.code, 0, push.stderr + push.stdout);
  assert.equal((await cli('reconcile', '--interface', s.interfaceName)).code, 0);
});
