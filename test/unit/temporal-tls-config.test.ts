// The Temporal connection variables (config/temporal-tls.ts) and the options every connection is built from
// (temporal/connection.ts): certificates made with openssl, read from a path or given as PEM text, checked at start.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../config';
import { validityProblem } from '../../config/temporal-tls';
import { explainConnectionFailure } from '../../temporal/connection-errors';
import { temporalConnectionOptions } from '../../temporal/connection';
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs';

const API_KEY = 'tmprl-api-key-DO-NOT-PRINT-0123456789';
let c: TestCerts;
const read = (f: string) => fs.readFileSync(f, 'utf8');
/** The base64 body of a PEM file: what must never appear in a message or a printed configuration. */
const body = (f: string) => read(f).split('\n').filter((l) => l && !l.startsWith('-----')).slice(1, 3).join('');

/** loadConfig's error message for env, asserting it is a one-line ConfigError. */
function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.doesNotMatch(err.message, /\n/, 'one line');
    return err.message;
  }
  assert.fail(`loadConfig accepted ${Object.keys(env).join(', ')}`);
}

before(() => {
  c = makeTestCerts();
});
after(() => c?.remove());

test('default: no TLS variable set, a plain connection to TEMPORAL_ADDRESS, as before', () => {
  const opts = temporalConnectionOptions(loadConfig({}));
  assert.deepEqual(opts, { address: '127.0.0.1:7233', tls: false });
});

describe('client certificate, key and CA: a path or the PEM text', () => {
  const cases: { name: string; env: () => Record<string, string> }[] = [
    { name: 'paths', env: () => ({ TEMPORAL_TLS_CERT: c.clientCert, TEMPORAL_TLS_KEY: c.clientKey, TEMPORAL_TLS_CA: c.ca }) },
    { name: 'PEM text', env: () => ({ TEMPORAL_TLS_CERT: read(c.clientCert), TEMPORAL_TLS_KEY: read(c.clientKey), TEMPORAL_TLS_CA: read(c.ca) }) },
    {
      name: 'PEM text with \\n written as two characters (secret stores)',
      env: () => ({ TEMPORAL_TLS_CERT: read(c.clientCert).replace(/\n/g, '\\n'), TEMPORAL_TLS_KEY: read(c.clientKey).replace(/\n/g, '\\n'), TEMPORAL_TLS_CA: c.ca }),
    },
    { name: 'a relative path', env: () => ({ TEMPORAL_TLS_CERT: path.relative(process.cwd(), c.clientCert), TEMPORAL_TLS_KEY: c.clientKey, TEMPORAL_TLS_CA: c.ca }) },
  ];
  for (const { name, env } of cases) {
    test(name, () => {
      const config = loadConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233', ...env() });
      const opts = temporalConnectionOptions(config);
      assert.equal(opts.address, 'temporal.internal:7233');
      assert.ok(opts.tls, 'TLS on');
      assert.equal(opts.tls.clientCertPair?.crt.toString(), read(c.clientCert));
      assert.equal(opts.tls.clientCertPair?.key.toString(), read(c.clientKey));
      assert.equal(opts.tls.serverRootCACertificate?.toString(), read(c.ca));
      assert.equal(opts.tls.serverNameOverride, undefined);
      assert.equal(opts.apiKey, undefined);
      // The private key never shows in a printed configuration.
      assert.ok(!JSON.stringify(config).includes(body(c.clientKey)), 'JSON');
      assert.ok(!inspect(config, { depth: 10 }).includes(body(c.clientKey)), 'inspect');
    });
  }

  test('a CA alone: TLS verifying the server, no client certificate', () => {
    const opts = temporalConnectionOptions(loadConfig({ TEMPORAL_TLS_CA: c.ca }));
    assert.deepEqual(Object.keys(opts.tls || {}), ['serverRootCACertificate']);
  });

  test('TEMPORAL_TLS=true alone: TLS with the system roots; TEMPORAL_TLS=false with TLS settings is refused', () => {
    assert.deepEqual(temporalConnectionOptions(loadConfig({ TEMPORAL_TLS: 'true' })).tls, {});
    assert.match(configError({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_CA: c.ca }), /TEMPORAL_TLS: false contradicts TEMPORAL_TLS_CA/);
    assert.match(configError({ TEMPORAL_TLS: 'maybe' }), /TEMPORAL_TLS:/);
  });
});

