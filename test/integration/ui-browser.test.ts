// The Temporal Web UI in a real browser (headless Debian chromium through playwright-core), against a dev server
// started with its UI and `--ui-codec-endpoint` pointing at our codec server: search `TicketId = "<id>"`, open that
// ticket's workflow, and see its input decoded, once this browser signed in on the codec server (before that, the
// UI gets 401 from the codec server and shows the payload still encrypted). Skipped, with the reason, when
// /usr/bin/chromium is absent (`apt-get install -y chromium`).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { getPayloadCodec } from '../../codec/data-converter';
import { startCodecServer, type RunningCodecServer } from '../../codec/server';
import { ticketWorkflowId } from '../../common/ids';
import { seed } from '../../db/seed';
import { createLogger, memoryDestination } from '../../observability/logger';
import { ensureTemporalCli } from '../../tooling/temporal-cli';
import { freePort, portAnswers } from '../../temporal/ports';
import { startDevServer, type DevServer } from '../../tooling/dev-server';
import { getStateQuery } from '../../workflows/messages';
import { createStack, eventually, type Stack } from '../helpers/stack';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = crypto.randomBytes(24).toString('base64url');
const shots = path.resolve(__dirname, '../../.data/ui-browser');

let server: DevServer | undefined;
let codecServer: RunningCodecServer | undefined;
let stack: Stack | undefined;
let browser: BrowserContext | undefined;
let profile: string | undefined;

after(async () => {
  await browser?.close().catch(() => undefined);
  await stack?.close();
  await codecServer?.close();
  await server?.stop();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

/** Opens the workflow list filtered by the query, then the ticket's workflow from it. */
async function openTicketWorkflow(page: Page, uiUrl: string, ticketId: string): Promise<void> {
  const query = `TicketId = "${ticketId}"`;
  await page.goto(`${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
  const link = page.getByRole('link', { name: ticketWorkflowId(ticketId), exact: true });
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

test('Temporal UI: TicketId search finds the ticket workflow; with the codec server its input is decoded', { timeout: 240_000 }, async (t) => {
  if (!fs.existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is absent (apt-get install -y chromium); the UI browser test needs it`);
    return;
  }
  const cli = ensureTemporalCli();
  if (!cli) {
    t.skip('no temporal CLI to start a dev server with its UI');
    return;
  }
  const { chromium } = await import('playwright-core');

  const uiPort = await freePort();
  const uiUrl = `http://127.0.0.1:${uiPort}`;
  const logs = memoryDestination();
  codecServer = await startCodecServer({ codec: getPayloadCodec(), token: TOKEN, allowedOrigins: [uiUrl], host: '127.0.0.1', port: 0, log: createLogger({ destination: logs.stream }) });
  fs.mkdirSync(shots, { recursive: true });
  server = await startDevServer({
    cliPath: cli.path,
    port: await freePort(),
    uiPort,
    extraArgs: ['--ui-codec-endpoint', codecServer.url],
    logFile: path.join(shots, 'temporal.log'),
  });
  await eventually('the Temporal UI answering', () => portAnswers('127.0.0.1', uiPort), (ok) => ok, 60_000);

  // The product on that server: a worker, an injection, ticket workflows.
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  stack = await createStack();
  const s = stack;
  const res = await seed(s.db.knex, { eventCode: 'UI1', tickets: 3, interfaceName: s.interfaceName });
  const ticketId = String(BigInt(res.firstTicketId!) + 1n);
  const summary = await s.run('inject');
  assert.equal(summary.succeeded, 3);
  await eventually('the ticket workflow INJECTED', () => s.client.workflow.getHandle(ticketWorkflowId(ticketId)).query(getStateQuery).catch(() => undefined), (st) => st?.step === 'INJECTED');
  // Visibility is eventually consistent: wait until the search finds it, as the UI will ask.
  await eventually(
    'the ticket workflow visible to TicketId search',
    async () => {
      let n = 0;
      for await (const _ of s.client.workflow.list({ query: `TicketId = "${ticketId}"` })) n++;
      return n;
    },
    (n) => n === 1,
  );

  profile = fs.mkdtempSync(path.join(os.tmpdir(), 's360-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // What the UI's "Codec Server" settings store when a person sets the endpoint in this browser and turns on
  // "Include cross-origin credentials" (the dev server's --ui-codec-endpoint cannot set that option).
  await browser.addInitScript({
    content: `if (location.origin === ${JSON.stringify(uiUrl)} && localStorage.getItem('endpoint') === null) {
      localStorage.setItem('endpoint', ${JSON.stringify(JSON.stringify(codecServer.url))});
      localStorage.setItem('includeCredentials', 'true');
      localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
    }`,
  });
  const page = browser.pages()[0] ?? (await browser.newPage());

  try {
    // 1. Not signed in on the codec server: its answer is 401, the input stays encrypted.
    await openTicketWorkflow(page, uiUrl, ticketId);
    const before = await inputText(page, false);
    assert.match(before, /"encoding": "YmluYXJ5L2VuY3J5cHRlZA=="/, 'the input shown encrypted (encoding binary/encrypted, base64)');
    assert.ok(!before.includes('"ticketId"') && !before.includes('"interfaceName"'), 'nothing decoded without the token');
    assert.ok(logs.lines().some((l) => l.path === '/decode' && l.status === 401), 'the UI called the codec server and was refused');

    // 2. Sign this browser in with the token (codec server page), then the same workflow shows decoded data.
    await page.goto(`${codecServer.url}/`);
    await page.locator('input[name="token"]').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in').waitFor();

    await openTicketWorkflow(page, uiUrl, ticketId);
    const text = await inputText(page, true);
    assert.match(text, new RegExp(`"ticketId":\\s*"${ticketId}"`), 'the decoded input names the ticket');
    assert.match(text, new RegExp(`"interfaceName":\\s*"${s.interfaceName}"`));
    assert.ok(
      logs.lines().some((l) => l.path === '/decode' && l.status === 200 && l.origin === uiUrl),
      'decoded by the codec server for the UI origin',
    );
    await page.screenshot({ path: path.join(shots, 'decoded.png'), fullPage: true });
  } catch (err) {
    await page.screenshot({ path: path.join(shots, 'failure.png'), fullPage: true }).catch(() => undefined);
    fs.writeFileSync(path.join(shots, 'failure.txt'), await page.locator('body').innerText().catch(() => ''));
    throw err;
  }
});
