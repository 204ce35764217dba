// The payload codec's key ring, from the configuration:
//   S360_CODEC_KEY       the current key (encrypts; 32 bytes as 64 hex characters or base64);
//                        unset: `${DATA_DIR}/codec.key`, generated on first use (local development);
//   S360_CODEC_KEY_ID    the id written into each payload's metadata (default: derived from the key);
//   S360_CODEC_OLD_KEYS  `id:key,id:key`, older keys still accepted for decryption (rotation).
// Every worker, client and codec server that shares a namespace must hold the same current key, and the old ones
// for as long as histories encrypted with them are read.
import type { Config } from '../config';
import { loadOrCreateKeyFile, parseSecretKey, type SecretKey } from '../config/secrets';

export const CODEC_KEY_FILE = 'codec.key';

export interface CodecKeyRing {
  /** Encrypts every new payload. */
  current: SecretKey;
  /** Decryption only, by id. */
  old: readonly SecretKey[];
}

export type CodecKeyConfig = Pick<Config, 'S360_CODEC_KEY' | 'S360_CODEC_KEY_ID' | 'S360_CODEC_OLD_KEYS' | 'dataDir'>;

export class CodecKeyError extends Error {
  override name = 'CodecKeyError';
}

function withId(key: SecretKey, id: string | undefined): SecretKey {
  return id === undefined ? key : { id, key: key.key };
}

/** Builds the key ring; errors name the variable and never contain key material. */
export function loadCodecKeys(config: CodecKeyConfig): CodecKeyRing {
  let current: SecretKey;
  if (config.S360_CODEC_KEY) {
    const k = parseSecretKey(config.S360_CODEC_KEY);
    if (!k) throw new CodecKeyError('S360_CODEC_KEY must be 32 bytes written as 64 hex characters or as base64');
    current = withId(k, config.S360_CODEC_KEY_ID);
  } else {
    current = loadOrCreateKeyFile(config.dataDir, CODEC_KEY_FILE, 'S360_CODEC_KEY');
  }
  const old: SecretKey[] = [];
  for (const entry of (config.S360_CODEC_OLD_KEYS ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const cut = entry.indexOf(':');
    const id = entry.slice(0, cut);
    const k = cut > 0 ? parseSecretKey(entry.slice(cut + 1)) : undefined;
    if (!k) throw new CodecKeyError(`S360_CODEC_OLD_KEYS: entry '${id || '?'}' must be id:key with a 32-byte key`);
    if (id === current.id) {
      if (!k.key.equals(current.key)) throw new CodecKeyError(`S360_CODEC_OLD_KEYS: key id ${id} is the current key's id (S360_CODEC_KEY_ID) with another key`);
      continue;
    }
    old.push({ id, key: k.key });
  }
  return { current, old };
}
