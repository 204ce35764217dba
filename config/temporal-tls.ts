// How every process reaches Temporal beyond address and namespace: TLS (server CA, client certificate for mTLS,
// server name) and a Temporal Cloud API key. Read and checked at start (loadConfig), with node:crypto, so that a
// missing file, a text that is not PEM, an expired certificate or a key that does not belong to its certificate
// stops the program with one line naming the variable, before anything connects.
//
//   TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY   client certificate (chain) and its private key, together or not at all;
//                                          each a file path or the PEM text itself (`\n` escapes accepted)
//   TEMPORAL_TLS_CA                        CA certificate(s) that signed the server's certificate (default: the
//                                          system's trusted roots)
//   TEMPORAL_TLS_SERVER_NAME               name checked against the server's certificate (and sent as SNI)
//   TEMPORAL_API_KEY                       Temporal Cloud API key, sent as `Authorization: Bearer`
//   TEMPORAL_TLS                           true|false; default: on as soon as one of the above is set
//
// The API key and the private key's PEM are wrapped in Redacted: JSON, util.inspect and string conversion show
// `[redacted]`, so a logged configuration never carries them; messages never quote them.
import crypto, { X509Certificate, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { z } from 'zod';

/** A secret value that never prints: JSON, inspect and String() give `[redacted]`. */
export class Redacted<T> {
  readonly #value: T;
  constructor(value: T) {
    this.#value = value;
  }
  reveal(): T {
    return this.#value;
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}

/** TEMPORAL_TLS_CERT or TEMPORAL_TLS_CA, read and parsed. */
export interface CertificateBundle {
  /** The PEM as given (file content or text). */
  pem: Buffer;
  /** Where it came from, for messages: `file /path` or `PEM text`. */
  from: string;
  /** Every certificate in it, in order (for TEMPORAL_TLS_CERT the first is the client's own). */
  certs: X509Certificate[];
}

/** TEMPORAL_TLS_KEY, read and parsed. */
export interface PrivateKeyPem {
  pem: Redacted<Buffer>;
  from: string;
  key: KeyObject;
}

const BEGIN = '-----BEGIN ';
const CERT_BLOCKS = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/;
const KEY_BLOCK = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]*?-----END \1-----/;

/** A certificate's subject for messages: its CN when it has one, else the whole subject on one line. */
export function subjectOf(cert: X509Certificate): string {
  return oneLineDn(cert.subject);
}
export function issuerOf(cert: X509Certificate): string {
  return oneLineDn(cert.issuer);
}
function oneLineDn(dn: string): string {
  const parts = dn.split('\n').filter(Boolean);
  return parts.find((p) => p.startsWith('CN=')) ?? (parts.join(', ') || '(empty)');
}

const day = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The PEM text of a variable: the value itself when it holds a PEM block (`\n` written as two characters, as some
 * secret stores do, is turned back into line breaks), otherwise the content of the file it names. Returns a problem
 * text (without the variable's name) instead when the file cannot be read; never quotes the value.
 */
function readPemSource(value: string): { pem: Buffer; from: string } | { problem: string } {
  if (value.includes(BEGIN)) {
    const text = value.includes('\n') ? value : value.replace(/\\n/g, '\n');
    return { pem: Buffer.from(text), from: 'PEM text' };
  }
  const file = path.resolve(value.trim());
  try {
    const pem = fs.readFileSync(file);
    return { pem, from: `file ${file}` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { problem: `file ${file} does not exist (expected a file path or the PEM text itself)` };
    if (code === 'EACCES' || code === 'EPERM') return { problem: `cannot read file ${file}: permission denied` };
    if (code === 'EISDIR') return { problem: `${file} is a directory, not a PEM file` };
    return { problem: `cannot read file ${file} (${code ?? (err as Error).message})` };
  }
}

/** Why a certificate is not valid now (not yet, or expired), or undefined. */
export function validityProblem(cert: X509Certificate, now = new Date()): string | undefined {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (now.getTime() > to.getTime()) return `the certificate ${subjectOf(cert)} expired on ${day(to)}`;
  if (now.getTime() < from.getTime()) return `the certificate ${subjectOf(cert)} is not valid before ${day(from)}`;
  return undefined;
}

/** Reads and parses the certificates of TEMPORAL_TLS_CERT (`role` 'client') or TEMPORAL_TLS_CA (`role` 'ca'). */
export function loadCertificates(value: string, role: 'client' | 'ca', now = new Date()): CertificateBundle | { problem: string } {
  const src = readPemSource(value);
  if ('problem' in src) return src;
  const text = src.pem.toString('utf8');
  const blocks = text.match(CERT_BLOCKS) ?? [];
  if (blocks.length === 0) {
    if (KEY_BLOCK.test(text)) return { problem: `${src.from} holds a private key, not a certificate${role === 'client' ? ' (swapped with TEMPORAL_TLS_KEY?)' : ''}` };
    return { problem: `${src.from} holds no PEM certificate (expected a -----BEGIN CERTIFICATE----- block)` };
  }
  const certs: X509Certificate[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      certs.push(new X509Certificate(block));
    } catch (err) {
      const where = blocks.length > 1 ? `certificate ${i + 1} of ${src.from}` : src.from;
      return { problem: `${where} is not a valid certificate (${(err as Error).message.replace(/^error:[0-9A-F]+:/, '')})` };
    }
  }
  if (role === 'client') {
    // The client's own certificate and any intermediates it sends must all be valid now.
    for (const c of certs) {
      const p = validityProblem(c, now);
      if (p) return { problem: `${p}${c === certs[0] ? '' : ' (an intermediate of the chain)'}: renew it (${src.from})` };
    }
  } else {
    const valid = certs.filter((c) => validityProblem(c, now) === undefined);
    if (valid.length === 0) {
      const p = validityProblem(certs[0]!, now)!;
      return { problem: `${certs.length > 1 ? `every CA certificate of ${src.from} is out of date; the first: ` : ''}${p} (${src.from})` };
    }
  }
  return { pem: src.pem, from: src.from, certs };
}

/** Reads and parses TEMPORAL_TLS_KEY. Problems never quote the key. */
export function loadPrivateKey(value: string): PrivateKeyPem | { problem: string } {
  const src = readPemSource(value);
  if ('problem' in src) return src;
  const text = src.pem.toString('utf8');
  const block = KEY_BLOCK.exec(text);
  if (!block) {
    if (CERT_BLOCK.test(text)) return { problem: `${src.from} holds a certificate, not a private key (swapped with TEMPORAL_TLS_CERT?)` };
    return { problem: `${src.from} holds no PEM private key (expected a -----BEGIN PRIVATE KEY----- block)` };
  }
  if (block[1] === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: 4,ENCRYPTED/.test(text)) {
    return { problem: `${src.from} holds an encrypted private key; give it unencrypted (openssl pkey -in key.pem -out plain-key.pem), in a file only the worker's user can read` };
  }
  try {
    const key = crypto.createPrivateKey({ key: block[0], format: 'pem' });
    return { pem: new Redacted(src.pem), from: src.from, key };
  } catch {
    // The library's message is not shown: it could in principle quote what it failed on.
    return { problem: `${src.from} is not a valid PEM private key` };
  }
}

/** zod schema of a certificate variable: a path or PEM text, read, parsed and checked for validity dates. */
export const certificateVariable = (role: 'client' | 'ca') =>
  z.string().transform((v, ctx): CertificateBundle => {
    const r = loadCertificates(v, role);
    if ('problem' in r) {
      ctx.addIssue({ code: 'custom', message: r.problem });
      return z.NEVER;
    }
    return r;
  });

/** zod schema of TEMPORAL_TLS_KEY. */
export const privateKeyVariable = z.string().transform((v, ctx): PrivateKeyPem => {
  const r = loadPrivateKey(v);
  if ('problem' in r) {
    ctx.addIssue({ code: 'custom', message: r.problem });
    return z.NEVER;
  }
  return r;
});

/** zod schema of TEMPORAL_API_KEY: printable, without spaces (it travels in a header); the message never quotes it. */
export const apiKeyVariable = z
  .string()
  .refine((v) => /^[\x21-\x7e]+$/.test(v), 'expected printable characters without spaces or line breaks (the key is not shown)')
  .transform((v) => new Redacted(v));

/** zod schema of TEMPORAL_TLS_SERVER_NAME: a DNS name (or an IP), no port, no scheme. */
export const serverNameVariable = z
  .string()
  .refine(
    (v) => /^(?=.{1,253}$)(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(v) || /^[0-9a-fA-F:.]+$/.test(v),
    'expected the host name the server certificate is issued for, without port or scheme, e.g. temporal.example.com',
  );

/** The TLS and API-key variables after zod (each already read and checked on its own). */
export interface TemporalTlsVariables {
  TEMPORAL_TLS?: boolean | undefined;
  TEMPORAL_TLS_CERT?: CertificateBundle | undefined;
  TEMPORAL_TLS_KEY?: PrivateKeyPem | undefined;
  TEMPORAL_TLS_CA?: CertificateBundle | undefined;
  TEMPORAL_TLS_SERVER_NAME?: string | undefined;
  TEMPORAL_API_KEY?: Redacted<string> | undefined;
}

/**
 * What the variables do not allow together, as lines starting with the variables concerned: a certificate without
 * its key (or the reverse), a key that does not belong to the certificate, TLS settings with TEMPORAL_TLS=false.
 */
export function temporalTlsProblems(v: TemporalTlsVariables): string[] {
  const problems: string[] = [];
  if (v.TEMPORAL_TLS_CERT && !v.TEMPORAL_TLS_KEY) {
    problems.push('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: TEMPORAL_TLS_CERT is set without TEMPORAL_TLS_KEY; a client certificate needs its private key (set both, or neither)');
  } else if (v.TEMPORAL_TLS_KEY && !v.TEMPORAL_TLS_CERT) {
    problems.push('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: TEMPORAL_TLS_KEY is set without TEMPORAL_TLS_CERT; a private key needs its client certificate (set both, or neither)');
  } else if (v.TEMPORAL_TLS_CERT && v.TEMPORAL_TLS_KEY) {
    const leaf = v.TEMPORAL_TLS_CERT.certs[0]!;
    let matches: boolean;
    try {
      matches = leaf.checkPrivateKey(v.TEMPORAL_TLS_KEY.key);
    } catch {
      matches = false; // e.g. an EC key against an RSA certificate
    }
    if (!matches) {
      problems.push(
        `TEMPORAL_TLS_KEY: this private key (${v.TEMPORAL_TLS_KEY.from}) does not belong to the certificate of TEMPORAL_TLS_CERT (${subjectOf(leaf)}, ${v.TEMPORAL_TLS_CERT.from})`,
      );
    }
  }
  if (v.TEMPORAL_TLS === false) {
    const set = (['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME'] as const).filter((k) => v[k] !== undefined);
    if (set.length) problems.push(`TEMPORAL_TLS: false contradicts ${set.join(', ')} (unset ${set.length > 1 ? 'them' : 'it'}, or TEMPORAL_TLS)`);
  }
  return problems;
}

/** Whether the connection uses TLS: TEMPORAL_TLS when set, else as soon as any TLS variable or the API key is set. */
export function temporalUsesTls(v: TemporalTlsVariables): boolean {
  if (v.TEMPORAL_TLS !== undefined) return v.TEMPORAL_TLS;
  return Boolean(v.TEMPORAL_TLS_CERT || v.TEMPORAL_TLS_KEY || v.TEMPORAL_TLS_CA || v.TEMPORAL_TLS_SERVER_NAME || v.TEMPORAL_API_KEY);
}
