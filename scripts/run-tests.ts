// `npm test`: provisions a real Temporal server (the dev server by default, built from Go when missing), then runs every
// test/**/*.test.ts file with node's test runner, one file at a time (2 cores: servers per test
// would contend). Node's runner prints the closing `# pass N` / `# fail N` lines CI reads.
//
// Usage: npm test [-- [--engine dev|postgres] [--suite core|engine] <file or folder> ...]
//
// --engine (or TEST_ENGINE): `dev` (default) runs `temporal server start-dev`; `postgres` runs the real Temporal
// server (tooling/temporal-server.ts) with 4 history shards on the PostgreSQL server of DATABASE_TEST_URL, in two
// databases named for this run and dropped after it. Either way test files get TEMPORAL_TEST_ADDRESS (namespace
// `default`, every search attribute registered) and TEST_ENGINE.
// --suite: a named list of files from test/suites.ts (core: what runs on both engines; engine: the engine faults).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureTemporalCli } from '../tooling/temporal-cli';
import { freePort } from '../temporal/ports';
import { startDevServer } from '../tooling/dev-server';
import { dropTemporalDatabases, ensureTemporalServerBinaries, startTemporalServer } from '../tooling/temporal-server';
import { TEST_SUITES, type TestSuiteName } from '../test/suites';

const root = path.resolve(__dirname, '..');
const ENGINES = ['dev', 'postgres'] as const;
type Engine = (typeof ENGINES)[number];

interface RunnerArgs {
  engine: Engine;
  suite?: TestSuiteName;
  targets: string[];
}

/** `--engine X` / `--engine=X`, `--suite X` / `--suite=X`, the rest are files or folders. */
function parseRunnerArgs(argv: readonly string[], env: NodeJS.ProcessEnv): RunnerArgs {
  let engine: string = env.TEST_ENGINE || 'dev';
  let suite: string | undefined;
  const targets: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--(engine|suite)(?:=(.*))?$/.exec(a);
    if (!m) {
      targets.push(a);
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (!value) throw new Error(`--${m[1]} needs a value`);
    if (m[1] === 'engine') engine = value;
    else suite = value;
  }
  if (!(ENGINES as readonly string[]).includes(engine)) throw new Error(`--engine (or TEST_ENGINE) must be one of ${ENGINES.join(', ')}, not '${engine}'`);
  if (suite !== undefined && !(suite in TEST_SUITES)) throw new Error(`--suite must be one of ${Object.keys(TEST_SUITES).join(', ')}, not '${suite}'`);
  return { engine: engine as Engine, suite: suite as TestSuiteName | undefined, targets };
}


function findTests(target: string): string[] {
  const abs = path.resolve(root, target);
  if (!fs.existsSync(abs)) throw new Error(`no such test file or folder: ${target}`);
  if (fs.statSync(abs).isFile()) return [abs];
  return fs
    .readdirSync(abs, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? findTests(path.join(abs, d.name)) : d.name.endsWith('.test.ts') ? [path.join(abs, d.name)] : []))
    .sort();
}

