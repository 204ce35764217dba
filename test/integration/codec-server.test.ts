// The codec server over real HTTP: round trip, bearer token, CORS limited to the UI origin, browser sign-in, 413 on
// oversized bodies, throttled token guesses, logs without plaintext, and the CLI refusing to start without a usable
// token outside --dev and printing the address it really listens on.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec } from '../../codec/encryption-codec';
import { loadCodecKeys } from '../../codec/keys';
import { FailureThrottle, MAX_BODY_BYTES, payloadFromJson, payloadToJson, startCodecServer, type RunningCodecServer } from '../../codec/server';
import { createLogger, memoryDestination } from '../../observability/logger';

const UI = 'http://localhost:8233';
const TOKEN = crypto.randomBytes(24).toString('base64url');
const holder = { ticketId: '42', email: 'ottilie.vandersteen@example.org', firstName: 'Ottilie', lastName: 'Vandersteen' };
const codec = new EncryptionCodec(loadCodecKeys({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 's360-cs-')), S360_CODEC_KEY: crypto.randomBytes(32).toString('hex'), S360_CODEC_KEY_ID: 'cs1' }));
const logs = memoryDestination();
let server: RunningCodecServer;

const body = (payloads: unknown[]) => JSON.stringify({ payloads });
const plainJson = () => payloadToJson(defaultPayloadConverter.toPayload(holder));

