// `dev` (what `npm start` runs): the whole product on one machine with embedded defaults.
//   - S-360 database: PostgreSQL at DATABASE_URL, or embedded PGlite under $DATA_DIR; migrated;
//   - Temporal: the server at TEMPORAL_ADDRESS if one answers, else `temporal server start-dev` with its Web UI,
//     state in $DATA_DIR/temporal.db so runs survive a restart; search attributes registered; with --engine postgres
//     the real Temporal server on PostgreSQL (tooling/temporal-server.ts, config in $DATA_DIR/temporal-server, no UI);
//   - TIXNGO: TIXNGO_URL, or the simulator on SIMULATOR_PORT (state in $DATA_DIR/simulator.json);
//   - the codec server on CODEC_SERVER_PORT, wired into the Web UI (`--ui-codec-endpoint`), so that an operator who
//     signs in with its token sees decoded payloads;
//   - a `demo` interface pointing at it, its default schedules (manual unless --schedules automatic), and the worker.
// Ctrl-C stops everything it started, in reverse order, with no orphan process.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/search-attributes';
import { loadConfig, maskUrl, type Config } from '../../config';
import { backendOf, closeDb } from '../../db/connection';
import { serveEmbeddedDb } from '../../db/embedded-server';
import { migrateLatest } from '../../db/migrate';
import { createRepository } from '../../db/repo';
import { loadSecretKey } from '../../config/secrets';
import { startSimulator } from '../../simulator/server';
import { startDevCodecServer, type DevCodecServer } from '../../codec/dev-codec-server';
import { getLogger } from '../../observability/logger';
import { ensureTemporalCli } from '../../tooling/temporal-cli';
import { connectClient, registerSearchAttributes } from '../../temporal/connection';
import { portAnswers } from '../../temporal/ports';
import { startDevServer } from '../../tooling/dev-server';
import { TEMPORAL_SERVER_VERSION, startTemporalServer } from '../../tooling/temporal-server';
import { temporalPostgresUrl, uiHint } from './temporal-server';
import { startWorker } from '../../workers/main';
import { demoScheduleDefinitions, upsertFunctionSchedule, type Launch } from '../../temporal/schedules';
import { openDatabase } from '../context';
import { CliError } from '../util';

export const DEMO_INTERFACE = 'demo';

type Stopper = { name: string; stop: () => Promise<void> };

export type Engine = 'dev' | 'postgres';

interface TemporalStarted {
  address: string;
  uiUrl?: string;
  /** What runs Temporal, for the banner. */
  engineText?: string;
}

async function ensureTemporal(config: Config, stoppers: Stopper[], say: (s: string) => void, uiCodecEndpoint?: string, engine: Engine = 'dev'): Promise<TemporalStarted> {
  const [host, portText] = config.TEMPORAL_ADDRESS.split(':') as [string, string];
  const port = Number(portText);
  if (await portAnswers(host, port)) {
    say(`Temporal: using the server already listening on ${config.TEMPORAL_ADDRESS}${engine === 'postgres' ? ' (--engine postgres starts none)' : ''}`);
    return { address: config.TEMPORAL_ADDRESS };
  }
  if (engine === 'postgres') {
    const postgresUrl = temporalPostgresUrl(config);
    if (!postgresUrl) {
      throw new CliError('dev --engine postgres: set TEMPORAL_POSTGRES_URL (or DATABASE_URL) to the PostgreSQL server that holds Temporal\'s databases, e.g. postgres://postgres@127.0.0.1:5432/postgres');
    }
    say(`Temporal: starting the Temporal server ${TEMPORAL_SERVER_VERSION} on PostgreSQL ${maskUrl(postgresUrl)} (first start: schemas created)...`);
    const server = await startTemporalServer({
      postgresUrl,
      host,
      frontendPort: port,
      dataDir: path.join(config.dataDir, 'temporal-server'),
      namespace: config.TEMPORAL_NAMESPACE,
      say,
    });
    stoppers.push({ name: 'temporal server', stop: () => server.stop() });
    return { address: server.address, engineText: `Temporal server ${TEMPORAL_SERVER_VERSION}, PostgreSQL ${maskUrl(postgresUrl)} (databases temporal, temporal_visibility), 4 shards; log ${server.logFile}` };
  }
  const cli = ensureTemporalCli(say);
  if (!cli) {
    // No binary and no Go: let the SDK download its dev server (works on a machine with internet).
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        ip: host,
        port,
        ui: true,
        uiPort: config.TEMPORAL_UI_PORT,
        dbFilename: path.join(config.dataDir, 'temporal.db'),
        searchAttributes: [...ALL_SEARCH_ATTRIBUTES],
        extraArgs: uiCodecEndpoint ? ['--ui-codec-endpoint', uiCodecEndpoint] : [],
      },
    });
    stoppers.push({ name: 'temporal dev server', stop: () => env.teardown() });
    return { address: config.TEMPORAL_ADDRESS, uiUrl: `http://${host}:${config.TEMPORAL_UI_PORT}` };
  }
  const server = await startDevServer({
    cliPath: cli.path,
    ip: host,
    port,
    uiPort: config.TEMPORAL_UI_PORT,
    uiCodecEndpoint,
    dbFile: path.join(config.dataDir, 'temporal.db'),
    fastSqlite: config.TEMPORAL_DEV_SQLITE_PRAGMAS,
    logFile: path.join(config.dataDir, 'temporal.log'),
    pidFile: path.join(config.dataDir, 'temporal.pid'),
    say,
  });
  stoppers.push({ name: 'temporal dev server', stop: () => server.stop() });
  return { address: server.address, uiUrl: server.uiUrl };
}

