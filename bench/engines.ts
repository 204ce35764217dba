// The Temporal engines the benchmark runs on (`bench --engine dev|postgres`, both with `--engine dev,postgres`):
//   - dev:      `temporal server start-dev` (one history shard, SQLite file, as `npm start` runs it);
//   - postgres: the real Temporal server (tooling/temporal-server.ts) with PostgreSQL persistence and SQL visibility
//               on the machine's PostgreSQL server, 4 history shards, in databases created for the run and dropped.
// Both get the benchmark's dynamic config (DEFAULT_DYNAMIC_CONFIG) and our search attributes on namespace `default`.
import type { DevServerBenchOptions } from './config';
import { startBenchDevServer, type Cleanup } from './processes';
import { startPostgresEngine } from './engine-postgres';

export const BENCH_ENGINES = ['dev', 'postgres'] as const;
export type BenchEngineKind = (typeof BENCH_ENGINES)[number];

/** `--engine dev,postgres` -> ['dev', 'postgres'] (in the order given, each once); a bad name is one line. */
export function parseEngines(value: string): BenchEngineKind[] {
  const kinds = value.split(',').map((x) => x.trim()).filter(Boolean);
  if (kinds.length === 0) throw new Error(`--engine: expected ${BENCH_ENGINES.join(', ')} or a comma-separated list of them`);
  for (const k of kinds) if (!(BENCH_ENGINES as readonly string[]).includes(k)) throw new Error(`--engine: unknown engine '${k}'; expected ${BENCH_ENGINES.join(', ')}`);
  return [...new Set(kinds)] as BenchEngineKind[];
}

export interface EngineOptions {
  kind: BenchEngineKind;
  /** postgres: history shards (default 4). */
  shards?: number;
}

/** A running engine: its frontend address and the pid whose CPU is "the server" in the figures. */
export interface BenchEngine {
  kind: BenchEngineKind;
  address: string;
  pid: number;
  /** What it is, for the report: persistence, shards, version. */
  description: string;
  /** postgres: the names of Temporal's two databases (their backends' CPU is part of PostgreSQL's). */
  databases?: string[];
}

export interface EngineContext {
  cliPath: () => string;
  devServer: DevServerBenchOptions;
  postgresUrl: string;
  tmp: string;
  cleanup: Cleanup;
  log(line: string): void;
}

export async function startBenchEngine(o: EngineOptions, ctx: EngineContext): Promise<BenchEngine> {
  if (o.kind === 'dev') {
    const d = ctx.devServer;
    ctx.log(`starting the Temporal dev server (${d.persistence}${d.persistence === 'file' ? `, fast pragmas ${d.fastSqlite ? 'on' : 'off'}` : ''})...`);
    const dev = await startBenchDevServer(ctx.cliPath(), d, ctx.tmp, ctx.cleanup, ctx.log);
    return { kind: 'dev', address: dev.address, pid: dev.process.pid!, description: `temporal server start-dev, 1 history shard, SQLite ${d.persistence}` };
  }
  return startPostgresEngine(o, ctx);
}
