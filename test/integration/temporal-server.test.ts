// The real Temporal server (v1.29.1) on the real PostgreSQL: schemas set up idempotently, 4 history shards, the
// namespace and every search attribute registered, a function of ours running on it with its ticket workflows found
// by TicketId through SQL visibility, and a SIGKILL + restart that keeps everything.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { ticketWorkflowId } from '../../common/ids';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/search-attributes';
import { seed } from '../../db/seed';
import { dropTemporalDatabases, ensureTemporalServerBinaries, setupTemporalSchemas, startTemporalServer, type TemporalServer, type TemporalServerOptions } from '../../tooling/temporal-server';
import { testServerUrl } from '../helpers/db';
import { createStack, eventually, type Stack } from '../helpers/stack';

const postgresUrl = testServerUrl();
const prefix = `engine_it_${randomBytes(4).toString('hex')}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-server-it-'));
const opts: TemporalServerOptions = { postgresUrl, databasePrefix: prefix, dataDir, shards: 4 };
let server: TemporalServer | undefined;
let stack: Stack | undefined;

async function query<T extends pg.QueryResultRow>(database: string, sql: string): Promise<T[]> {
  const u = new URL(postgresUrl);
  u.pathname = `/${database}`;
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

async function withConnection<T>(fn: (c: Connection) => Promise<T>): Promise<T> {
  const c = await Connection.connect({ address: server!.address });
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

before(async () => {
  ensureTemporalServerBinaries();
  server = await startTemporalServer(opts);
});

after(async () => {
  await stack?.close().catch(() => undefined);
  await server?.stop();
  await dropTemporalDatabases(opts);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('schema setup is idempotent: run twice more, both databases stay at the latest version with the same tables', async () => {
  const snapshot = async () => {
    const out: Record<string, unknown> = {};
    for (const db of [prefix, `${prefix}_visibility`]) {
      const [v] = await query<{ curr_version: string }>(db, 'select curr_version from schema_version');
      const tables = await query<{ n: number }>(db, "select count(*)::int as n from information_schema.tables where table_schema = 'public'");
      out[db] = { version: v?.curr_version, tables: tables[0]!.n };
    }
    return out;
  };
  const first = await snapshot();
  const { schemaDir } = ensureTemporalServerBinaries();
  if (schemaDir) {
    const latest = (kind: string) =>
      fs
        .readdirSync(path.join(schemaDir, kind, 'versioned'))
        .map((d) => d.slice(1))
        .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]))
        .at(-1);
    assert.deepEqual(first, {
      [prefix]: { version: latest('temporal'), tables: (first[prefix] as { tables: number }).tables },
      [`${prefix}_visibility`]: { version: latest('visibility'), tables: (first[`${prefix}_visibility`] as { tables: number }).tables },
    });
  }
  await setupTemporalSchemas(opts);
  await setupTemporalSchemas(opts);
  assert.deepEqual(await snapshot(), first);
  // The running server still works after it.
  await withConnection((c) => c.workflowService.getSystemInfo({}));
});

test('the server runs 4 history shards on PostgreSQL with SQL visibility', async () => {
  const info = await withConnection((c) => c.workflowService.getClusterInfo({}));
  assert.equal(info.historyShardCount, 4);
  assert.equal(info.serverVersion, '1.29.1');
  assert.match(info.persistenceStore ?? '', /postgres/);
  assert.match(info.visibilityStore ?? '', /postgres/);
  const shards = await query<{ n: number }>(prefix, 'select count(*)::int as n from shards');
  assert.equal(shards[0]!.n, 4);
});

test('the namespace is registered (3 days retention) with every search attribute of the product', async () => {
  await withConnection(async (c) => {
    const ns = await c.workflowService.describeNamespace({ namespace: 'default' });
    assert.equal(Number(ns.config?.workflowExecutionRetentionTtl?.seconds), 3 * 86400);
    const sa = await c.operatorService.listSearchAttributes({ namespace: 'default' });
    const types: Record<string, number> = { KEYWORD: 2, BOOL: 5 };
    for (const key of ALL_SEARCH_ATTRIBUTES) assert.equal(Number(sa.customAttributes?.[key.name]), types[key.type], key.name);
  });
});

test('a function of ours runs on it; its ticket workflows are found by TicketId through SQL visibility; a SIGKILL and restart keeps them', async () => {
  // createStack connects to TEMPORAL_TEST_ADDRESS: this server instead of the runner's dev server.
  process.env.TEMPORAL_TEST_ADDRESS = server!.address;
  stack = await createStack();
  const s = stack;
  const res = await seed(s.db.knex, { eventCode: 'PGE1', tickets: 12, product: 'event', interfaceName: s.interfaceName });
  const ids = Array.from({ length: 12 }, (_, i) => String(BigInt(res.firstTicketId!) + BigInt(i)));
  const summary = await s.run('inject', { eventCode: 'PGE1', batchSize: 5 });
  assert.equal(summary.outcome, 'OK');
  assert.equal(summary.succeeded, 12);

  const byTicketId = async (id: string) => {
    const found: string[] = [];
    for await (const w of s.client.workflow.list({ query: `TicketId = '${id}'` })) found.push(w.workflowId);
    return found;
  };
  await eventually('the ticket workflow in visibility', () => byTicketId(ids[7]!), (f) => f.length === 1, 60_000);
  assert.deepEqual(await byTicketId(ids[7]!), [ticketWorkflowId(ids[7]!)]);
  const count = async () => (await s.client.workflow.count(`InterfaceName = '${s.interfaceName}' AND WorkflowType = 'ticketLifecycle'`)).count;
  await eventually('12 ticket workflows counted', count, (n) => n === 12, 60_000);

  // SIGKILL the server (no clean shutdown), restart it on the same port and config: nothing is lost.
  const oldPid = server!.pid;
  server!.kill('SIGKILL');
  await server!.restart();
  assert.notEqual(server!.pid, oldPid);
  await eventually('the same ticket workflow after the restart', () => byTicketId(ids[7]!).catch(() => []), (f) => f.length === 1, 60_000);
  assert.equal(await count(), 12);
  const desc = await s.client.workflow.getHandle(ticketWorkflowId(ids[0]!)).describe();
  assert.equal(desc.status.name, 'RUNNING');

  // The worker reconnects by itself: a second injection finds nothing left, a new ticket goes through.
  const again = await s.run('inject', { eventCode: 'PGE1', batchSize: 5 });
  assert.equal(again.outcome, 'OK');
  assert.equal(again.processed, 0);
  const stats = await s.simAdmin<{ tickets: Record<string, number>; reinjectedTickets: number }>('GET', '/__sim/stats');
  assert.equal(stats.tickets.INJECTED, 12);
  assert.equal(stats.reinjectedTickets, 0);
});