export function register(program: Command): void {
  program
    .command('dev')
    .description('Run the whole product locally with embedded defaults: S-360 database, Temporal dev server + Web UI, TIXNGO simulator, worker')
    .option(
      '--schedules <launch>',
      "the demo interface's schedules: manual (default: created paused if missing, run them with `schedule trigger`), automatic (created or switched to automatic), none",
    )
    .option(
      '--engine <engine>',
      'Temporal when none answers on TEMPORAL_ADDRESS: dev (default: `temporal server start-dev`, SQLite, Web UI) or postgres (the Temporal server on PostgreSQL at TEMPORAL_POSTGRES_URL, 4 shards, no Web UI)',
    )
    .action(async (opts: { schedules?: string; engine?: string }) => {
      if (opts.schedules !== undefined && !['manual', 'automatic', 'none'].includes(opts.schedules)) throw new CliError('--schedules: expected manual, automatic or none');
      if (opts.engine !== undefined && opts.engine !== 'dev' && opts.engine !== 'postgres') throw new CliError('--engine: expected dev or postgres');
      const engine: Engine = opts.engine === 'postgres' ? 'postgres' : 'dev';
      const config = loadConfig();
      const say = (s: string) => process.stderr.write(`${s}\n`);
      // DATA_DIR holds keys, the embedded database's password and files, and the Temporal state (ticket data):
      // everything this process and the servers it spawns create is owner-only.
      process.umask(0o077);
      fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
      const stoppers: Stopper[] = [];
      let stopping = false;
      const stopAll = async () => {
        if (stopping) return;
        stopping = true;
        for (const s of stoppers.reverse()) {
          await s.stop().catch((err: Error) => say(`stopping ${s.name}: ${err.message}`));
        }
      };
      const onSignal = () => {
        say('\nstopping...');
        // Never hang on the way out: whatever is still running after 20 s is killed (the exit handlers do it).
        setTimeout(() => process.exit(1), 20_000).unref();
        void stopAll().then(() => process.exit(0));
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const db = await openDatabase(config);
        stoppers.push({ name: 'database', stop: () => closeDb(db) });
        const applied = await migrateLatest(db);
        // The embedded database lives in this process; serve it on loopback so the worker and other terminals
        // (s360-tixngo db seed, ticket list, ...) share it.
        let workerConfig = config;
        let dbText = 'PostgreSQL (DATABASE_URL)';
        if (backendOf(db) === 'pglite') {
          const served = await serveEmbeddedDb(db, config.dataDir);
          stoppers.push({ name: 'embedded database server', stop: () => served.close() });
          workerConfig = { ...config, DATABASE_URL: served.url };
          dbText = `embedded PGlite in ${config.dataDir}, served on ${maskUrl(served.url)}`;
        } else if (!config.DATABASE_URL) {
          dbText = 'the embedded database of another running dev process';
        }
        say(`S-360 database: ${dbText}; ${applied.length} migration(s) applied`);

        // The codec server first: the Web UI is told its address when the dev server starts.
        let codec: DevCodecServer | undefined;
        if (config.CODEC_SERVER_PORT !== 0) {
          codec = await startDevCodecServer(config, { log: getLogger(config.LOG_LEVEL) }).catch((err: NodeJS.ErrnoException) => {
            if (err.code === 'EADDRINUSE') {
              throw new CliError(`codec server: port ${config.CODEC_SERVER_PORT} is already in use; set CODEC_SERVER_PORT to a free port (0: no codec server)`);
            }
            throw err;
          });
          const running = codec;
          stoppers.push({ name: 'codec server', stop: () => running.server.close() });
        }
        const temporal = await ensureTemporal(config, stoppers, say, codec?.server.url, engine);
        const client = await connectClient(config);
        await registerSearchAttributes(client, config.TEMPORAL_NAMESPACE);
        let schedulesText = 'none';
        if (opts.schedules !== 'none') {
          // Default: created paused if missing, and an existing schedule (an operator may have changed it) left alone.
          // An explicit --schedules sets the launch of every default schedule.
          const launch: Launch = opts.schedules === 'automatic' ? 'automatic' : 'manual';
          const results = [];
          for (const def of demoScheduleDefinitions(DEMO_INTERFACE, launch)) {
            results.push(await upsertFunctionSchedule(client, config.TEMPORAL_TASK_QUEUE, def, { ifMissing: opts.schedules === undefined }));
          }
          const created = results.filter((r) => r.result !== 'unchanged').length;
          schedulesText = `${results.length} for '${DEMO_INTERFACE}' (${created ? `${created} ${opts.schedules === undefined ? 'created' : 'set'} ${launch}` : 'kept as they were'}): s360-tixngo schedule list`;
        }
        await client.connection.close();

        let tixngoUrl = config.TIXNGO_URL;
        if (!tixngoUrl) {
          const sim = await startSimulator({ port: config.SIMULATOR_PORT, host: '127.0.0.1', persistFile: path.join(config.dataDir, 'simulator.json') });
          stoppers.push({ name: 'TIXNGO simulator', stop: () => sim.close() });
          tixngoUrl = sim.interfaceUrl;
        }

        const repo = createRepository(db);
        const existing = await repo.getInterfaceByName(DEMO_INTERFACE);
        if (!existing) {
          await repo.addInterface(
            {
              name: DEMO_INTERFACE,
              url: tixngoUrl,
              loginEmail: process.env.TIXNGO_LOGIN ?? 'organizer@example.org',
              apiKey: process.env.TIXNGO_API_KEY ?? 'sandbox-api-key',
              notificationEmails: [],
              customParams: {},
            },
            loadSecretKey(config),
          );
          say(`interface '${DEMO_INTERFACE}' created -> ${tixngoUrl}`);
        }
        const worker = await startWorker(workerConfig);
        stoppers.push({ name: 'worker', stop: () => worker.shutdown() });

        say('');
        say(`  Temporal gRPC    ${temporal.address}`);
        if (temporal.engineText) say(`  Temporal engine  ${temporal.engineText}`);
        if (temporal.uiUrl) say(`  Temporal Web UI  ${temporal.uiUrl}`);
        else if (engine === 'postgres' && temporal.engineText) say(`  Temporal Web UI  not started with --engine postgres: ${uiHint(temporal.address)}`);
        if (codec) {
          say(`  Codec server     ${codec.server.url}  (decodes payloads for the Web UI; sign in once at ${codec.server.url}/ with the token in ${codec.tokenSource},`);
          say('                   then in the UI\'s Codec Server settings turn on "Include cross-origin credentials")');
        }
        say(`  TIXNGO           ${tixngoUrl}${config.TIXNGO_URL ? '' : ' (simulator; admin API under /__sim)'}`);
        say(`  Task queue       ${config.TEMPORAL_TASK_QUEUE}`);
        say(`  S-360 database   ${workerConfig.DATABASE_URL ? maskUrl(workerConfig.DATABASE_URL) : config.dataDir}`);
        say(`  Schedules        ${schedulesText}`);
        say('');
        say('  Try:  s360-tixngo db seed --event E1 --tickets 1000   then   s360-tixngo run inject --wait');
        say('  Ctrl-C stops everything.');
        await worker.done;
      } catch (err) {
        await stopAll();
        throw err;
      }
    });
}
