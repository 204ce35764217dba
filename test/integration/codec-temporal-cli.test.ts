// The codec server with the OFFICIAL `temporal` CLI (v1.5.1, `--codec-endpoint` + `--codec-auth`), against the
// product's workflows on the real stack: query without arguments (the CLI sends `{}`, proto3 JSON of an empty
// Payloads), describe, result, show, and signal with --input (encoded through /encode, applied by the workflow).
// Each shows decoded values; without the codec the same commands show cipher text. `--codec-auth` is sent as the
// whole Authorization header: `Bearer <token>` and the bare token both work, a wrong token is refused.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { getPayloadCodec } from '../../codec/data-converter';
import { ENCODING_ENCRYPTED } from '../../codec/encryption-codec';
import { startCodecServer, type RunningCodecServer } from '../../codec/server';
import { functionWorkflowId, ticketWorkflowId } from '../../common/ids';
import { seed } from '../../db/seed';
import { createLogger, memoryDestination } from '../../observability/logger';
import { findTemporalCli } from '../../tooling/temporal-cli';
import { getStateQuery } from '../../workflows/messages';
import { createStack, eventually, type Stack } from '../helpers/stack';

const TOKEN = crypto.randomBytes(24).toString('base64url');
const cli = findTemporalCli();
const logs = memoryDestination();
let s: Stack;
let codec: RunningCodecServer;
let ticketId: string;
let injectionId: string;

before(async () => {
  if (!cli) return;
  s = await createStack();
  codec = await startCodecServer({ codec: getPayloadCodec(), token: TOKEN, allowedOrigins: [], host: '127.0.0.1', port: 0, log: createLogger({ level: 'info', destination: logs.stream }) });
  const res = await seed(s.db.knex, { eventCode: `TC${crypto.randomBytes(2).toString('hex')}`, tickets: 2, interfaceName: s.interfaceName });
  ticketId = res.firstTicketId!;
  const summary = await s.run('inject');
  assert.equal(summary.succeeded, 2);
  injectionId = functionWorkflowId('INJECTION', s.interfaceName);
  await eventually('the ticket workflow INJECTED', () => s.client.workflow.getHandle(ticketWorkflowId(ticketId)).query(getStateQuery).catch(() => undefined), (st) => st?.step === 'INJECTED', 60_000);
});
after(async () => {
  await codec?.close();
  await s?.close();
});

/** Runs the official CLI against the test server; `auth` undefined: without the codec server. */
function temporal(args: string[], auth?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const full = [...args, '--address', s.env.address, '--namespace', 'default'];
  if (auth !== undefined) full.push('--codec-endpoint', codec.url, '--codec-auth', auth);
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('TEMPORAL_')) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(cli!.path, full, { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c ?? -1, stdout, stderr }));
  });
}

const bearer = `Bearer ${TOKEN}`;
const encryptedB64 = Buffer.from(ENCODING_ENCRYPTED).toString('base64');

