// The product on a Temporal server that requires mTLS: the real server (tooling/temporal-server.ts, on the real
// PostgreSQL) with a frontend certificate for 127.0.0.1/localhost and client authentication required, with
// certificates this test makes with openssl. The worker (workers/main.ts, configured by TEMPORAL_TLS_* variables
// only) runs an injection against the TIXNGO simulator, started by the CLI over mTLS; clients without a certificate,
// with the wrong CA, with a certificate of another CA or with the wrong server name are refused with one line naming
// the variable; an expired client certificate stops the program at start.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../config';
import { createRepository } from '../../db/repo';
import { seed } from '../../db/seed';
import { startSimulator, type Simulator } from '../../simulator/server';
import { connectClient, TemporalConnectionError } from '../../temporal/connection';
import { dropTemporalDatabases, ensureTemporalServerBinaries, startTemporalServer, type TemporalServer, type TemporalServerOptions } from '../../tooling/temporal-server';
import { startWorker, type RunningWorker } from '../../workers/main';
import { connectNative } from '../../workers/worker';
import { runCli } from '../helpers/cli';
import { randomSecretKey, testServerUrl, withTestDb, type TestDb } from '../helpers/db';
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs';

const certs: TestCerts = makeTestCerts();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-it-'));
const serverOpts: TemporalServerOptions = {
  postgresUrl: testServerUrl(),
  databasePrefix: `tls_it_${randomBytes(4).toString('hex')}`,
  dataDir,
  shards: 2,
  tls: {
    serverCert: certs.serverCert,
    serverKey: certs.serverKey,
    clientCa: certs.ca,
    requireClientAuth: true,
    // The server's own system worker calls the frontend too: it uses the client certificate.
    clientCert: certs.clientCert,
    clientKey: certs.clientKey,
    serverCa: certs.ca,
  },
};
let server: TemporalServer | undefined;
let db: TestDb | undefined;
let sim: Simulator | undefined;
let worker: RunningWorker | undefined;

const secretKey = randomSecretKey();
const codecKey = randomBytes(32).toString('hex');
const taskQueue = `tls-it-${randomBytes(4).toString('hex')}`;
const interfaceName = `tls${randomBytes(3).toString('hex')}`;

/** The environment of a process configured for this server: only TEMPORAL_* variables select TLS. */
function envWith(tls: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('TEMPORAL_TLS') || k === 'TEMPORAL_API_KEY') delete env[k];
  return {
    ...env,
    TEMPORAL_ADDRESS: server!.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: db!.databaseUrl,
    DATA_DIR: dataDir,
    S360_SECRET_KEY: secretKey.key.toString('hex'),
    S360_CODEC_KEY: codecKey,
    METRICS_PORT: '0',
    ...tls,
  };
}
/**
 * stderr without Node's own one-time DEP0123 warning: connecting by IP, the gRPC library sends the IP as TLS server
 * name and Node warns about it (TEMPORAL_TLS_SERVER_NAME=localhost avoids it); everything else is the product's.
 */
