// Engine fault: PostgreSQL restarted in the middle of an injection, on a private cluster (the machine's shared
// server is left alone) that holds both the S-360 database and Temporal's two databases (4 shards): every client,
// the worker's S-360 pool and the Temporal server's persistence, loses its connections and the server is gone for a
// few seconds. The run carries on with the same processes: every ticket PRINTED once, INJECTED once, a ticket
// workflow each, reconcile clean.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { seed } from '../../db/seed';
import { startFunction } from '../../temporal/functions';
import { waitForRun } from '../../cli/commands/run';
import {
  assertInjectedExactlyOnce,
  engineSkipReason,
  progress,
  spawnWorkerProcess,
  startOwnTemporalServer,
  startPrivatePostgres,
  ticketsWithStatus,
  unlessWorkerExits,
  type OwnTemporalServer,
  type PrivatePostgres,
} from '../helpers/engine';
import { createStack, eventually, type Stack } from '../helpers/stack';

const TICKETS = 1500;
const EVENT = 'PGRST1';
let pg: PrivatePostgres | undefined;
let own: OwnTemporalServer | undefined;
let s: Stack | undefined;
const children: ChildProcess[] = [];

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await s?.close().catch(() => undefined);
  await own?.close();
  pg?.stop();
});

test('PostgreSQL restarted mid-injection under both S-360 and Temporal: nothing lost, nothing injected twice, reconcile clean', { skip: engineSkipReason(), timeout: 600_000 }, async () => {
  const t0 = Date.now();
  pg = await startPrivatePostgres();
  own = await startOwnTemporalServer(pg.url);
  progress(t0, `private PostgreSQL on port ${pg.port}, Temporal server on ${own.server.address}`);
  const address = own.server.address;
  s = await createStack({ inProcessWorker: false, temporalAddress: address, databaseServerUrl: pg.url });
  const stack = s;
  await seed(stack.db.knex, { eventCode: EVENT, tickets: TICKETS, interfaceName: stack.interfaceName });
  await stack.simAdmin('POST', '/__sim/faults', { latencyMs: 200 });
  const worker = spawnWorkerProcess(stack, address, fs.mkdtempSync(path.join(os.tmpdir(), 's360-pgrst-')), children);

  const run = await startFunction(stack.client, stack.taskQueue, 'inject', { interfaceName: stack.interfaceName, eventCode: EVENT, batchSize: 100 });
  await eventually('30% of the tickets PRINTED', () => ticketsWithStatus(stack, EVENT, 'PRINTED'), (n) => n >= TICKETS * 0.3, 300_000);
  progress(t0, `restarting PostgreSQL at ${await ticketsWithStatus(stack, EVENT, 'PRINTED')} PRINTED`);
  await pg.restart(3_000);
  progress(t0, 'PostgreSQL back');
  // The test's own pool lost its connections too; the query is retried until one is back.
  const afterRestart = await eventually('S-360 readable again', () => ticketsWithStatus(stack, EVENT, 'PRINTED').catch(() => -1), (n) => n >= 0, 60_000);
  assert.ok(afterRestart < TICKETS, `restarted before the end of the injection (${afterRestart} PRINTED)`);
  await stack.simAdmin('DELETE', '/__sim/faults');

  const summary = await unlessWorkerExits(waitForRun(stack.client, run, false), [worker]);
  await assertInjectedExactlyOnce(stack, EVENT, TICKETS, summary, t0);
});