test('official temporal CLI through the codec server: query, describe, result, show, signal --input', { timeout: 240_000, skip: cli ? false : 'no temporal CLI built (go install github.com/temporalio/cli/cmd/temporal@v1.5.1)' }, async () => {
  const ticketWf = ticketWorkflowId(ticketId);

  // query without arguments: the CLI encodes the empty argument list as `{}`.
  const q = await temporal(['workflow', 'query', '--workflow-id', ticketWf, '--type', 'getState', '-o', 'json'], bearer);
  assert.equal(q.code, 0, q.stderr);
  assert.match(q.stdout, /"step":\s*"INJECTED"/);
  assert.ok(logs.lines().some((l) => l.path === '/encode' && l.status === 200 && l.payloads === 0), 'an empty Payloads ({}) encoded');
  assert.ok(!logs.lines().some((l) => l.status === 400), 'no request refused as malformed');

  // describe of the finished function run: its result decoded; without the codec, cipher text.
  const d = await temporal(['workflow', 'describe', '--workflow-id', injectionId, '-o', 'json'], bearer);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /"outcome":\s*"OK"/);
  assert.match(d.stdout, /"succeeded":\s*2/);
  const dPlain = await temporal(['workflow', 'describe', '--workflow-id', injectionId, '-o', 'json']);
  assert.equal(dPlain.code, 0, dPlain.stderr);
  assert.ok(!dPlain.stdout.includes('"outcome"'), 'without the codec the result is not readable');
  assert.ok(dPlain.stdout.includes(encryptedB64) || dPlain.stdout.includes(ENCODING_ENCRYPTED), 'without the codec: binary/encrypted');

  // result (text output), with the bare token as --codec-auth.
  const r = await temporal(['workflow', 'result', '--workflow-id', injectionId], TOKEN);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /"outcome":\s*"OK"/);

  // show --detailed: the ticket workflow's input decoded, in plain text.
  const sh = await temporal(['workflow', 'show', '--workflow-id', ticketWf, '--detailed'], bearer);
  assert.equal(sh.code, 0, sh.stderr);
  assert.match(sh.stdout, new RegExp(`"?ticketId"?:\\s*"?${ticketId}`), sh.stdout.slice(0, 3000));
  // show -o json keeps payloads as protobuf JSON (base64, for replayers): decoded to json/plain by the codec server.
  type Shown = { events: { workflowExecutionStartedEventAttributes?: { input?: { payloads: { metadata: Record<string, string>; data: string }[] } } }[] };
  const shJson = await temporal(['workflow', 'show', '--workflow-id', ticketWf, '-o', 'json'], bearer);
  const input = (JSON.parse(shJson.stdout) as Shown).events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads[0];
  assert.equal(Buffer.from(input?.metadata.encoding ?? '', 'base64').toString(), 'json/plain');
  assert.equal((JSON.parse(Buffer.from(input?.data ?? '', 'base64').toString()) as { ticketId: string }).ticketId, ticketId);
  const shPlain = await temporal(['workflow', 'show', '--workflow-id', ticketWf, '--detailed']);
  assert.equal(shPlain.code, 0, shPlain.stderr);
  assert.ok(!shPlain.stdout.includes('ticketId'), 'without the codec: the input is not readable');

  // signal --input: encoded by the codec server (stored encrypted), applied by the workflow.
  const sig = await temporal(['workflow', 'signal', '--workflow-id', ticketWf, '--name', 'ticketEvent', '--input', '{"type":"feedback","tixngoStatus":"DOWNLOADED","version":424242}'], bearer);
  assert.equal(sig.code, 0, sig.stderr);
  const st = await eventually('the signal applied', () => s.client.workflow.getHandle(ticketWf).query(getStateQuery), (x) => x.tixngoVersion === 424242);
  assert.equal(st.tixngoStatus, 'DOWNLOADED');
  const again = await temporal(['workflow', 'query', '--workflow-id', ticketWf, '--type', 'getState', '-o', 'json'], bearer);
  assert.match(again.stdout, /"tixngoStatus":\s*"DOWNLOADED"/);
  const raw = await s.env.connection.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId: ticketWf } });
  const signaled = raw.history?.events?.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'ticketEvent').at(-1);
  const p = signaled?.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0];
  assert.equal(Buffer.from(p?.metadata?.encoding ?? []).toString(), ENCODING_ENCRYPTED, 'the CLI signal stored encrypted');

  // A wrong token: refused, nothing decoded.
  const wrong = await temporal(['workflow', 'query', '--workflow-id', ticketWf, '--type', 'getState', '-o', 'json'], 'Bearer wrong-token-0123456789');
  assert.notEqual(wrong.code, 0);
  assert.ok(!wrong.stdout.includes('INJECTED'));
  assert.ok(logs.lines().some((l) => l.status === 401));
});
