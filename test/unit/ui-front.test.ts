// tooling/ui-front.ts: the UI settings get "include credentials" for our codec endpoint only; the rest passes
// through, byte for byte, over a real loopback proxy.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { startUiFront, withCodecCredentials } from '../../tooling/ui-front';

const ours = 'http://localhost:8234';
const settings = (endpoint: string) => JSON.stringify({ Auth: { Enabled: false }, Codec: { Endpoint: endpoint, PassAccessToken: false, IncludeCredentials: false }, Version: '2.42.1' });

test('withCodecCredentials: on for our endpoint only; other settings and non-JSON unchanged', () => {
  const on = JSON.parse(withCodecCredentials(settings(ours), ours)) as { Codec: { IncludeCredentials: boolean; Endpoint: string }; Version: string };
  assert.equal(on.Codec.IncludeCredentials, true);
  assert.equal(on.Codec.Endpoint, ours);
  assert.equal(on.Version, '2.42.1');
  for (const body of [settings('http://elsewhere:9999'), settings(''), 'not json', '{}']) assert.equal(withCodecCredentials(body, ours), body);
});

test('startUiFront: rewrites GET /api/v1/settings, passes everything else through (status, headers, body, POST bodies)', async () => {
  const upstream = http.createServer((req, res) => {
    if (req.url?.startsWith('/api/v1/settings')) return void res.writeHead(200, { 'Content-Type': 'application/json', 'X-Up': '1' }).end(settings(ours));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res.writeHead(201, { 'X-Echo': req.method ?? '' }).end(`${req.url} ${Buffer.concat(chunks).toString()}`));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const front = await startUiFront({ host: '127.0.0.1', port: 0, upstreamHost: '127.0.0.1', upstreamPort: (upstream.address() as AddressInfo).port, codecEndpoint: ours });
  try {
    const base = `http://127.0.0.1:${front.port}`;
    const s = await fetch(`${base}/api/v1/settings?`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(s.status, 200);
    assert.equal(s.headers.get('x-up'), '1');
    assert.equal(((await s.json()) as { Codec: { IncludeCredentials: boolean } }).Codec.IncludeCredentials, true);
    const p = await fetch(`${base}/api/v1/namespaces/default/workflows?x=1`, { method: 'POST', body: 'hello' });
    assert.equal(p.status, 201);
    assert.equal(p.headers.get('x-echo'), 'POST');
    assert.equal(await p.text(), '/api/v1/namespaces/default/workflows?x=1 hello');
  } finally {
    await front.close();
    await new Promise<void>((r) => upstream.close(() => r()));
  }
  // Upstream gone: 502, not a hang.
  const again = await startUiFront({ host: '127.0.0.1', port: 0, upstreamHost: '127.0.0.1', upstreamPort: (upstream.address() as AddressInfo | null)?.port ?? 1, codecEndpoint: ours });
  try {
    assert.equal((await fetch(`http://127.0.0.1:${again.port}/`)).status, 502);
  } finally {
    await again.close();
  }
});
