// The operator CLI (issue #10) on the real stack: --version, counts in ticket list, refusals named by s360 cancel/control.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { seed } from '../../db/seed';
import { runCli, stackCliEnv, type CliResult } from '../helpers/cli';
import { createStack, type Stack } from '../helpers/stack';

let s: Stack;
let e1: string[];

const cli = (...args: string[]): Promise<CliResult> => runCli(args, stackCliEnv(s));
const idsFrom = (first: string, n: number) => Array.from({ length: n }, (_, i) => String(BigInt(first) + BigInt(i)));

before(async () => {
  s = await createStack();
  e1 = idsFrom((await seed(s.db.knex, { eventCode: 'OPA', tickets: 5, interfaceName: s.interfaceName })).firstTicketId!, 5);
});
after(async () => {
  await s?.close();
});

test('--version prints the package version', async () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string };
  const r = await cli('--version');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), pkg.version);
});

test('ticket list says how many match and when it pages; --count per status', async () => {
  const page = await cli('ticket', 'list', '--event', 'OPA', '--limit', '2');
  assert.equal(page.code, 0, page.stderr);
  assert.match(page.stdout, new RegExp(`showing 2 of 5 ticket\\(s\\) of event OPA \\(next page: --after ${e1[1]}\\)`));
  const all = await cli('ticket', 'list', '--event', 'OPA');
  assert.match(all.stdout, /\n5 ticket\(s\) of event OPA\n$/);
  const count = await cli('ticket', 'list', '--event', 'OPA', '--count', '--json');
  assert.equal(count.code, 0, count.stderr);
  const c = count.json<{ total: number; byStatus: Record<string, number> }>();
  assert.equal(c.total, 5);
  assert.equal(c.byStatus.NOT_PRINTED, 5);
  assert.equal(c.byStatus.PRINTED, 0);
});

test('s360 cancel and control name every id they refuse and exit 1; the others are changed', async () => {
  const unknown = '99999999999';
  const cancel = await cli('s360', 'cancel', e1[4]!, unknown, '--reason', 'REFUND');
  assert.equal(cancel.code, 1);
  assert.match(cancel.stdout, /^1 ticket\(s\) cancelled in S-360\n/);
  assert.match(cancel.stdout, new RegExp(`refused ${unknown}: unknown in S-360`));
  assert.match(cancel.stderr, new RegExp(`1 ticket\\(s\\) refused: ${unknown}`));
  const again = await cli('s360', 'cancel', e1[4]!, '--reason', 'REFUND', '--json');
  assert.equal(again.code, 1);
  assert.deepEqual(again.json(), { changed: [], refused: [{ id: e1[4], reason: 'already CANCELLED (REFUND)' }] });

  const control = await cli('s360', 'control', e1[3]!, e1[4]!, unknown, '--json');
  assert.equal(control.code, 1);
  const r = control.json<{ changed: string[]; refused: { id: string; reason: string }[] }>();
  assert.deepEqual(r.changed, []);
  assert.deepEqual(
    r.refused.map((x) => [x.id, x.reason.split(':')[0]]),
    [
      [e1[3], 'not injected (NOT_PRINTED)'],
      [e1[4], 'already CANCELLED (REFUND)'],
      [unknown, 'unknown in S-360'],
    ],
  );
});