describe('refused at start, one line naming the variable', () => {
  test('a certificate without its key, or a key without its certificate, names both variables', () => {
    for (const env of [{ TEMPORAL_TLS_CERT: c.clientCert }, { TEMPORAL_TLS_KEY: c.clientKey }] as Record<string, string>[]) {
      const msg = configError(env);
      assert.match(msg, /TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: .*(set both, or neither)/);
    }
    assert.match(configError({ TEMPORAL_TLS_CERT: c.clientCert }), /TEMPORAL_TLS_CERT is set without TEMPORAL_TLS_KEY/);
    assert.match(configError({ TEMPORAL_TLS_KEY: c.clientKey }), /TEMPORAL_TLS_KEY is set without TEMPORAL_TLS_CERT/);
  });

  test('a key that does not belong to the certificate', () => {
    const msg = configError({ TEMPORAL_TLS_CERT: c.clientCert, TEMPORAL_TLS_KEY: read(c.foreignClientKey) });
    assert.match(msg, /TEMPORAL_TLS_KEY: this private key \(PEM text\) does not belong to the certificate of TEMPORAL_TLS_CERT \(CN=s360-worker/);
    assert.ok(!msg.includes(body(c.foreignClientKey)), 'the key is not quoted');
  });

  test('an expired client certificate (and one not valid yet)', () => {
    const msg = configError({ TEMPORAL_TLS_CERT: c.expiredClientCert, TEMPORAL_TLS_KEY: c.clientKey });
    assert.match(msg, /^invalid configuration: TEMPORAL_TLS_CERT: the certificate CN=s360-worker expired on \d{4}-\d\d-\d\dT[\d:]+Z: renew it \(file .*expired-client\.pem\)$/);
    const cert = new X509Certificate(read(c.clientCert));
    assert.match(validityProblem(cert, new Date('2000-01-01T00:00:00Z'))!, /the certificate CN=s360-worker is not valid before/);
    assert.equal(validityProblem(cert), undefined);
  });

  test('missing file, a directory, text that is not PEM, a broken certificate, swapped cert and key', () => {
    const missing = path.join(c.dir, 'nope.pem');
    assert.match(configError({ TEMPORAL_TLS_CA: missing }), new RegExp(`TEMPORAL_TLS_CA: file ${missing} does not exist \\(expected a file path or the PEM text itself\\)`));
    assert.match(configError({ TEMPORAL_TLS_CA: c.dir }), /TEMPORAL_TLS_CA: .* is a directory, not a PEM file/);
    const notPem = path.join(c.dir, 'not-pem.txt');
    fs.writeFileSync(notPem, 'hello\n');
    assert.match(configError({ TEMPORAL_TLS_CA: notPem }), /TEMPORAL_TLS_CA: file .*not-pem\.txt holds no PEM certificate/);
    const broken = read(c.ca).replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA');
    assert.match(configError({ TEMPORAL_TLS_CA: broken }), /TEMPORAL_TLS_CA: PEM text is not a valid certificate/);
    assert.match(configError({ TEMPORAL_TLS_CERT: c.clientKey, TEMPORAL_TLS_KEY: c.clientCert }), /TEMPORAL_TLS_CERT: file .*client\.key holds a private key, not a certificate \(swapped with TEMPORAL_TLS_KEY\?\)/);
    assert.match(configError({ TEMPORAL_TLS_CERT: c.clientKey, TEMPORAL_TLS_KEY: c.clientCert }), /TEMPORAL_TLS_KEY: file .*client\.pem holds a certificate, not a private key/);
    assert.match(configError({ TEMPORAL_TLS_CERT: c.clientCert, TEMPORAL_TLS_KEY: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n' }), /TEMPORAL_TLS_KEY: PEM text is not a valid PEM private key$/);
  });

  test('an encrypted private key is refused with the way out', () => {
    const enc = path.join(c.dir, 'enc.key');
    execFileSync('openssl', ['pkey', '-in', c.clientKey, '-aes256', '-passout', 'pass:pw', '-out', enc]);
    assert.match(configError({ TEMPORAL_TLS_CERT: c.clientCert, TEMPORAL_TLS_KEY: enc }), /TEMPORAL_TLS_KEY: file .*enc\.key holds an encrypted private key; give it unencrypted/);
  });

  test('several problems are named together, with the other variables', () => {
    const msg = configError({ TEMPORAL_TLS_CA: path.join(c.dir, 'nope.pem'), TEMPORAL_TLS_SERVER_NAME: 'https://temporal:7233', LOG_LEVEL: 'loud' });
    assert.match(msg, /TEMPORAL_TLS_CA: file/);
    assert.match(msg, /TEMPORAL_TLS_SERVER_NAME: expected the host name/);
    assert.match(msg, /LOG_LEVEL/);
  });
});

describe('API key and server name', () => {
  test('TEMPORAL_API_KEY: sent as apiKey with the namespace header, implies TLS, never printed', () => {
    const config = loadConfig({ TEMPORAL_API_KEY: API_KEY, TEMPORAL_NAMESPACE: 'prod.a1b2c', TEMPORAL_ADDRESS: 'prod.a1b2c.tmprl.cloud:7233' });
    const opts = temporalConnectionOptions(config);
    assert.equal(opts.apiKey, API_KEY);
    assert.deepEqual(opts.metadata, { 'temporal-namespace': 'prod.a1b2c' });
    assert.deepEqual(opts.tls, {}, 'TLS with the system roots (Temporal Cloud)');
    assert.ok(!JSON.stringify(config).includes(API_KEY), 'not in JSON');
    assert.ok(!inspect(config, { depth: 10 }).includes(API_KEY), 'not in inspect');
    assert.ok(!String(config.TEMPORAL_API_KEY).includes(API_KEY), 'not in String()');
  });

  test('TEMPORAL_API_KEY with TEMPORAL_TLS=false: the key over plain gRPC (a local TLS-terminating proxy)', () => {
    const opts = temporalConnectionOptions(loadConfig({ TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS: 'false' }));
    assert.equal(opts.tls, false);
    assert.equal(opts.apiKey, API_KEY);
  });

  test('a malformed API key is refused naming the variable, never showing the key', () => {
    for (const bad of [`${API_KEY} trailing`, `${API_KEY}\n`, `é${API_KEY}`]) {
      const msg = configError({ TEMPORAL_API_KEY: bad });
      assert.match(msg, /TEMPORAL_API_KEY: expected printable characters without spaces/);
      assert.ok(!msg.includes(API_KEY), 'the key is not in the message');
    }
    // Nor when another variable is wrong next to it.
    const msg = configError({ TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS_CERT: c.clientCert });
    assert.ok(!msg.includes(API_KEY));
  });

  test('TEMPORAL_TLS_SERVER_NAME: a host name, sent as serverNameOverride', () => {
    const opts = temporalConnectionOptions(loadConfig({ TEMPORAL_TLS_CA: c.ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.example.com' }));
    assert.ok(opts.tls);
    assert.equal(opts.tls.serverNameOverride, 'temporal.example.com');
    for (const bad of ['temporal.example.com:7233', 'https://temporal.example.com', 'a b']) {
      assert.match(configError({ TEMPORAL_TLS_SERVER_NAME: bad }), /TEMPORAL_TLS_SERVER_NAME: expected the host name the server certificate is issued for/, bad);
    }
  });
});

describe('connection failures explained (TLS probe against a local mTLS HTTP/2 server)', () => {
  let server: http2.Http2SecureServer;
  let address: string;
  before(async () => {
    server = http2.createSecureServer({ key: read(c.serverKey), cert: read(c.serverCert), ca: read(c.ca), requestCert: true, rejectUnauthorized: true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server?.close());
  const explain = (env: Record<string, string>) => explainConnectionFailure(loadConfig({ TEMPORAL_ADDRESS: address, ...env }), new Error('Failed to connect before the deadline'));

  test('server certificate checked with our CA and server name', async () => {
    assert.match(await explain({ TEMPORAL_TLS_CA: c.otherCa }), /^TEMPORAL_TLS_CA: the server's certificate is not signed by this CA \(server certificate CN=localhost, issued by CN=s360 test CA; TEMPORAL_TLS_CA holds CN=s360 other CA/);
    assert.match(await explain({ TEMPORAL_TLS: 'true', TEMPORAL_API_KEY: API_KEY }), /^TEMPORAL_TLS_CA: the server's certificate at .* is not signed by a CA this system trusts .*: set TEMPORAL_TLS_CA/);
    assert.match(
      await explain({ TEMPORAL_TLS_CA: c.ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.example.com' }),
      /^TEMPORAL_TLS_SERVER_NAME: the server's certificate is not issued for temporal\.example\.com \(it names DNS:localhost, IP Address:127\.0\.0\.1\)/,
    );
  });

  test('client certificate: none, or one the server does not trust', async () => {
    assert.match(await explain({ TEMPORAL_TLS_CA: c.ca }), /^TEMPORAL_TLS_CERT: the server at .* requires a client certificate \(mTLS\) and none is configured: set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY/);
    assert.match(await explain({ TEMPORAL_TLS_CA: c.ca, TEMPORAL_TLS_CERT: c.foreignClientCert, TEMPORAL_TLS_KEY: c.foreignClientKey }), /^TEMPORAL_TLS_CERT: .*client certificate CN=s360-intruder, issued by CN=s360 other CA/);
  });

  test('TLS client against a plain HTTP/2 server: TEMPORAL_TLS, it does not speak TLS', async () => {
    const plain = http2.createServer();
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const line = await explainConnectionFailure(loadConfig({ TEMPORAL_ADDRESS: `127.0.0.1:${(plain.address() as AddressInfo).port}`, TEMPORAL_TLS_CA: c.ca }), new Error('x'));
      assert.match(line, /^TEMPORAL_TLS: the server at 127\.0\.0\.1:\d+ does not speak TLS \(a plain server, such as the dev server\)/);
    } finally {
      plain.close();
    }
  });

  test('plain client against a TLS server; nothing listening; the API key never in the line', async () => {
    assert.match(await explain({}), /the server requires TLS; set TEMPORAL_TLS_CA/);
    const line = await explainConnectionFailure(loadConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_API_KEY: API_KEY }), new Error(`boom ${API_KEY}`));
    assert.match(line, /^cannot reach Temporal at TEMPORAL_ADDRESS=127\.0\.0\.1:1: nothing answers \(ECONNREFUSED\)$/);
    const ok = await explainConnectionFailure(loadConfig({ TEMPORAL_ADDRESS: address, TEMPORAL_TLS_CA: c.ca, TEMPORAL_TLS_CERT: c.clientCert, TEMPORAL_TLS_KEY: c.clientKey, TEMPORAL_API_KEY: API_KEY }), Object.assign(new Error(`16 UNAUTHENTICATED: bad key ${API_KEY}`), { code: 16 }));
    assert.match(ok, /^TEMPORAL_API_KEY: the server at .* refused the API key \(16 UNAUTHENTICATED: bad key \*\*\*\)$/);
  });
});
