// Issue #12: `ticket show` with Temporal down shows what it can read (S-360, and TIXNGO as of the last feedback), notes
// what is missing and why, and exits 3; nothing readable is exit 1. Temporal "down" is an address where nothing listens.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { seed } from '../../db/seed';
import { freePort } from '../../temporal/ports';
import { errorLineEnv, runCli } from '../helpers/cli';
import { createStack, type Stack } from '../helpers/stack';

let s: Stack;
let ticketId: string;
before(async () => {
  s = await createStack({ inProcessWorker: false });
  const res = await seed(s.db.knex, { eventCode: `SHOW${randomUUID().slice(0, 6)}`, tickets: 2, interfaceName: s.interfaceName });
  ticketId = res.firstTicketId!;
});
after(async () => {
  await s?.close();
});

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => errorLineEnv(s, extra);

test('ticket show with Temporal down: the S-360 and TIXNGO sides, a note on the missing workflow, exit code 3', async () => {
  const address = `127.0.0.1:${await freePort()}`;
  const res = await runCli(['ticket', 'show', ticketId], env({ TEMPORAL_ADDRESS: address }));
  assert.equal(res.code, 3, res.stderr);
  assert.match(res.stdout, new RegExp(`^ticket ${ticketId} `));
  assert.match(res.stdout, /\n {2}S-360 {5}NOT_PRINTED\n/);
  assert.match(res.stdout, /\n {2}TIXNGO {4}NA \(as of last feedback\)\n/);
  assert.match(res.stdout, new RegExp(`\\n  workflow  ticket-${ticketId} not read: cannot reach Temporal at TEMPORAL_ADDRESS=${address.replace(/\./g, '\\.')} `));
  assert.equal(res.stderr, `warning: ticket ${ticketId} shown in part, without its workflow (Temporal); exit code 3\n`);

  const json = await runCli(['ticket', 'show', ticketId, '--json'], env({ TEMPORAL_ADDRESS: address }));
  assert.equal(json.code, 3);
  const data = json.json<{ ticket: { id: string; status: string }; workflow: { status: string }; missing: { part: string; reason: string }[] }>();
  assert.equal(data.ticket.id, ticketId);
  assert.equal(data.ticket.status, 'NOT_PRINTED');
  assert.equal(data.workflow.status, 'UNKNOWN');
  assert.deepEqual(data.missing.map((m) => m.part), ['workflow']);
  assert.match(data.missing[0]!.reason, /TEMPORAL_ADDRESS=/);

  // With Temporal up, the same ticket shows in full, exit 0.
  const full = await runCli(['ticket', 'show', ticketId], env());
  assert.equal(full.code, 0, full.stderr);
  assert.match(full.stdout, new RegExp(`\\n  workflow  ticket-${ticketId} NOT_STARTED`));

  // Nothing readable (the database is down too): exit 1, one line naming both.
  const dbDown = `postgres://postgres@127.0.0.1:${await freePort()}/none`;
  const none = await runCli(['ticket', 'show', ticketId], env({ TEMPORAL_ADDRESS: address, DATABASE_URL: dbDown }));
  assert.equal(none.code, 1);
  assert.equal(none.stderr.trimEnd().split('\n').length, 1, none.stderr);
  assert.match(none.stderr, new RegExp(`^error: ticket ${ticketId}: nothing could be read: S-360: .+; workflow: cannot reach Temporal at TEMPORAL_ADDRESS=`));
});
