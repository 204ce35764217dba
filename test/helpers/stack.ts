// The whole product for integration tests, every part real: Temporal dev server, worker with the real
// activities, TIXNGO simulator over HTTP, S-360 database on the real PostgreSQL server (or PGlite).
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import type { Mailer } from '../../activities/notify';
import { createRepository, type Repository } from '../../db/repo';
import type { SecretKey } from '../../config/secrets';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../simulator/server';
import type { FunctionRunInput, FunctionRunSummary } from '../../common/functions';
import { startFunction } from '../../temporal/functions';
import { waitForRun } from '../../cli/commands/run';
import { createWorkers, installRuntime, tixngoClientFactory, type Workers } from '../../workers/worker';
import { randomSecretKey, withTestDb, type Backend, type TestDb } from './db';
import { createTestEnv } from './temporal';

export interface Stack {
  env: TestWorkflowEnvironment;
  client: Client;
  db: TestDb;
  repo: Repository;
  sim: Simulator;
  secretKey: SecretKey;
  taskQueue: string;
  interfaceName: string;
  /** Starts (or restarts) the worker. */
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  run(fn: 'inject' | 'feedback' | 'push-cancelled' | 'push-controlled' | 'inject-privileges', input?: Partial<FunctionRunInput>): Promise<FunctionRunSummary>;
  simAdmin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export interface StackOptions {
  backend?: Backend;
  sim?: SimulatorOptions;
  apiKey?: string;
  inProcessWorker?: boolean;
  /** The interface's e-mail recipients (§2.1) and the mailer of the error e-mails (default: none, logged as skipped). */
  notificationEmails?: string[];
  mailer?: Mailer;
  /** Folder of the injection dumps (dumpTnPRvariables). */
  dumpDir?: string;
  /** ActivityDeps.ticketStartDelayMs: dormant ticket workflows (default 0: their first workflow task runs at once). */
  ticketStartDelayMs?: number;
  /** A Temporal server the test started itself (engine fault tests); default: the test run's. */
  temporalAddress?: string;
  /** The PostgreSQL server of the S-360 test database (engine fault tests); default: DATABASE_TEST_URL's. */
  databaseServerUrl?: string;
}

export async function createStack(opts: StackOptions = {}): Promise<Stack> {
  installRuntime();
  const env = await createTestEnv({ address: opts.temporalAddress });
  const db = await withTestDb(opts.backend ?? 'pg', opts.databaseServerUrl);
  const repo = createRepository(db.knex);
  // Workflow ids are `ticket-<S-360 id>`, and every test file shares one Temporal server: start each test
  // database's ids at a random offset so two files never address the same ticket workflow.
  const offset = 1 + Math.floor(Math.random() * 1e6) * 1e6;
  await db.knex.raw(`alter table ticket alter column id restart with ${offset}`);
  await db.knex.raw(`alter table card alter column id restart with ${offset}`);
  const sim = await startSimulator({ deletionDelayMs: 300, ...opts.sim });
  const secretKey = randomSecretKey();
  const taskQueue = `it-${randomUUID()}`;
  const interfaceName = `it${randomUUID().slice(0, 8)}`;
  await repo.addInterface(
    { name: interfaceName, url: sim.interfaceUrl, loginEmail: 'organizer@example.org', apiKey: opts.apiKey ?? opts.sim?.apiKey ?? 'test-api-key', notificationEmails: opts.notificationEmails ?? [], customParams: {} },
    secretKey,
  );
  let workers: Workers | undefined;
  let running: Promise<void> | undefined;
  const activities = createActivities({
    repo,
    secretKey,
    client: env.client,
    taskQueue,
    tixngo: tixngoClientFactory({ auth: 'header', keyHeader: 'X-TIXNGO-KEY', timeoutMs: 5_000 }),
    mailer: opts.mailer,
    interfaceCacheMs: 0,
    dumpDir: opts.dumpDir,
    ticketStartDelayMs: opts.ticketStartDelayMs,
  });
  const stack: Stack = {
    env,
    client: env.client,
    db,
    repo,
    sim,
    secretKey,
    taskQueue,
    interfaceName,
    async startWorker() {
      workers = await createWorkers({ connection: env.nativeConnection, namespace: 'default', taskQueue, activities });
      running = workers.run();
    },
    async stopWorker() {
      workers?.shutdown();
      await running;
      workers = undefined;
    },
    async run(fn, input = {}) {
      const started = await startFunction(env.client, taskQueue, fn, { interfaceName, ...input });
      return waitForRun(env.client, started, false);
    },
    async simAdmin<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${sim.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async close() {
      await stack.stopWorker().catch(() => undefined);
      await sim.close();
      await db.close();
      await env.teardown();
    },
  };
  if (opts.inProcessWorker !== false) await stack.startWorker();
  return stack;
}

/**
 * Polls until pred() is truthy (60 s by default: on the PostgreSQL-backed server of a loaded 2-core machine, ticket
 * workflows started by the fan-out take longer than on the dev server); fails naming what it waited for.
 */
export async function eventually<T>(what: string, fn: () => Promise<T>, pred: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
}
