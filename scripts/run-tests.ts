// `npm test`: provisions a real Temporal dev server (built from Go when missing), then runs every
// test/**/*.test.ts file with node's test runner, one file at a time (2 cores: servers per test
// would contend). Node's runner prints the closing `# pass N` / `# fail N` lines CI reads.
//
// Usage: npm test [-- <file or folder> ...]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureTemporalCli } from '../tooling/temporal-cli';
import { freePort } from '../temporal/ports';
import { startDevServer, type DevServer } from '../tooling/dev-server';

const root = path.resolve(__dirname, '..');

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
  const targets = process.argv.slice(2);
  const files = (targets.length ? targets : ['test']).flatMap(findTests);
  if (files.length === 0) {
    console.error('no test files found');
    return 1;
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  let server: DevServer | undefined;
  if (!env.TEMPORAL_TEST_ADDRESS) {
    const cli = ensureTemporalCli();
    if (cli) {
      env.TEMPORAL_CLI_PATH = cli.path;
      const logFile = path.join(root, '.data', 'test-temporal.log');
      fs.mkdirSync(path.dirname(logFile), { recursive: true });
      const started = Date.now();
      server = await startDevServer({ cliPath: cli.path, port: await freePort(), logFile });
      env.TEMPORAL_TEST_ADDRESS = server.address;
      console.error(`temporal dev server (${cli.source}: ${cli.path}) on ${server.address} in ${Date.now() - started} ms`);
    } else {
      console.error('no temporal CLI and no Go toolchain: tests will let @temporalio/testing download its dev server');
    }
  }
  env.TEMPORAL_LOG_LEVEL ??= 'ERROR';
  env.LOG_LEVEL ??= 'error';
  // One payload-codec key for the whole run, shared by test processes and the CLIs/workers they spawn (whatever
  // their DATA_DIR); no /metrics port unless a test asks for one.
  env.S360_CODEC_KEY ??= randomBytes(32).toString('hex');
  env.METRICS_PORT ??= '0';
  env.DATABASE_TEST_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
  // spec for people, TAP into a file so that a plain closing line can be printed whatever happens.
  const tapFile = path.join(root, '.data', 'test-results.tap');
  fs.mkdirSync(path.dirname(tapFile), { recursive: true });
  const args = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=300000', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tapFile}`, ...files];
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', env, cwd: root });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.once('SIGINT', forward);
    process.once('SIGTERM', forward);
    child.once('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
  });
  await server?.stop();
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
