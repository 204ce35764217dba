// Assembles a worker process from the configuration: S-360 database, TIXNGO client factory, Temporal client
// (for the fan-out activities) and the two workers. Used by `s360-tixngo worker` and `s360-tixngo dev`.
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { Config } from '../config';
import { closeDb, createDb } from '../db/connection';
import { createRepository } from '../db/repository';
import { loadSecretKey } from '../db/secrets';
import { connectClient } from '../temporal/connection';
import { createWorkers, installRuntime, type Workers } from './worker';

export interface RunningWorker {
  workers: Workers;
  /** Resolves when both workers stopped (after shutdown()). */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

export async function startWorker(config: Config): Promise<RunningWorker> {
  installRuntime();
  const db = await createDb({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
  const repo = createRepository(db);
  const secretKey = loadSecretKey(config);
  const client = await connectClient(config);
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  } catch (err) {
    throw new Error(`cannot reach Temporal at TEMPORAL_ADDRESS=${config.TEMPORAL_ADDRESS}: ${(err as Error).message}`, { cause: err });
  }
  const activities = createActivities({
    repo,
    secretKey,
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    tixngo: { auth: config.TIXNGO_AUTH, keyHeader: config.TIXNGO_KEY_HEADER, timeoutMs: config.TIXNGO_TIMEOUT_MS },
  });
  const workers = await createWorkers({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities,
    tuning: {
      maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    },
  });
  const done = workers.run().finally(async () => {
    await connection.close().catch(() => undefined);
    await client.connection.close().catch(() => undefined);
    await closeDb(db).catch(() => undefined);
  });
  return {
    workers,
    done,
    shutdown: async () => {
      workers.shutdown();
      await done;
    },
  };
}
