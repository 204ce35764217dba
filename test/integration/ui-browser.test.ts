// The README's Web UI path, followed as written by a new user, in a real browser (headless Debian chromium through
// playwright-core) with a FRESH profile (nothing set in the UI's Codec Server drawer): `npm start` (= `dev`, on free
// ports and a fresh DATA_DIR), a run, then the Web UI at the address the banner prints: search `TicketId = "<id>"`,
// open that ticket's workflow, its input is shown encrypted (the codec server answers 401); sign in on the codec
// server's page at the address the banner prints, with the token from the file it names; the same workflow now
// shows its input decoded. The banner, the UI's codec endpoint and the README use one host name (localhost): the
// sign-in cookie is for that host. Skipped, with the reason, when /usr/bin/chromium is absent
// (`apt-get install -y chromium`).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { BrowserContext, Page } from 'playwright-core';
import { findTemporalCli } from '../../tooling/temporal-cli';
import { freePort } from '../../temporal/ports';
import { CLI_BIN, PROJECT_ROOT, runCli } from '../helpers/cli';
import { eventually } from '../helpers/stack';

const CHROMIUM = '/usr/bin/chromium';
const shots = path.resolve(__dirname, '../../.data/ui-browser');

let dev: ChildProcess | undefined;
let exited: Promise<unknown> | undefined;
let browser: BrowserContext | undefined;
let profile: string | undefined;
let connection: Connection | undefined;