const ownLines = (stderr: string) => stderr.replace(/^\(node:\d+\) \[DEP0123\][^\n]*\n\(Use `node --trace-deprecation[^\n]*\n/m, '');
const mtls = () => ({ TEMPORAL_TLS_CA: certs.ca, TEMPORAL_TLS_CERT: certs.clientCert, TEMPORAL_TLS_KEY: certs.clientKey });

/** The one line connectClient and the worker's native connection fail with, for this configuration. */
async function refusals(tls: Record<string, string>): Promise<{ client: string; native: string }> {
  const config = loadConfig(envWith(tls));
  const line = async (p: Promise<{ close(): Promise<void> } | undefined>) => {
    try {
      const c = await p;
      await c?.close();
    } catch (err) {
      assert.ok(err instanceof TemporalConnectionError, `expected a TemporalConnectionError, got ${(err as Error).stack}`);
      assert.doesNotMatch(err.message, /\n/);
      return err.message;
    }
    assert.fail('the connection was accepted');
  };
  return {
    client: await line(connectClient(config).then((c) => c.connection)),
    native: await line(connectNative(config)),
  };
}

before(async () => {
  ensureTemporalServerBinaries();
  server = await startTemporalServer(serverOpts);
  db = await withTestDb('pg');
  sim = await startSimulator({});
  await createRepository(db.knex).addInterface(
    { name: interfaceName, url: sim.interfaceUrl, loginEmail: 'organizer@example.org', apiKey: 'test-api-key', notificationEmails: [], customParams: {} },
    secretKey,
  );
});

after(async () => {
  await worker?.shutdown().catch(() => undefined);
  await sim?.close().catch(() => undefined);
  await db?.close().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  await dropTemporalDatabases(serverOpts).catch(() => undefined);
  fs.rmSync(dataDir, { recursive: true, force: true });
  certs.remove();
});

test('over mTLS: the worker runs an injection the CLI starts; every ticket PRINTED in S-360 and INJECTED in TIXNGO', async () => {
  const env = envWith(mtls());
  worker = await startWorker(loadConfig(env));
  const res = await seed(db!.knex, { eventCode: 'TLS1', tickets: 12, interfaceName });
  assert.equal(res.ticketsCreated, 12);
  const run = await runCli(['run', 'inject', '--interface', interfaceName, '--event', 'TLS1', '--batch-size', '5', '--wait', '--json'], env);
  assert.equal(run.code, 0, run.stderr);
  const summary = run.json<{ outcome: string; processed: number; succeeded: number; tixngoCalls: number }>();
  assert.equal(summary.outcome, 'OK');
  assert.equal(summary.succeeded, 12);
  assert.equal(summary.tixngoCalls, 3);
  const statuses = await db!.knex('ticket').where({ performance_id: db!.knex('performance').select('id').where({ code: 'TLS1' }) }).pluck('status');
  assert.deepEqual([...new Set(statuses)], ['PRINTED']);
  const stats = (await (await fetch(`${sim!.url}/__sim/stats`)).json()) as { tickets: Record<string, number> };
  assert.equal(stats.tickets.INJECTED, 12);
});

describe('refused with one line naming the variable', () => {
  test('no client certificate (CA only): TEMPORAL_TLS_CERT; no TLS at all: the server requires TLS', async () => {
    const noCert = await refusals({ TEMPORAL_TLS_CA: certs.ca });
    for (const line of [noCert.client, noCert.native]) {
      assert.match(line, /^TEMPORAL_TLS_CERT: the server at 127\.0\.0\.1:\d+ requires a client certificate \(mTLS\) and none is configured: set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY/);
    }
    const plain = await refusals({});
    for (const line of [plain.client, plain.native]) assert.match(line, /^cannot connect to Temporal at TEMPORAL_ADDRESS=127\.0\.0\.1:\d+: the server requires TLS; set TEMPORAL_TLS_CA/);
    // As a user sees it: the CLI prints that line alone and exits 1.
    const cli = await runCli(['setup'], envWith({ TEMPORAL_TLS_CA: certs.ca }));
    assert.equal(cli.code, 1);
    assert.match(ownLines(cli.stderr), /^error: TEMPORAL_TLS_CERT: the server at .* requires a client certificate \(mTLS\)[^\n]*\n$/);
  });

  test('wrong CA: TEMPORAL_TLS_CA, with the certificates named', async () => {
    const r = await refusals({ ...mtls(), TEMPORAL_TLS_CA: certs.otherCa });
    for (const line of [r.client, r.native]) {
      assert.match(line, /^TEMPORAL_TLS_CA: the server's certificate is not signed by this CA \(server certificate CN=localhost, issued by CN=s360 test CA; TEMPORAL_TLS_CA holds CN=s360 other CA; [A-Z_]+\)$/);
    }
  });

  test('a client certificate of another CA: TEMPORAL_TLS_CERT', async () => {
    const r = await refusals({ ...mtls(), TEMPORAL_TLS_CERT: certs.foreignClientCert, TEMPORAL_TLS_KEY: certs.foreignClientKey });
    for (const line of [r.client, r.native]) assert.match(line, /^TEMPORAL_TLS_CERT: the server refused the client certificate.*client certificate CN=s360-intruder, issued by CN=s360 other CA/);
  });

  test('a server name the certificate does not carry: TEMPORAL_TLS_SERVER_NAME; one it carries connects', async () => {
    const r = await refusals({ ...mtls(), TEMPORAL_TLS_SERVER_NAME: 'temporal.example.com' });
    for (const line of [r.client, r.native]) assert.match(line, /^TEMPORAL_TLS_SERVER_NAME: the server's certificate is not issued for temporal\.example\.com \(it names DNS:localhost, IP Address:127\.0\.0\.1\)/);
    const config = loadConfig(envWith({ ...mtls(), TEMPORAL_TLS_SERVER_NAME: 'localhost' }));
    const client = await connectClient(config);
    await client.workflowService.getSystemInfo({});
    await client.connection.close();
    await (await connectNative(config)).close();
  });

  test('an expired client certificate stops the program at start, naming TEMPORAL_TLS_CERT', async () => {
    const env = envWith({ ...mtls(), TEMPORAL_TLS_CERT: certs.expiredClientCert });
    assert.throws(() => loadConfig(env), (e: Error) => e instanceof ConfigError && /^invalid configuration: TEMPORAL_TLS_CERT: the certificate CN=s360-worker expired on /.test(e.message));
    const cli = await runCli(['worker'], env);
    assert.equal(cli.code, 1);
    assert.match(ownLines(cli.stderr), /^error: invalid configuration: TEMPORAL_TLS_CERT: the certificate CN=s360-worker expired on \S+: renew it \(file .*expired-client\.pem\)\n$/);
  });
});