async function post(p: string, payloads: unknown[], headers: Record<string, string> = {}) {
  return fetch(`${server.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers }, body: body(payloads) });
}

before(async () => {
  server = await startCodecServer({ codec, token: TOKEN, allowedOrigins: [UI, 'http://127.0.0.1:8233'], host: '127.0.0.1', port: 0, log: createLogger({ level: 'info', destination: logs.stream }) });
});
after(async () => {
  await server?.close();
});

describe('codec server', () => {
  test('encode then decode round trip; decode of a payload the worker encrypted; plain payloads pass through', async () => {
    const enc = await post('/encode', [plainJson()], { authorization: `Bearer ${TOKEN}` });
    assert.equal(enc.status, 200);
    const encrypted = ((await enc.json()) as { payloads: unknown[] }).payloads;
    const e0 = payloadFromJson(encrypted[0], 0);
    assert.equal(Buffer.from(e0.metadata!.encoding!).toString(), 'binary/encrypted');
    assert.equal(Buffer.from(e0.metadata!['encryption-key-id']!).toString(), 'cs1');
    assert.ok(!JSON.stringify(encrypted).includes(Buffer.from(holder.email).toString('base64').slice(0, 12)));

    const fromWorker = payloadToJson((await codec.encode([defaultPayloadConverter.toPayload(holder)]))[0]!);
    // Mounted at any depth (the protocol only looks at the last path segment).
    const dec = await post('/default/decode', [encrypted[0], fromWorker, plainJson()], { authorization: `Bearer ${TOKEN}` });
    assert.equal(dec.status, 200);
    const decoded = ((await dec.json()) as { payloads: unknown[] }).payloads.map((p, i) => defaultPayloadConverter.fromPayload(payloadFromJson(p, i)));
    assert.deepEqual(decoded, [holder, holder, holder]);
  });

  test('proto3 JSON as the official CLI sends it: {} (empty Payloads), null lists and values, missing metadata or data', async () => {
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
    for (const p of ['/decode', '/encode']) {
      for (const raw of ['{}', '{"payloads":null}', '{"payloads":[]}']) {
        const res = await fetch(`${server.url}${p}`, { method: 'POST', headers: auth, body: raw });
        assert.equal(res.status, 200, `${p} ${raw}`);
        assert.deepEqual(await res.json(), { payloads: [] }, `${p} ${raw}`);
      }
    }
    // A payload with nothing set (Go's encoding/json omits empty fields), and a null metadata value: empty bytes.
    const dec = await post('/decode', [{}, { metadata: { encoding: Buffer.from('json/plain').toString('base64'), x: null } }], { authorization: `Bearer ${TOKEN}` });
    assert.equal(dec.status, 200);
    assert.equal(((await dec.json()) as { payloads: unknown[] }).payloads.length, 2);
    // Not a Payloads message at all: 400 naming what was expected.
    for (const raw of ['[]', '"x"', '{"payloads":{}}']) {
      const res = await fetch(`${server.url}/decode`, { method: 'POST', headers: auth, body: raw });
      assert.equal(res.status, 400, raw);
      assert.match(((await res.json()) as { error: string }).error, /payloads/i);
    }
  });

  test('the bare token as the whole Authorization header (`temporal --codec-auth <token>`) is accepted too', async () => {
    const fromWorker = payloadToJson((await codec.encode([defaultPayloadConverter.toPayload(holder)]))[0]!);
    const res = await post('/decode', [fromWorker], { authorization: TOKEN });
    assert.equal(res.status, 200);
    assert.deepEqual(defaultPayloadConverter.fromPayload(payloadFromJson(((await res.json()) as { payloads: unknown[] }).payloads[0], 0)), holder);
    // A wrong bare token is a wrong token (own server: this file's throttle budget is for the other tests).
    const own = await startCodecServer({ codec, token: TOKEN, allowedOrigins: [UI], host: '127.0.0.1', port: 0 });
    try {
      const wrong = await fetch(`${own.url}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `${TOKEN}x` }, body: body([fromWorker]) });
      assert.equal(wrong.status, 401);
    } finally {
      await own.close();
    }
  });

  test('no token, a wrong token, or a malformed header: 401, nothing decoded', async () => {
    const fromWorker = payloadToJson((await codec.encode([defaultPayloadConverter.toPayload(holder)]))[0]!);
    const cases: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: `Basic ${TOKEN}` }, { authorization: `Bearer ${TOKEN}x` }];
    for (const headers of cases) {
      const res = await post('/decode', [fromWorker], headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
      const text = await res.text();
      assert.ok(!text.includes(holder.email) && !text.includes(TOKEN));
    }
    const bad = await post('/decode', [{ data: 'not base64 !!' }], { authorization: `Bearer ${TOKEN}` });
    assert.equal(bad.status, 400);
  });

  test('CORS: the UI origin is allowed (preflight and request); a foreign origin gets no allow header and is refused', async () => {
    const pre = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: { origin: UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), UI);
    assert.match(pre.headers.get('access-control-allow-methods') ?? '', /POST/);
    const allowHeaders = (pre.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const h of ['authorization', 'content-type', 'x-namespace']) assert.ok(allowHeaders.includes(h), h);

    const ok = await post('/decode', [plainJson()], { origin: UI, authorization: `Bearer ${TOKEN}` });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), UI);

    const evil = 'http://evil.example.com';
    const evilPre = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { origin: evil, 'access-control-request-method': 'POST' } });
    assert.equal(evilPre.headers.get('access-control-allow-origin'), null);
    assert.notEqual(evilPre.status, 204);
    const evilPost = await post('/decode', [plainJson()], { origin: evil, authorization: `Bearer ${TOKEN}` });
    assert.equal(evilPost.headers.get('access-control-allow-origin'), null);
    assert.equal(evilPost.status, 403);
    // Another port of the same host is another origin.
    const otherPort = await post('/decode', [plainJson()], { origin: 'http://localhost:8234', authorization: `Bearer ${TOKEN}` });
    assert.equal(otherPort.headers.get('access-control-allow-origin'), null);
  });

  test('browser sign-in: the right token sets an HttpOnly SameSite=Strict cookie (not the token) that decodes; a wrong one does not', async () => {
    const wrong = await fetch(`${server.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=nope-nope-nope-nope' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('set-cookie'), null);
    const right = await fetch(`${server.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: TOKEN }).toString() });
    assert.equal(right.status, 200);
    const cookie = right.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.ok(!cookie.includes(TOKEN));
    const pair = cookie.split(';')[0]!;
    const fromWorker = payloadToJson((await codec.encode([defaultPayloadConverter.toPayload(holder)]))[0]!);
    const dec = await post('/decode', [fromWorker], { origin: UI, cookie: pair });
    assert.equal(dec.status, 200);
    assert.equal(dec.headers.get('access-control-allow-credentials'), 'true');
    assert.deepEqual(defaultPayloadConverter.fromPayload(payloadFromJson(((await dec.json()) as { payloads: unknown[] }).payloads[0], 0)), holder);
    const forged = await post('/decode', [fromWorker], { cookie: `${pair.split('=')[0]}=forged` });
    assert.equal(forged.status, 401);
  });

  test('a body above the limit: 413 answered (no connection reset), the server keeps serving', async () => {
    const big = Buffer.alloc(MAX_BODY_BYTES + 1, 0x20);
    const res = await fetch(`${server.url}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: big });
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as { error: string }).error, new RegExp(`${MAX_BODY_BYTES} bytes`));
    // Announced too large: refused without reading it.
    const announced = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${server.url}/login`, { method: 'POST', headers: { 'content-length': String(MAX_BODY_BYTES * 4), 'content-type': 'application/x-www-form-urlencoded' } }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write('token=');
    });
    assert.equal(announced, 413);
    const ok = await post('/decode', [plainJson()], { authorization: `Bearer ${TOKEN}` });
    assert.equal(ok.status, 200);
  });

  test('logs name requests, never payloads, names, e-mails or the token', () => {
    const lines = logs.lines();
    assert.ok(lines.some((l) => l.msg === 'codec request' && l.path === '/decode' && l.status === 200 && l.payloads === 1));
    const all = JSON.stringify(lines);
    for (const s of [holder.email, holder.firstName, holder.lastName, TOKEN]) assert.ok(!all.includes(s), `${s} in the logs`);
  });
});

