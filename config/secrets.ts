// Encryption of secrets at rest (interface API keys): AES-256-GCM, with the key id in the
// ciphertext so that a database dump alone reveals nothing and keys can be rotated.
//
// Format: v1:<kid>:<iv base64>:<tag base64>:<data base64>
//   kid = first 8 hex chars of sha256(key): identifies the key without revealing it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface SecretKey {
  /** Key id written into every ciphertext (8 hex chars). */
  readonly id: string;
  /** 32 raw bytes. */
  readonly key: Buffer;
}

const VERSION = 'v1';
const KEY_FILE = 'secret.key';

export class SecretKeyError extends Error {
  override name = 'SecretKeyError';
}

/** Builds a SecretKey from 32 raw bytes. */
export function secretKeyFromBytes(key: Buffer): SecretKey {
  if (key.length !== 32) throw new SecretKeyError(`a secret key must be 32 bytes, got ${key.length}`);
  return { id: crypto.createHash('sha256').update(key).digest('hex').slice(0, 8), key: Buffer.from(key) };
}

/** Parses 32 bytes written as 64 hex chars or as base64 (standard or url-safe). Returns undefined when it is neither. */
export function parseSecretKey(text: string): SecretKey | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return secretKeyFromBytes(Buffer.from(t, 'hex'));
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) {
    const b = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length === 32) return secretKeyFromBytes(b);
  }
  return undefined;
}

export function encryptSecret(plain: string, key: SecretKey): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key.key, iv);
  // The key id is authenticated too: a ciphertext moved under another kid fails to decrypt.
  cipher.setAAD(Buffer.from(`${VERSION}:${key.id}`));
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, key.id, iv.toString('base64'), tag.toString('base64'), data.toString('base64')].join(':');
}

/** The key id a ciphertext was made with (for rotation), or undefined when it is not in our format. */
export function secretKeyIdOf(enc: string): string | undefined {
  const parts = enc.split(':');
  return parts.length === 5 && parts[0] === VERSION ? parts[1] : undefined;
}

/**
 * Decrypts with the key whose id matches the ciphertext. Pass several keys (current + old ones)
 * while rotating. Errors never contain the ciphertext or the plain text.
 */
export function decryptSecret(enc: string, keys: SecretKey | readonly SecretKey[]): string {
  const parts = enc.split(':');
  if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretKeyError('encrypted secret: unknown format');
  const [, kid, ivB64, tagB64, dataB64] = parts as [string, string, string, string, string];
  const ring = Array.isArray(keys) ? (keys as readonly SecretKey[]) : [keys as SecretKey];
  const key = ring.find((k) => k.id === kid);
  if (!key) {
    throw new SecretKeyError(
      `encrypted secret uses key id ${kid}, but the configured key id is ${ring.map((k) => k.id).join(', ') || '(none)'} (S360_SECRET_KEY or ${KEY_FILE} changed?)`,
    );
  }
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key.key, Buffer.from(ivB64, 'base64'));
    decipher.setAAD(Buffer.from(`${VERSION}:${kid}`));
    decipher.setAuthTag(Buffer.from(tagB64, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(dataB64, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretKeyError(`encrypted secret (key id ${kid}) cannot be decrypted: corrupted or tampered`);
  }
}

/**
 * The key that encrypts interface API keys:
 * - `S360_SECRET_KEY` when set (32 bytes as 64 hex chars or base64; anything else is an error naming it);
 * - otherwise `${dataDir}/secret.key`, generated with mode 0600 on first use.
 * With DATABASE_URL shared by several machines, set S360_SECRET_KEY on all of them.
 */
export function loadSecretKey(config: { S360_SECRET_KEY?: string | undefined; dataDir: string }): SecretKey {
  if (config.S360_SECRET_KEY !== undefined && config.S360_SECRET_KEY !== '') {
    const k = parseSecretKey(config.S360_SECRET_KEY);
    if (!k) throw new SecretKeyError('S360_SECRET_KEY must be 32 bytes written as 64 hex characters or as base64');
    return k;
  }
  return loadOrCreateKeyFile(config.dataDir, KEY_FILE, 'S360_SECRET_KEY');
}

/**
 * A 32-byte key kept in `${dir}/${file}`, generated (random, 64 hex characters, mode 0600) on first use.
 * `envName` is the variable that overrides the file, named in the error when the file is damaged.
 */
export function loadOrCreateKeyFile(dir: string, file: string, envName: string): SecretKey {
  const full = path.join(dir, file);
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(full)) {
    // Written to a temp file then hard-linked: the key file appears complete or not at all, and a
    // concurrent first start never overwrites the key another process created (EEXIST: use theirs).
    const tmp = `${full}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, `${crypto.randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(tmp, full);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  const k = parseSecretKey(fs.readFileSync(full, 'utf8'));
  if (!k) throw new SecretKeyError(`${full} does not hold a 32-byte key (64 hex characters); fix it or set ${envName}`);
  return k;
}

/** Shortest bearer token the codec server accepts. */
export const MIN_TOKEN_LENGTH = 16;

/** Why a token cannot be used (too short, blank, or with spaces a Bearer header cannot carry), or undefined. */
export function tokenProblem(token: string): string | undefined {
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) return `expected at least ${MIN_TOKEN_LENGTH} characters, without spaces`;
  return undefined;
}
