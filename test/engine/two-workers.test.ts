// Engine fault: two worker processes on the same task queue of the PostgreSQL-backed server, one SIGKILLed in the
// middle of an injection. The killed one had the run's workflow (it was alone at first, so the workflow is cached
// on its sticky queue) and possibly a batch in flight: the other takes both over. Every ticket PRINTED once,
// INJECTED once, a ticket workflow each, reconcile clean.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { seed } from '../../db/seed';
import { startFunction } from '../../temporal/functions';
import { waitForRun } from '../../cli/commands/run';
import { assertInjectedExactlyOnce, engineSkipReason, progress, spawnWorkerProcess, ticketsWithStatus, unlessWorkerExits } from '../helpers/engine';
import { createStack, eventually, type Stack } from '../helpers/stack';

const TICKETS = 1500;
const EVENT = 'TWOW1';
let s: Stack | undefined;
const children: ChildProcess[] = [];

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await s?.close();
});

test('two workers on one task queue, one SIGKILLed mid-injection: the other finishes; nothing lost, nothing injected twice, reconcile clean', { skip: engineSkipReason(), timeout: 600_000 }, async () => {
  const t0 = Date.now();
  s = await createStack({ inProcessWorker: false });
  const stack = s;
  const address = stack.env.address;
  await seed(stack.db.knex, { eventCode: EVENT, tickets: TICKETS, interfaceName: stack.interfaceName });
  await stack.simAdmin('POST', '/__sim/faults', { latencyMs: 200 });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 's360-twow-'));
  const first = spawnWorkerProcess(stack, address, dataDir, children);

  const run = await startFunction(stack.client, stack.taskQueue, 'inject', { interfaceName: stack.interfaceName, eventCode: EVENT, batchSize: 100 });
  await eventually('10% of the tickets PRINTED', () => ticketsWithStatus(stack, EVENT, 'PRINTED'), (n) => n >= TICKETS * 0.1, 300_000);
  progress(t0, 'second worker started');
  const second = spawnWorkerProcess(stack, address, dataDir, children);
  // Both polling; the first still has the workflow on its sticky queue.
  await eventually('40% of the tickets PRINTED', () => ticketsWithStatus(stack, EVENT, 'PRINTED'), (n) => n >= TICKETS * 0.4, 300_000);
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const atKill = await ticketsWithStatus(stack, EVENT, 'PRINTED');
  assert.ok(atKill < TICKETS, `killed before the end of the injection (${atKill} PRINTED)`);
  progress(t0, `first worker SIGKILLed at ${atKill} PRINTED`);
  await stack.simAdmin('DELETE', '/__sim/faults');

  const summary = await unlessWorkerExits(waitForRun(stack.client, run, false), [second]);
  await assertInjectedExactlyOnce(stack, EVENT, TICKETS, summary, t0);
});