describe('codec server throttling and token checks', () => {
  test('after 5 failed bearer attempts or sign-ins from one address within a minute: 429 with Retry-After, even for the right token', async () => {
    const own = await startCodecServer({ codec, token: TOKEN, allowedOrigins: [UI], host: '127.0.0.1', port: 0 });
    try {
      const dec = (authorization?: string) =>
        fetch(`${own.url}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: body([plainJson()]) });
      const login = (token: string) => fetch(`${own.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
      // No credential at all is not a guess: never counted.
      for (let i = 0; i < 8; i++) assert.equal((await dec()).status, 401);
      assert.equal((await dec(`Bearer ${TOKEN}`)).status, 200);
      for (let i = 0; i < 3; i++) assert.equal((await dec(`Bearer wrong-token-${i}-0123456789`)).status, 401);
      for (let i = 0; i < 2; i++) assert.equal((await login(`wrong-login-${i}-0123456789`)).status, 401);
      for (const res of [await dec(`Bearer ${TOKEN}`), await login(TOKEN), await dec('Bearer another-wrong-token-0123')]) {
        assert.equal(res.status, 429);
        const after = Number(res.headers.get('retry-after'));
        assert.ok(Number.isInteger(after) && after >= 1 && after <= 60, `Retry-After ${res.headers.get('retry-after')}`);
        assert.equal(res.headers.get('set-cookie'), null);
      }
      assert.equal((await fetch(`${own.url}/health`)).status, 200);
    } finally {
      await own.close();
    }
  });

  test('the throttle forgets an address when its window ends, and tracks a bounded number of addresses', () => {
    let now = 0;
    const t = new FailureThrottle(5, 60_000, 3, () => now);
    for (let i = 0; i < 5; i++) t.fail('10.0.0.1');
    assert.equal(t.retryAfterS('10.0.0.1'), 60);
    now = 59_001;
    assert.equal(t.retryAfterS('10.0.0.1'), 1);
    now = 60_000;
    assert.equal(t.retryAfterS('10.0.0.1'), 0);
    for (let i = 0; i < 100; i++) t.fail(`10.0.1.${i}`);
    assert.ok(t.size <= 3, `size ${t.size}`);
  });

  test('refuses a blank, short or spaced token, naming S360_CODEC_SERVER_TOKEN', async () => {
    for (const token of ['', ' '.repeat(24), 'short', `${'a'.repeat(10)}      `, 'abcdefgh ijklmnopq']) {
      await assert.rejects(startCodecServer({ codec, token, allowedOrigins: [UI], host: '127.0.0.1', port: 0 }), /S360_CODEC_SERVER_TOKEN: expected at least 16 characters, without spaces/, JSON.stringify(token));
    }
  });

  test('reports the address it really listens on', async () => {
    const any = await startCodecServer({ codec, token: TOKEN, allowedOrigins: [UI], host: '0.0.0.0', port: 0 });
    try {
      assert.equal(any.address, `0.0.0.0:${any.port}`);
      assert.notEqual(any.port, 0);
      assert.equal(any.url, `http://127.0.0.1:${any.port}`);
    } finally {
      await any.close();
    }
  });
});

describe('codec-server command', () => {
  const bin = path.resolve(__dirname, '../../bin/s360-tixngo.js');
  const run = (args: string[], env: Record<string, string>, until?: RegExp) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const base = { ...process.env };
      delete base.S360_CODEC_SERVER_TOKEN;
      const child = spawn(process.execPath, [bin, 'codec-server', ...args], { env: { ...base, DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 's360-cs-')), ...env } });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (until?.test(stderr)) child.kill('SIGTERM');
      });
      const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('close', (code) => {
        clearTimeout(t);
        resolve({ code, stderr });
      });
    });

  test('refuses to start without S360_CODEC_SERVER_TOKEN, naming it; --dev generates and prints one', async () => {
    const refused = await run(['--port', '0'], {});
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /S360_CODEC_SERVER_TOKEN is not set/);
    const dev = await run(['--port', '0', '--dev'], {}, /token \(generated for this run, --dev\): \S{20,}\n[\s\S]*browser sign-in/);
    assert.match(dev.stderr, /codec server on http:\/\/127\.0\.0\.1:\d+/);
    assert.match(dev.stderr, /token \(generated for this run, --dev\): \S{20,}/);
    const given = await run(['--port', '0'], { S360_CODEC_SERVER_TOKEN: TOKEN }, /browser sign-in/);
    assert.match(given.stderr, /codec server on/);
    assert.ok(!given.stderr.includes(TOKEN), 'a configured token is never printed');
  });

  test('refuses a short or blank token at start, naming the variable; prints the address it really binds', async () => {
    for (const token of ['too-short', ' '.repeat(20)]) {
      const r = await run(['--port', '0'], { S360_CODEC_SERVER_TOKEN: token });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /S360_CODEC_SERVER_TOKEN: expected at least 16 characters/);
    }
    const wide = await run(['--port', '0', '--host', '0.0.0.0'], { S360_CODEC_SERVER_TOKEN: TOKEN }, /browser sign-in/);
    assert.match(wide.stderr, /listening on 0\.0\.0\.0:[1-9]\d*/);
  });
});
