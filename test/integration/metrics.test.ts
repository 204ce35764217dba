// /metrics of a real worker process (`s360-tixngo worker` with METRICS_PORT): after an injection with one bad
// ticket, the per-function counters equal the run's summary, activity latencies are recorded, and the Temporal SDK's
// own runtime metrics are served on the same endpoint.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../../config';
import { createMetrics, startMetricsServer } from '../../observability/metrics';
import { seed } from '../../db/seed';
import { freePort } from '../../temporal/ports';
import { createStack, eventually, type Stack } from '../helpers/stack';

let s: Stack | undefined;
let worker: ChildProcess | undefined;

after(async () => {
  if (worker && worker.exitCode === null) {
    const gone = new Promise((r) => worker!.once('exit', r));
    worker.kill('SIGTERM');
    const t = setTimeout(() => worker!.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(t);
  }
  await s?.close();
});

async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  return res.text();
}

function series(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `no series ${name}`);
  return Number(line.slice(name.length + 1));
}

test('by default /metrics listens on 127.0.0.1 only; METRICS_HOST exposes it', async () => {
  const m = await startMetricsServer({ host: loadConfig({}).METRICS_HOST, port: 0, metrics: createMetrics({ processMetrics: false }) });
  try {
    assert.match(m.address, /^127\.0\.0\.1:[1-9]\d*$/);
    assert.equal((await fetch(m.url)).status, 200);
  } finally {
    await m.close();
  }
  const everywhere = await startMetricsServer({ host: loadConfig({ METRICS_HOST: '0.0.0.0' }).METRICS_HOST, port: 0, metrics: createMetrics({ processMetrics: false }) });
  try {
    assert.match(everywhere.address, /^0\.0\.0\.0:[1-9]\d*$/);
  } finally {
    await everywhere.close();
  }
});

test('after a run, /metrics shows the per-function counters with the values of its summary, and the SDK metrics', { timeout: 180_000 }, async () => {
  s = await createStack({ inProcessWorker: false });
  const stack = s;
  const res = await seed(stack.db.knex, { eventCode: 'MET1', tickets: 25, interfaceName: stack.interfaceName });
  // One ticket TIXNGO cannot take (no barcode): refused before the call, counted as failed.
  await stack.db.knex('ticket').where({ id: res.firstTicketId }).update({ barcode: '' });

  const port = await freePort();
  worker = spawn(process.execPath, [path.resolve(__dirname, '../../bin/s360-tixngo.js'), 'worker'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: stack.env.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      DATABASE_URL: stack.db.databaseUrl,
      S360_SECRET_KEY: stack.secretKey.key.toString('hex'),
      // Same DATA_DIR as this process: same codec key when S360_CODEC_KEY is not set.
      DATA_DIR: loadConfig().dataDir,
      METRICS_PORT: String(port),
      METRICS_HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  worker.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}/metrics`;
  await eventually(
    'the worker serving /metrics',
    () => fetch(url).then((r) => r.status, () => 0),
    (st) => st === 200 || worker?.exitCode !== null,
    60_000,
  );
  assert.equal(worker.exitCode, null, `worker exited: ${stderr}`);

  const summary = await stack.run('inject', { eventCode: 'MET1', batchSize: 10 });
  assert.equal(summary.processed, 25);
  assert.equal(summary.succeeded, 24);
  assert.equal(summary.failed, 1);

  const text = await scrape(url);
  const l = `{function="INJECTION",interface="${stack.interfaceName}"}`;
  assert.equal(series(text, `s360_tickets_processed_total${l}`), summary.processed);
  assert.equal(series(text, `s360_tickets_succeeded_total${l}`), summary.succeeded);
  assert.equal(series(text, `s360_tickets_failed_total${l}`), summary.failed);
  assert.equal(series(text, `s360_batches_total${l}`), summary.batches);
  assert.equal(series(text, `s360_tixngo_calls_total${l}`), summary.tixngoCalls);
  assert.equal(series(text, 's360_activity_duration_seconds_count{activity="injectTicketBatch",outcome="ok"}'), summary.batches);
  assert.ok(series(text, 's360_activity_duration_seconds_count{activity="notifyTicketWorkflows",outcome="ok"}') >= 1);
  // Process metrics and the SDK's Core metrics on the same endpoint.
  assert.match(text, /^s360_process_cpu_seconds_total /m);
  assert.match(text, /^temporal_\w+/m, 'the Temporal SDK runtime metrics are served too');
  assert.match(text, /^temporal_activity_execution_latency\w*\{/m);
  // Ids and names of functions only: no holder data.
  assert.ok(!/@example\.|firstName|lastName/.test(text));
  // The worker's logs are JSON lines on stderr (nothing logged at the default level may carry holder data).
  for (const line of stderr.split('\n').filter((x) => x.startsWith('{'))) {
    const rec = JSON.parse(line) as Record<string, unknown>;
    assert.equal(rec.service, 's360-tixngo');
  }
});
