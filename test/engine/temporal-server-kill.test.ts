// Engine fault: the Temporal server (PostgreSQL persistence, 4 shards) SIGKILLed at about 40% of a 5,000-ticket
// injection, then restarted on the same databases and port. The worker process and the run carry on: every ticket
// PRINTED once in S-360, INJECTED once in TIXNGO, a ticket workflow each, reconcile clean. The simulator answers
// slowly, so the kill lands while batches are in flight (an activity the server no longer hears about). Temporal's
// databases and S-360's are on a private PostgreSQL cluster (test/helpers/engine.ts).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { seed } from '../../db/seed';
import { startFunction } from '../../temporal/functions';
import { waitForRun } from '../../cli/commands/run';
import { assertInjectedExactlyOnce, engineSkipReason, progress, spawnWorkerProcess, startOwnTemporalServer, startPrivatePostgres, ticketsWithStatus, unlessWorkerExits, type OwnTemporalServer, type PrivatePostgres } from '../helpers/engine';
import { createStack, eventually, type Stack } from '../helpers/stack';

const TICKETS = 5000;
const EVENT = 'TKILL1';
let pg: PrivatePostgres | undefined;
let own: OwnTemporalServer | undefined;
let s: Stack | undefined;
const children: ChildProcess[] = [];

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await s?.close();
  await own?.close();
  pg?.stop();
});

test('Temporal server SIGKILLed mid-injection of 5,000 tickets and restarted: nothing lost, nothing injected twice, reconcile clean', { skip: engineSkipReason(), timeout: 600_000 }, async () => {
  const t0 = Date.now();
  // A PostgreSQL cluster of its own: the machine's shared server has too few connections for a second Temporal server.
  pg = await startPrivatePostgres();
  own = await startOwnTemporalServer(pg.url);
  progress(t0, `Temporal server on ${own.server.address}`);
  const address = own.server.address;
  s = await createStack({ inProcessWorker: false, temporalAddress: address, databaseServerUrl: pg.url });
  const stack = s;
  await seed(stack.db.knex, { eventCode: EVENT, tickets: TICKETS, interfaceName: stack.interfaceName });
  await stack.simAdmin('POST', '/__sim/faults', { latencyMs: 200 });
  const worker = spawnWorkerProcess(stack, address, fs.mkdtempSync(path.join(os.tmpdir(), 's360-tkill-')), children);

  const run = await startFunction(stack.client, stack.taskQueue, 'inject', { interfaceName: stack.interfaceName, eventCode: EVENT, batchSize: 100 });
  await eventually('40% of the tickets PRINTED', () => ticketsWithStatus(stack, EVENT, 'PRINTED'), (n) => n >= TICKETS * 0.4, 300_000);
  own.server.kill('SIGKILL');
  const atKill = await ticketsWithStatus(stack, EVENT, 'PRINTED');
  progress(t0, `Temporal server SIGKILLed at ${atKill} PRINTED`);
  assert.ok(atKill < TICKETS, `killed before the end of the injection (${atKill} PRINTED)`);
  // Down for a moment: the worker's polls and the in-flight batch's completion fail meanwhile.
  await new Promise((r) => setTimeout(r, 3_000));
  await own.server.restart();
  progress(t0, 'Temporal server restarted');
  await stack.simAdmin('DELETE', '/__sim/faults');

  // The same worker process rides out the restart (a worker that exits fails the test here).
  const summary = await unlessWorkerExits(waitForRun(stack.client, run, false), [worker]);
  await assertInjectedExactlyOnce(stack, EVENT, TICKETS, summary, t0);
});
