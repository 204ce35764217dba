// The payload codec: AES-256-GCM with an encoding marker and the key id in the metadata, rotation through old keys,
// plain payloads passing through, and configuration errors that name the variable.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { getDataConverter, getPayloadCodec, getWorkerDataConverter } from '../../codec/data-converter';
import { UNDECRYPTABLE, undecryptable } from '../../common/undecryptable';
import { ENCODING_ENCRYPTED, EncryptionCodec, PayloadDecryptionError, encryptedKeyId } from '../../codec/encryption-codec';
import { loadCodecKeys, type CodecKeyConfig } from '../../codec/keys';
import { ConfigError, loadConfig } from '../../config';
import { secretKeyFromBytes } from '../../config/secrets';

const hex = () => crypto.randomBytes(32).toString('hex');
const meta = (p: Payload, k: string) => (p.metadata?.[k] ? Buffer.from(p.metadata[k]).toString('utf8') : undefined);
const holder = { firstName: 'Heloise', lastName: 'Quintavalle', email: 'heloise.quintavalle@example.org' };
const plain = () => defaultPayloadConverter.toPayload(holder);
const cfg = (over: Partial<CodecKeyConfig> = {}): CodecKeyConfig => ({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 's360-codec-')), S360_CODEC_KEY: hex(), ...over });

describe('EncryptionCodec', () => {
  test('encrypts with the marker and key id in the metadata; the plaintext is nowhere; decode restores it', async () => {
    const codec = new EncryptionCodec(loadCodecKeys(cfg({ S360_CODEC_KEY_ID: 'k2025' })));
    const [enc] = await codec.encode([plain()]);
    assert.equal(meta(enc!, 'encoding'), ENCODING_ENCRYPTED);
    assert.equal(meta(enc!, 'encryption-key-id'), 'k2025');
    assert.equal(meta(enc!, 'encryption-cipher'), 'AES-256-GCM');
    const raw = Buffer.from(JSON.stringify({ m: Object.values(enc!.metadata ?? {}).map((v) => Buffer.from(v).toString()), d: Buffer.from(enc!.data!).toString('latin1') }));
    for (const s of Object.values(holder)) assert.ok(!raw.includes(s), `${s} visible in the encrypted payload`);
    const [dec] = await codec.decode([enc!]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(dec!), holder);
    assert.equal(meta(dec!, 'encoding'), 'json/plain');
    // random IV: the same value encrypts differently; never encrypted twice
    const [again] = await codec.encode([plain()]);
    assert.notDeepEqual(Buffer.from(again!.data!), Buffer.from(enc!.data!));
    const [twice] = await codec.encode([enc!]);
    assert.equal(twice, enc);
  });

  test('plain and foreign payloads pass through decode (S-360 clients may send plain JSON)', async () => {
    const codec = new EncryptionCodec(loadCodecKeys(cfg()));
    const p = plain();
    const nul = defaultPayloadConverter.toPayload(undefined);
    const foreign: Payload = { metadata: { encoding: Buffer.from('binary/snappy') }, data: Buffer.from('xyz') };
    assert.deepEqual(await codec.decode([p, nul, foreign]), [p, nul, foreign]);
    assert.equal(encryptedKeyId(p), undefined);
  });

  test('rotation: a payload of an old key decrypts with S360_CODEC_OLD_KEYS; an unknown key id is named, no data in the error', async () => {
    const oldKey = hex();
    const before = new EncryptionCodec(loadCodecKeys(cfg({ S360_CODEC_KEY: oldKey, S360_CODEC_KEY_ID: 'old1' })));
    const [enc] = await before.encode([plain()]);
    const after = new EncryptionCodec(loadCodecKeys(cfg({ S360_CODEC_KEY_ID: 'new2', S360_CODEC_OLD_KEYS: `old1:${oldKey}` })));
    assert.deepEqual(defaultPayloadConverter.fromPayload((await after.decode([enc!]))[0]!), holder);
    assert.equal(encryptedKeyId((await after.encode([plain()]))[0]!), 'new2');
    assert.deepEqual(after.keyIds.sort(), ['new2', 'old1']);

    const without = new EncryptionCodec(loadCodecKeys(cfg({ S360_CODEC_KEY_ID: 'new2' })));
    await assert.rejects(without.decode([enc!]), (e: Error) => e instanceof PayloadDecryptionError && /key id 'old1'/.test(e.message) && /S360_CODEC_OLD_KEYS/.test(e.message) && !e.message.includes(holder.email));
  });

  test("worker mode: a payload it cannot decrypt reads as the $undecryptable marker (key id, reason, no data); the client mode throws", async () => {
    const foreign = new EncryptionCodec(loadCodecKeys(cfg({ S360_CODEC_KEY_ID: 'other9' })));
    const [enc] = await foreign.encode([plain()]);
    const k = cfg({ S360_CODEC_KEY_ID: 'mine1' });
    const worker = new EncryptionCodec(loadCodecKeys(k), { undecryptable: 'marker' });
    const own = (await worker.encode([plain()]))[0]!;
    const flipped = Buffer.from(own.data!);
    flipped[20] = flipped[20]! ^ 1;
    const out = await worker.decode([enc!, own, { ...own, data: flipped }, plain()]);
    assert.deepEqual(
      out.map((p) => defaultPayloadConverter.fromPayload(p)),
      [{ [UNDECRYPTABLE]: { keyId: 'other9', reason: 'unknown-key' } }, holder, { [UNDECRYPTABLE]: { keyId: 'mine1', reason: 'damaged' } }, holder],
    );
    assert.deepEqual(undecryptable(defaultPayloadConverter.fromPayload(out[0]!)), { keyId: 'other9', reason: 'unknown-key' });
    assert.equal(undecryptable(holder), undefined);
    await assert.rejects(new EncryptionCodec(loadCodecKeys(k)).decode([enc!]), PayloadDecryptionError);
    // The workers' converter uses the marker; the clients' one throws.
    const c = cfg();
    assert.notEqual(getWorkerDataConverter(c), getDataConverter(c));
    await assert.rejects((getDataConverter(c).payloadCodecs![0]!).decode([enc!]), PayloadDecryptionError);
    assert.ok(undecryptable(defaultPayloadConverter.fromPayload((await getWorkerDataConverter(c).payloadCodecs![0]!.decode([enc!]))[0]!)));
  });

  test('a tampered payload, or one moved under another key id, is refused', async () => {
    const k = hex();
    const codec = new EncryptionCodec(loadCodecKeys(cfg({ S360_CODEC_KEY: k, S360_CODEC_KEY_ID: 'a' })));
    const [enc] = await codec.encode([plain()]);
    const flipped = Buffer.from(enc!.data!);
    flipped[20] = flipped[20]! ^ 1;
    await assert.rejects(codec.decode([{ ...enc!, data: flipped }]), /cannot be decrypted/);
    // Same key under another id: the id is authenticated data, so this fails too.
    const relabelled = new EncryptionCodec({ current: { id: 'b', key: Buffer.from(k, 'hex') }, old: [{ id: 'a', key: secretKeyFromBytes(crypto.randomBytes(32)).key }] });
    await assert.rejects(relabelled.decode([{ ...enc!, metadata: { ...enc!.metadata, 'encryption-key-id': Buffer.from('b') } }]), /cannot be decrypted/);
    await assert.rejects(codec.decode([{ ...enc!, data: Buffer.alloc(5) }]), /truncated/);
  });
});

