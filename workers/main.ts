// Assembles a worker process from the configuration: S-360 database, TIXNGO client factory, Temporal client
// (for the fan-out activities) and the two workers, plus /metrics on METRICS_PORT. Used by `s360-tixngo worker` and
// `s360-tixngo dev`.
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities';
import { mailerFromConfig } from '../activities/notify';
import { getWorkerDataConverter } from '../codec/data-converter';
import type { Config } from '../config';
import { closeDb, createDb } from '../db/connection';
import { createRepository } from '../db/repo';
import { loadSecretKey } from '../config/secrets';
import { getLogger } from '../observability/logger';
import { createMetrics, instrumentActivities, startMetricsServer, type MetricsServer, type ProductMetrics } from '../observability/metrics';
import { connectClient } from '../temporal/connection';
import { freePort } from '../temporal/ports';
import { connectNative, coreMetricsUrl, createWorkers, installRuntime, tixngoClientFactory, type Workers } from './worker';

export interface RunningWorker {
  workers: Workers;
  metrics: ProductMetrics;
  /** URL of /metrics, undefined when METRICS_PORT is 0. */
  metricsUrl?: string;
  /** Resolves when both workers stopped (after shutdown()). */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

export async function startWorker(config: Config): Promise<RunningWorker> {
  // The SDK's Core metrics go to a loopback exporter that /metrics appends (one scrape target).
  installRuntime(undefined, config.METRICS_PORT > 0 ? { metricsBindAddress: `127.0.0.1:${await freePort()}` } : {});
  const log = getLogger();
  const dataConverter = getWorkerDataConverter(config); // a bad codec key stops the start before anything is opened
  const metrics = createMetrics();
  let metricsServer: MetricsServer | undefined;
  if (config.METRICS_PORT > 0) {
    metricsServer = await startMetricsServer({ host: config.METRICS_HOST, port: config.METRICS_PORT, metrics, coreMetricsUrl: coreMetricsUrl() });
    log.info({ url: metricsServer.url }, 'metrics served');
  }
  try {
    return await assemble(config, dataConverter, metrics, metricsServer);
  } catch (err) {
    await metricsServer?.close();
    throw err;
  }
}

async function assemble(config: Config, dataConverter: DataConverter, metrics: ProductMetrics, metricsServer: MetricsServer | undefined): Promise<RunningWorker> {
  const db = await createDb({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
  const repo = createRepository(db);
  const secretKey = loadSecretKey(config);
  let client: Client | undefined;
  let connection: NativeConnection;
  try {
    client = await connectClient(config);
    connection = await connectNative(config);
  } catch (err) {
    await client?.connection.close().catch(() => undefined);
    await closeDb(db).catch(() => undefined);
    throw err;
  }
  const groups = createActivities({
    repo,
    secretKey,
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    tixngo: tixngoClientFactory({ auth: config.TIXNGO_AUTH, keyHeader: config.TIXNGO_KEY_HEADER, timeoutMs: config.TIXNGO_TIMEOUT_MS }),
    mailer: mailerFromConfig(config),
    dumpDir: path.join(config.dataDir, 'dumps'),
    ticketStartDelayMs: config.TICKET_DORMANT_DAYS * 86_400_000,
  });
  const activities = { main: instrumentActivities(groups.main, metrics), fanout: instrumentActivities(groups.fanout, metrics) };
  const workers = await createWorkers({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities,
    dataConverter,
    tuning: {
      maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
      workflowHeapMb: config.WORKER_WORKFLOW_HEAP_MB,
    },
  });
  const done = workers.run().finally(async () => {
    await connection.close().catch(() => undefined);
    await client.connection.close().catch(() => undefined);
    await closeDb(db).catch(() => undefined);
    await metricsServer?.close();
  });
  return {
    workers,
    metrics,
    metricsUrl: metricsServer?.url,
    done,
    shutdown: async () => {
      workers.shutdown();
      await done;
    },
  };
}