async function run(): Promise<number> {
  const args = parseRunnerArgs(process.argv.slice(2), process.env);
  const targets = [...(args.suite ? TEST_SUITES[args.suite] : []), ...args.targets];
  const files = [...new Set((targets.length ? targets : ['test']).flatMap(findTests))];
  if (files.length === 0) {
    console.error('no test files found');
    return 1;
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  env.DATABASE_TEST_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';
  env.TEST_ENGINE = args.engine;
  const cleanups: (() => Promise<void>)[] = [];
  try {
    return await runWith(args, files, env, cleanups);
  } finally {
    for (const c of cleanups) await c().catch((err: Error) => console.error(`cleanup: ${err.message}`));
  }
}

async function runWith(args: RunnerArgs, files: string[], env: NodeJS.ProcessEnv, cleanups: (() => Promise<void>)[]): Promise<number> {
  const logDir = path.join(root, '.data');
  fs.mkdirSync(logDir, { recursive: true });
  if (env.TEMPORAL_TEST_ADDRESS) {
    console.error(`temporal server: the one at TEMPORAL_TEST_ADDRESS=${env.TEMPORAL_TEST_ADDRESS} (engine ${args.engine})`);
    return runTests(files, env);
  }
  // The CLI also on the PostgreSQL engine: some tests drive the official `temporal` CLI.
  const cli = ensureTemporalCli();
  if (cli) env.TEMPORAL_CLI_PATH = cli.path;
  if (args.engine === 'postgres') {
    const bins = ensureTemporalServerBinaries((m) => console.error(m));
    const postgresUrl = env.DATABASE_TEST_URL!; // set by run()
    const databasePrefix = `temporal_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const dataDir = fs.mkdtempSync(path.join(logDir, 'test-temporal-server-'));
    const started = Date.now();
    cleanups.push(() => dropTemporalDatabases({ postgresUrl, databasePrefix }));
    cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const server = await startTemporalServer({
      postgresUrl,
      databasePrefix,
      shards: 4,
      dataDir,
      logFile: path.join(logDir, 'test-temporal-server.log'),
      say: (m) => console.error(m),
    });
    cleanups.unshift(() => server.stop());
    env.TEMPORAL_TEST_ADDRESS = server.address;
    console.error(`temporal server ${bins.server} (PostgreSQL, databases ${databasePrefix}*, 4 shards) on ${server.address} in ${Date.now() - started} ms`);
  } else if (cli) {
    const started = Date.now();
    const server = await startDevServer({ cliPath: cli.path, port: await freePort(), logFile: path.join(logDir, 'test-temporal.log') });
    cleanups.push(() => server.stop());
    env.TEMPORAL_TEST_ADDRESS = server.address;
    console.error(`temporal dev server (${cli.source}: ${cli.path}) on ${server.address} in ${Date.now() - started} ms`);
  } else {
    console.error('no temporal CLI and no Go toolchain: tests will let @temporalio/testing download its dev server');
  }
  return runTests(files, env);
}

/**
 * Per test file (each runs in its own process): 5 minutes, 15 on the PostgreSQL engine, whose fault tests inject
 * thousands of tickets around a restart on a loaded 2-core machine; TEST_TIMEOUT_MS overrides.
 */
function fileTimeoutMs(env: NodeJS.ProcessEnv): number {
  const fromEnv = Number(env.TEST_TIMEOUT_MS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return env.TEST_ENGINE === 'postgres' ? 900_000 : 300_000;
}

async function runTests(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  env.TEMPORAL_LOG_LEVEL ??= 'ERROR';
  env.LOG_LEVEL ??= 'error';
  // One payload-codec key for the whole run, shared by test processes and the CLIs/workers they spawn (whatever
  // their DATA_DIR); no /metrics port unless a test asks for one.
  env.S360_CODEC_KEY ??= randomBytes(32).toString('hex');
  env.METRICS_PORT ??= '0';
  // spec for people, TAP into a file so that a plain closing line can be printed whatever happens.
  const tapFile = path.join(root, '.data', 'test-results.tap');
  fs.rmSync(tapFile, { force: true });
  const nodeArgs = ['--import', 'tsx', '--test', '--test-concurrency=1', `--test-timeout=${fileTimeoutMs(env)}`, '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tapFile}`, ...files];
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, nodeArgs, { stdio: 'inherit', env, cwd: root });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.once('SIGINT', forward);
    process.once('SIGTERM', forward);
    child.once('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
  });
  const tap = fs.existsSync(tapFile) ? fs.readFileSync(tapFile, 'utf8') : '';
  const count = (k: string) => Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
  console.log(`${count('pass')} passed, ${count('fail') + count('cancelled')} failed, ${count('skipped') + count('todo')} skipped`);
  return code;
}

run().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`error: ${err.message}`);
    process.exit(1);
  },
);
