// `s360-tixngo dev` (what `npm start` runs), started as a user would, on free ports and a fresh DATA_DIR:
// its own Temporal dev server with the Web UI pointed at the codec server it also starts, the simulator, the
// embedded database and the worker; a run through it; Ctrl-C stops everything and leaves no process behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../temporal/ports';
import { DEV_TOKEN_FILE } from '../../codec/dev-codec-server';
import { CLI_BIN, PROJECT_ROOT, runCli } from '../helpers/cli';


function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // The test runner's own servers and keys are not this dev instance's.
  for (const k of ['DATABASE_URL', 'DATA_DIR', 'TEMPORAL_ADDRESS', 'S360_CODEC_SERVER_TOKEN', 'S360_CODEC_KEY', 'S360_CODEC_KEY_ID', 'TIXNGO_URL', 'METRICS_PORT']) delete env[k];
  return env;
}

test('dev: Temporal + Web UI wired to the codec server, simulator, embedded DB, worker; a run works; Ctrl-C leaves nothing behind', { timeout: 240_000 }, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 's360-dev-'));
  const [temporalPort, uiPort, simPort, codecPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...baseEnv(),
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    TEMPORAL_UI_PORT: String(uiPort),
    SIMULATOR_PORT: String(simPort),
    CODEC_SERVER_PORT: String(codecPort),
    LOG_LEVEL: 'warn',
  };
  const dev = spawn(process.execPath, [CLI_BIN, 'dev'], { cwd: PROJECT_ROOT, env, detached: true });
  let out = '';
  dev.stderr.on('data', (d: Buffer) => (out += d.toString()));
  dev.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 180_000;
    while (!out.includes('Ctrl-C stops everything')) {
      assert.ok(dev.exitCode === null, `dev exited early:\n${out}`);
      assert.ok(Date.now() < deadline, `dev did not come up:\n${out}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    // One host name for the browser: the codec server's sign-in cookie is for it (README: localhost).
    const codecUrl = `http://localhost:${codecPort}`;
    assert.match(out, new RegExp(`Codec server\\s+${codecUrl.replace(/\./g, '\\.')}`));
    assert.match(out, new RegExp(`Temporal Web UI\\s+http://localhost:${uiPort}`));

    // The Web UI was told where the codec server is, and to send the sign-in cookie there (tooling/ui-front.ts).
    const settings = (await (await fetch(`http://127.0.0.1:${uiPort}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string; IncludeCredentials?: boolean } };
    assert.equal(settings.Codec?.Endpoint, codecUrl);
    assert.equal(settings.Codec?.IncludeCredentials, true);

    // The codec server refuses a caller without the token and decodes for one with it (token kept under DATA_DIR, 0600).
    const tokenFile = path.join(dataDir, DEV_TOKEN_FILE);
    assert.equal(fs.statSync(tokenFile).mode & 0o777, 0o600);
    const token = fs.readFileSync(tokenFile, 'utf8').trim();
    assert.ok(!out.includes(token), 'the token is not printed');
    const body = JSON.stringify({ payloads: [] });
    const refused = await fetch(`${codecUrl}/decode`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
    assert.equal(refused.status, 401);
    const ok = await fetch(`${codecUrl}/decode`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);

    // The product works end to end through it: seed, inject, wait.
    const seeded = await runCli(['db', 'seed', '--event', 'DEV1', '--tickets', '20'], env);
    assert.equal(seeded.code, 0, seeded.stderr);
    const run = await runCli(['run', 'inject', '--wait', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as { succeeded: number; failed: number };
    assert.equal(summary.succeeded, 20);
    assert.equal(summary.failed, 0);
  } finally {
    if (dev.exitCode === null) process.kill(-dev.pid!, 'SIGINT');
  }
  assert.equal(await exited, 0, out);
  const pidFile = path.join(dataDir, 'temporal.pid');
  assert.ok(!fs.existsSync(pidFile), 'the dev server pid file is removed');
  // The embedded database's password was never printed, and everything dev left under DATA_DIR is owner-only.
  const dbPassword = fs.readFileSync(path.join(dataDir, 'embedded-db.password'), 'utf8').trim();
  assert.ok(!out.includes(dbPassword), 'the embedded database password is not printed');
  const loose: string[] = [];
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (!st.isSymbolicLink() && st.mode & 0o077) loose.push(`${(st.mode & 0o777).toString(8)} ${path.relative(dataDir, p)}`);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  };
  walk(dataDir);
  assert.deepEqual(loose.slice(0, 10), [], `${loose.length} entries under DATA_DIR open to group/others`);
  // Nothing listens any more on the ports dev used.
  for (const port of [temporalPort, codecPort, simPort]) {
    const res = await fetch(`http://127.0.0.1:${port}/`).then(
      () => 'answered',
      () => 'refused',
    );
    assert.equal(res, 'refused', `port ${port} still answers after Ctrl-C`);
  }
});
