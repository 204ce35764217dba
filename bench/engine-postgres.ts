// The `postgres` benchmark engine: the real Temporal server (tooling/temporal-server.ts) with PostgreSQL persistence
// and SQL visibility on the benchmark's PostgreSQL server, in two databases created for the run and dropped after it.
// It gets the same dynamic config as the dev server engine (DEFAULT_DYNAMIC_CONFIG and --dynamic-config, on top of
// the server defaults), so the two differ by their persistence and shards only.
import crypto from 'node:crypto';
import path from 'node:path';
import { dropTemporalDatabases, startTemporalServer, TEMPORAL_SERVER_VERSION } from '../tooling/temporal-server';
import { NAMESPACE } from './config';
import type { BenchEngine, EngineContext, EngineOptions } from './engines';

export async function startPostgresEngine(o: EngineOptions, ctx: EngineContext): Promise<BenchEngine> {
  const shards = o.shards ?? 4;
  // Named after the branch that added it and the run, never another session's database.
  const databasePrefix = `clierr_bench_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  const dbOpts = { postgresUrl: ctx.postgresUrl, databasePrefix };
  ctx.log(`starting the Temporal server ${TEMPORAL_SERVER_VERSION} on PostgreSQL (${shards} shards, databases ${databasePrefix}, ${databasePrefix}_visibility)...`);
  ctx.cleanup.add(`drop databases ${databasePrefix}*`, () => dropTemporalDatabases(dbOpts));
  const server = await startTemporalServer({
    ...dbOpts,
    shards,
    dataDir: path.join(ctx.tmp, 'temporal-server'),
    namespace: NAMESPACE,
    dynamicConfig: ctx.devServer.dynamicConfig,
    say: (line) => ctx.log(`  ${line}`),
  });
  ctx.cleanup.child(server.process);
  ctx.cleanup.add('Temporal server', () => server.stop());
  return {
    kind: 'postgres',
    address: server.address,
    pid: server.pid,
    description: `Temporal server ${TEMPORAL_SERVER_VERSION}, ${shards} history shards, PostgreSQL persistence and SQL visibility (databases ${databasePrefix}, ${databasePrefix}_visibility)`,
    databases: [databasePrefix, `${databasePrefix}_visibility`],
  };
}