describe('codec configuration', () => {
  test('unset key: generated once under DATA_DIR (mode 0600) and shared by every process using that DATA_DIR', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 's360-codec-'));
    const a = loadCodecKeys({ dataDir });
    const b = loadCodecKeys({ dataDir });
    assert.equal(a.current.id, b.current.id);
    assert.ok(a.current.key.equals(b.current.key));
    assert.equal(fs.statSync(path.join(dataDir, 'codec.key')).mode & 0o777, 0o600);
    assert.match(a.current.id, /^[0-9a-f]{8}$/);
  });

  test('wrong values stop the start with a message naming the variable, never the key', () => {
    const secret = 'not-a-key-but-a-secret-string';
    assert.throws(() => loadConfig({ S360_CODEC_KEY: secret }), (e: Error) => e instanceof ConfigError && /S360_CODEC_KEY: expected 32 bytes/.test(e.message) && !e.message.includes(secret));
    assert.throws(() => loadConfig({ S360_CODEC_KEY: hex(), S360_CODEC_KEY_ID: 'bad id!' }), /S360_CODEC_KEY_ID/);
    assert.throws(() => loadConfig({ S360_CODEC_KEY_ID: 'k1' }), /S360_CODEC_KEY_ID: set only together with S360_CODEC_KEY/);
    const k = hex();
    assert.throws(() => loadConfig({ S360_CODEC_OLD_KEYS: `k1:${k},k2` }), (e: Error) => /S360_CODEC_OLD_KEYS: entry 2/.test(e.message) && !e.message.includes(k));
    assert.throws(() => loadConfig({ S360_CODEC_OLD_KEYS: `k1:${k},k1:${hex()}` }), /S360_CODEC_OLD_KEYS: entry 2: key id k1 appears twice/);
    assert.throws(() => loadConfig({ S360_CODEC_CORS_ORIGINS: 'http://localhost:8233/ui' }), /S360_CODEC_CORS_ORIGINS/);
    assert.throws(() => loadConfig({ S360_CODEC_SERVER_TOKEN: 'short' }), /S360_CODEC_SERVER_TOKEN: expected at least 16 characters/);
    assert.throws(() => loadConfig({ METRICS_PORT: '-1' }), /METRICS_PORT/);
    const c = loadConfig({ TEMPORAL_UI_PORT: '9000' });
    assert.deepEqual(c.codecCorsOrigins, ['http://localhost:9000', 'http://127.0.0.1:9000']);
    assert.equal(c.METRICS_PORT, 9464);
  });

  test('one data converter per process and key configuration (memoised); failures are encoded too', () => {
    const c = cfg();
    assert.equal(getDataConverter(c), getDataConverter({ ...c }));
    assert.notEqual(getDataConverter(c), getDataConverter(cfg()));
    assert.equal(getDataConverter(c).payloadCodecs?.[0], getPayloadCodec(c));
    assert.match(getDataConverter(c).failureConverterPath ?? '', /codec[/\\]failure-converter/);
  });
});