after(async () => {
  await browser?.close().catch(() => undefined);
  await connection?.close().catch(() => undefined);
  if (dev && dev.exitCode === null) {
    const group = -dev.pid!;
    process.kill(group, 'SIGINT');
    const t = setTimeout(() => process.kill(group, 'SIGKILL'), 30_000);
    await exited;
    clearTimeout(t);
  }
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

function devEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // The test runner's own servers and keys are not this dev instance's.
  for (const k of ['DATABASE_URL', 'DATA_DIR', 'TEMPORAL_ADDRESS', 'S360_CODEC_SERVER_TOKEN', 'S360_CODEC_KEY', 'S360_CODEC_KEY_ID', 'TIXNGO_URL', 'METRICS_PORT', 'S360_CODEC_CORS_ORIGINS']) delete env[k];
  return env;
}

/** Opens the workflow list filtered by the query, then the ticket's workflow from it. */
async function openTicketWorkflow(page: Page, uiUrl: string, ticketId: string): Promise<void> {
  const query = `TicketId = "${ticketId}"`;
  await page.goto(`${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
  const link = page.getByRole('link', { name: `ticket-${ticketId}`, exact: true });
  await link.first().waitFor({ timeout: 60_000 });
  // The search found this ticket's workflow only.
  assert.equal(await page.getByRole('link', { name: /^ticket-\d+$/ }).count(), 1, 'one ticket workflow listed');
  await link.first().click();
  await page.waitForURL(/\/workflows\/ticket-\d+\//, { timeout: 30_000 });
}

/** The text of the page once the workflow's input is shown, decoded (`"ticketId"`) or not (`"metadata"`). */
async function inputText(page: Page, decoded: boolean): Promise<string> {
  await page.getByText(decoded ? '"ticketId"' : '"metadata"').first().waitFor({ timeout: 60_000 });
  return page.locator('body').innerText();
}

test('README path: npm start, sign in on the codec server page as the banner says, the Web UI shows decoded input (fresh browser profile)', { timeout: 295_000 }, async (t) => {
  if (!fs.existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is absent (apt-get install -y chromium); the UI browser test needs it`);
    return;
  }
  if (!findTemporalCli()) {
    t.skip('no temporal CLI to start a dev server with its UI');
    return;
  }
  const { chromium } = await import('playwright-core');

  // 1. `npm start`, as a user runs it (own ports and DATA_DIR, so that it never meets another test's servers).
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 's360-ui-'));
  const [temporalPort, uiPort, simPort, codecPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...devEnv(),
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    TEMPORAL_UI_PORT: String(uiPort),
    SIMULATOR_PORT: String(simPort),
    CODEC_SERVER_PORT: String(codecPort),
    LOG_LEVEL: 'warn',
  };
  // `--schedules none`: the demo schedules play no part here, and creating them only slows the start.
  const child = spawn(process.execPath, [CLI_BIN, 'dev', '--schedules', 'none'], { cwd: PROJECT_ROOT, env, detached: true });
  dev = child;
  exited = new Promise((resolve) => child.once('exit', resolve));
  let out = '';
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 200_000;
  while (!out.includes('Ctrl-C stops everything')) {
    assert.ok(child.exitCode === null, `dev exited early:\n${out}`);
    assert.ok(Date.now() < deadline, `dev did not come up:\n${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }

  // What the banner tells the user: the UI, the codec server and where the token is; one host name for all.
  const uiUrl = /Temporal Web UI\s+(http:\/\/\S+)/.exec(out)?.[1];
  const codecUrl = /Codec server\s+(http:\/\/\S+)/.exec(out)?.[1];
  const tokenFile = /with the token in (\S+?),? then/.exec(out)?.[1];
  assert.equal(uiUrl, `http://localhost:${uiPort}`, out);
  assert.equal(codecUrl, `http://localhost:${codecPort}`, out);
  assert.ok(tokenFile && fs.existsSync(tokenFile), `the banner names the token file:\n${out}`);
  assert.match(out, new RegExp(`sign this browser in once at ${codecUrl}/`));
  const token = fs.readFileSync(tokenFile, 'utf8').trim();

  // 2. The README's next commands: seed and inject.
  const seeded = await runCli(['db', 'seed', '--event', 'UI1', '--tickets', '3'], env);
  assert.equal(seeded.code, 0, seeded.stderr);
  const run = await runCli(['run', 'inject', '--wait', '--json'], env);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.json<{ succeeded: number }>().succeeded, 3);

  // A ticket to look at (ids only: listing needs no key); visible to the search the UI will make.
  connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: 'default' });
  const ticketId = await eventually(
    'a ticket workflow visible to TicketId search',
    async () => {
      for await (const wf of client.workflow.list({ query: 'WorkflowType = "ticketLifecycle"' })) return wf.workflowId.replace(/^ticket-/, '');
      return undefined;
    },
    (id) => id !== undefined,
    60_000,
  );
  await eventually(
    'TicketId search',
    async () => {
      let n = 0;
      for await (const _ of client.workflow.list({ query: `TicketId = "${ticketId}"` })) n++;
      return n;
    },
    (n) => n === 1,
    60_000,
  );

  // 3. A browser with a fresh profile: nothing in localStorage, the UI's codec drawer never touched.
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 's360-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const decodeStatuses: number[] = [];
  page.on('response', (r) => {
    if (r.url() === `${codecUrl}/decode`) decodeStatuses.push(r.status());
  });
  fs.mkdirSync(shots, { recursive: true });

  try {
    // Not signed in on the codec server: its answer is 401, the input stays encrypted.
    await openTicketWorkflow(page, uiUrl, ticketId!);
    const before = await inputText(page, false);
    assert.match(before, /"encoding": "YmluYXJ5L2VuY3J5cHRlZA=="/, 'the input shown encrypted (encoding binary/encrypted, base64)');
    assert.ok(!before.includes('"ticketId"') && !before.includes('"interfaceName"'), 'nothing decoded without the token');
    await eventually('the UI called the codec server', async () => decodeStatuses, (s) => s.includes(401));

    // Sign in as the banner says, then the same workflow shows decoded data: no other step.
    await page.goto(`${codecUrl}/`);
    await page.locator('input[name="token"]').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in').waitFor();

    await openTicketWorkflow(page, uiUrl, ticketId!);
    const text = await inputText(page, true);
    assert.match(text, new RegExp(`"ticketId":\\s*"${ticketId}"`), 'the decoded input names the ticket');
    assert.match(text, /"interfaceName":\s*"demo"/);
    assert.ok(decodeStatuses.includes(200), `the codec server decoded for the UI (statuses ${decodeStatuses.join(',')})`);
    // The UI's own codec settings were never set in this browser (the cluster-level setting did it).
    const stored = await page.evaluate<(string | null)[]>(`[localStorage.getItem('endpoint'), localStorage.getItem('overrideRemoteCodecConfiguration')]`);
    assert.ok(stored.every((v) => v === null || v === '""' || v === 'false'), `browser codec settings: ${JSON.stringify(stored)}`);
    await page.screenshot({ path: path.join(shots, 'decoded.png'), fullPage: true });
  } catch (err) {
    await page.screenshot({ path: path.join(shots, 'failure.png'), fullPage: true }).catch(() => undefined);
    fs.writeFileSync(path.join(shots, 'failure.txt'), `${await page.locator('body').innerText().catch(() => '')}\n\n--- dev output ---\n${out}`);
    throw err;
  }
});
