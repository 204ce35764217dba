// Crash safety: SIGKILL the worker process in the middle of injecting thousands of tickets, start a new one,
// and check that every ticket is PRINTED exactly once in S-360, injected exactly once in TIXNGO, and that
// reconcile finds no divergence. The simulator answers slowly (it commits, then delays the response), so a
// kill often lands after TIXNGO accepted a batch and before S-360 recorded it: the hard case.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { seed } from '../../db/seed';
import { reconcileEvent } from '../../ops/reconcile';
import { startFunction } from '../../temporal/functions';
import { waitForRun } from '../../cli/commands/run';
import { spawnWorkerProcess, ticketsWithStatus } from '../helpers/engine';
import { createStack, eventually, type Stack } from '../helpers/stack';

const TICKETS = 4000;
let s: Stack;
const children: ChildProcess[] = [];

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await s?.close();
});

test('SIGKILL of the worker mid-injection: every ticket PRINTED once and injected once, reconcile clean', { timeout: 240_000 }, async () => {
  s = await createStack({ inProcessWorker: false });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 's360-kill-'));
  await seed(s.db.knex, { eventCode: 'KILL1', tickets: TICKETS, interfaceName: s.interfaceName });
  await s.simAdmin('POST', '/__sim/faults', { latencyMs: 250 });

  const first = spawnWorkerProcess(s, s.env.address, dataDir, children);
  const run = await startFunction(s.client, s.taskQueue, 'inject', { interfaceName: s.interfaceName, eventCode: 'KILL1', batchSize: 100 });
  // Kill it once a good part, but not all, is done.
  await eventually('some tickets PRINTED', () => ticketsWithStatus(s, 'KILL1', 'PRINTED'), (n) => n >= TICKETS / 4, 120_000);
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const atKill = await ticketsWithStatus(s, 'KILL1', 'PRINTED');
  assert.ok(atKill < TICKETS, `killed before the end (${atKill} PRINTED)`);

  await s.simAdmin('DELETE', '/__sim/faults');
  spawnWorkerProcess(s, s.env.address, dataDir, children);
  const summary = await waitForRun(s.client, run, false);
  assert.equal(summary.outcome, 'OK');
  assert.equal(await ticketsWithStatus(s, 'KILL1', 'PRINTED'), TICKETS, 'every ticket PRINTED');

  // Exactly once in S-360: one INJECTION marker and one "injected" history row per ticket.
  const markers = await s.db.knex('processing_marker').where({ function: 'INJECTION' }).count('* as n').first();
  assert.equal(Number(markers?.n), TICKETS);
  const hist = await s.db.knex('mobile_ticket_history').where({ source: 'INJECTION' }).count('* as n').first();
  assert.equal(Number(hist?.n), TICKETS);
  // Exactly once in TIXNGO.
  const stats = await s.simAdmin<{ tickets: Record<string, number>; reinjectedTickets: number }>('GET', '/__sim/stats');
  assert.equal(stats.tickets.INJECTED, TICKETS);
  assert.equal(stats.reinjectedTickets, 0, 'no ticket injected twice (injectCount > 1)');
  const report = await reconcileEvent({ repo: s.repo, secretKey: s.secretKey, interfaceName: s.interfaceName, eventCode: 'KILL1' });
  assert.equal(report.checked, TICKETS);
  assert.deepEqual(report.divergences, []);
});
