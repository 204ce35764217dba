import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decryptSecret, encryptSecret, loadSecretKey, parseSecretKey, secretKeyFromBytes, secretKeyIdOf } from '../../config/secrets';

const key = () => secretKeyFromBytes(crypto.randomBytes(32));

void describe('config/secrets', () => {
  void test('round trip; the ciphertext carries the key id and not the plain text', () => {
    const k = key();
    const enc = encryptSecret('tixngo-api-key-123', k);
    assert.match(enc, /^v1:[0-9a-f]{8}:[^:]+:[^:]+:[^:]+$/);
    assert.equal(secretKeyIdOf(enc), k.id);
    assert.ok(!enc.includes('tixngo-api-key-123'));
    assert.equal(decryptSecret(enc, k), 'tixngo-api-key-123');
    // random IV: the same secret encrypts differently
    assert.notEqual(encryptSecret('tixngo-api-key-123', k), enc);
  });

  void test('a wrong key is named by id; a tampered ciphertext is refused; a key ring decrypts old ciphertexts', () => {
    const k1 = key();
    const k2 = key();
    const enc = encryptSecret('pl41n-k3y', k1);
    assert.throws(() => decryptSecret(enc, k2), (e: Error) => e.message.includes(k1.id) && !e.message.includes('pl41n-k3y'));
    const parts = enc.split(':');
    const data = Buffer.from(parts[4]!, 'base64');
    data[0] = data[0]! ^ 1;
    parts[4] = data.toString('base64');
    assert.throws(() => decryptSecret(parts.join(':'), k1), /tampered/);
    assert.throws(() => decryptSecret('plain', k1), /unknown format/);
    assert.equal(decryptSecret(enc, [k2, k1]), 'pl41n-k3y');
  });

  void test('parseSecretKey: 64 hex chars or base64 of 32 bytes, nothing else', () => {
    const raw = crypto.randomBytes(32);
    assert.equal(parseSecretKey(raw.toString('hex'))?.id, secretKeyFromBytes(raw).id);
    assert.equal(parseSecretKey(raw.toString('base64'))?.id, secretKeyFromBytes(raw).id);
    assert.equal(parseSecretKey(raw.toString('base64url'))?.id, secretKeyFromBytes(raw).id);
    assert.equal(parseSecretKey(crypto.randomBytes(16).toString('hex')), undefined);
    assert.equal(parseSecretKey('not a key'), undefined);
  });

  void test('loadSecretKey: S360_SECRET_KEY wins, a bad one is an error naming it', () => {
    const raw = crypto.randomBytes(32);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's360-secret-'));
    try {
      assert.equal(loadSecretKey({ S360_SECRET_KEY: raw.toString('hex'), dataDir: dir }).id, secretKeyFromBytes(raw).id);
      assert.throws(() => loadSecretKey({ S360_SECRET_KEY: 'abcd', dataDir: dir }), /S360_SECRET_KEY/);
      assert.ok(!fs.existsSync(path.join(dir, 'secret.key')), 'no key file when the variable is set');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  void test('loadSecretKey: without the variable, a 0600 key file is generated once and reused', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 's360-secret-')), 'nested');
    try {
      const k1 = loadSecretKey({ dataDir: dir });
      const file = path.join(dir, 'secret.key');
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      const k2 = loadSecretKey({ dataDir: dir, S360_SECRET_KEY: '' });
      assert.equal(k2.id, k1.id);
      assert.deepEqual(fs.readdirSync(dir), ['secret.key'], 'no temp file left behind');
      fs.writeFileSync(file, 'garbage');
      assert.throws(() => loadSecretKey({ dataDir: dir }), /secret\.key/);
    } finally {
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });
});
