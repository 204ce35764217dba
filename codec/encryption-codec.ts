// AES-256-GCM payload codec: every payload leaving this process (workflow and activity arguments and results,
// signals, queries, updates, heartbeat details, encoded failure attributes) is stored by Temporal encrypted.
//
// An encrypted payload:
//   metadata.encoding           = "binary/encrypted"      (the marker: anything else passes through on decode)
//   metadata.encryption-key-id  = id of the key that encrypted it (rotation: old ids stay decryptable)
//   metadata.encryption-cipher  = "AES-256-GCM"
//   data                        = iv (12 bytes) | ciphertext | tag (16 bytes) of the original Payload protobuf,
//                                 with the key id as additional authenticated data.
// Payloads without the marker pass through decode unchanged: S-360 clients written in other languages may send
// plain JSON, and the histories recorded before the codec still replay.
import crypto from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { UNDECRYPTABLE, type UndecryptableMarker } from '../common/undecryptable';
import type { SecretKey } from '../config/secrets';
import type { CodecKeyRing } from './keys';

export const ENCODING_ENCRYPTED = 'binary/encrypted';
export const METADATA_ENCODING = 'encoding';
export const METADATA_KEY_ID = 'encryption-key-id';
export const METADATA_CIPHER = 'encryption-cipher';
export const CIPHER = 'AES-256-GCM';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
  constructor(
    message: string,
    readonly keyId: string,
  ) {
    super(message);
  }
}

const text = (b: Uint8Array | null | undefined): string | undefined => (b ? Buffer.from(b).toString('utf8') : undefined);

/** The key id of an encrypted payload, undefined when the payload is not encrypted by this codec. */
export function encryptedKeyId(payload: Payload): string | undefined {
  if (text(payload.metadata?.[METADATA_ENCODING]) !== ENCODING_ENCRYPTED) return undefined;
  return text(payload.metadata?.[METADATA_KEY_ID]) ?? '';
}

export interface EncryptionCodecOptions {
  /**
   * What decode does with a payload it cannot decrypt (unknown key id, damaged data). `throw` (clients, the codec
   * server): a PayloadDecryptionError. `marker` (workers): the JSON value `{ "$undecryptable": { keyId, reason } }`
   * (common/undecryptable.ts), which the workflows refuse at entry with a clear failure; throwing there would fail
   * the workflow task, retried forever.
   */
  undecryptable?: 'throw' | 'marker';
}

/** The plain JSON payload a worker reads in place of an undecryptable one. */
export function undecryptablePayload(keyId: string, reason: UndecryptableMarker[typeof UNDECRYPTABLE]['reason']): Payload {
  const marker: UndecryptableMarker = { [UNDECRYPTABLE]: { keyId, reason } };
  return { metadata: { [METADATA_ENCODING]: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(marker)) };
}

export class EncryptionCodec implements PayloadCodec {
  readonly #current: SecretKey;
  readonly #byId: ReadonlyMap<string, SecretKey>;
  readonly #marker: boolean;

  constructor(keys: CodecKeyRing, opts: EncryptionCodecOptions = {}) {
    this.#current = keys.current;
    this.#byId = new Map([...keys.old, keys.current].map((k) => [k.id, k]));
    this.#marker = opts.undecryptable === 'marker';
  }

  /** Id of the key new payloads are encrypted with. */
  get keyId(): string {
    return this.#current.id;
  }

  /** Ids of every key this codec can decrypt with. */
  get keyIds(): string[] {
    return [...this.#byId.keys()];
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encodeOne(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      if (!this.#marker) return this.decodeOne(p);
      try {
        return this.decodeOne(p);
      } catch (err) {
        if (!(err instanceof PayloadDecryptionError)) throw err;
        return undecryptablePayload(err.keyId, this.#byId.has(err.keyId) ? 'damaged' : 'unknown-key');
      }
    });
  }

  encodeOne(payload: Payload): Payload {
    if (encryptedKeyId(payload) !== undefined) return payload; // already encrypted: never twice
    const key = this.#current;
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', key.key, iv);
    cipher.setAAD(Buffer.from(key.id, 'utf8'));
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING]: Buffer.from(ENCODING_ENCRYPTED),
        [METADATA_KEY_ID]: Buffer.from(key.id),
        [METADATA_CIPHER]: Buffer.from(CIPHER),
      },
      data,
    };
  }

  /** Decrypts a payload of this codec; any other payload is returned as it is. Errors never carry data. */
  decodeOne(payload: Payload): Payload {
    const kid = encryptedKeyId(payload);
    if (kid === undefined) return payload;
    const key = this.#byId.get(kid);
    if (!key) {
      throw new PayloadDecryptionError(
        `payload encrypted with codec key id '${kid}', which this process does not hold (its key ids: ${this.keyIds.join(', ')}): it was written with another codec key; use the same S360_CODEC_KEY (or DATA_DIR) as the workers, or add that key to S360_CODEC_OLD_KEYS`,
        kid,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`encrypted payload (key id '${kid}') is truncated`, kid);
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', key.key, data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(kid, 'utf8'));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain);
    } catch {
      throw new PayloadDecryptionError(`encrypted payload (key id '${kid}') cannot be decrypted: wrong key or tampered data`, kid);
    }
  }
}
