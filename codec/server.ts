// Codec server: the remote encoder/decoder the Temporal Web UI (and `temporal --codec-endpoint`) call to show the
// encrypted payloads in clear, for the people allowed to see them.
//
//   POST …/decode, POST …/encode   body and answer: {"payloads":[{"metadata":{"k":"<base64>"},"data":"<base64>"}]}
//                                  (protobuf JSON of Payloads; only the last path segment counts, per the protocol)
//   OPTIONS                        CORS preflight, answered for the allowed origins only
//   GET /, POST /login             sign-in page for browsers: the token, once, sets an HttpOnly SameSite=Strict
//                                  cookie, so a UI served over plain http (which never sends its own Authorization
//                                  header there) can decode with "Include cross-origin credentials"
//   GET /health                    "ok"
//
// Every encode/decode needs `Authorization: Bearer <S360_CODEC_SERVER_TOKEN>` (or the bare token as the header's
// value: `temporal --codec-auth` sends its value as the whole header), or that cookie. `{}` is an empty Payloads
// message (proto3 JSON omits an empty repeated field) and gets `{"payloads":[]}`. CORS answers only the
// configured UI origins; a browser request from any other origin is refused. Bodies above MAX_BODY_BYTES get a 413.
// Token guesses are throttled per client address: after MAX_FAILURES wrong bearer tokens or sign-ins within
// FAILURE_WINDOW_MS, that address gets 429 (with Retry-After) for any token until the window ends. Logs carry method,
// path, status, payload count, origin and namespace: never a payload, a token or a key.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload } from '@temporalio/common';
import type { Logger as PinoLogger } from 'pino';
import { tokenProblem } from '../config/secrets';
import type { EncryptionCodec } from './encryption-codec';

export const MAX_BODY_BYTES = 16 * 1024 * 1024;
export const MAX_FAILURES = 5;
export const FAILURE_WINDOW_MS = 60_000;
/** Addresses tracked at once: a flood from many addresses cannot grow the map without bound. */
const MAX_TRACKED_ADDRESSES = 10_000;
/** After a 413, what the client is still sending is read and dropped (so that it gets the answer instead of a
 * reset), but only this much and this long; then the connection is cut. */
const DRAIN_MAX_BYTES = MAX_BODY_BYTES;
const DRAIN_MAX_MS = 10_000;
const COOKIE_MAX_AGE_S = 12 * 3600;
const ALLOWED_HEADERS = 'Authorization, Authorization-Extras, Content-Type, X-Namespace';

export interface CodecServerOptions {
  codec: EncryptionCodec;
  /** Bearer token every encode/decode request must carry. */
  token: string;
  /** Exact origins (scheme://host:port) allowed by CORS, e.g. http://localhost:8233. */
  allowedOrigins: readonly string[];
  log?: PinoLogger;
}

export interface RunningCodecServer {
  /** Where to reach it from this machine (127.0.0.1 when it listens on every interface). */
  url: string;
  /** The address it really listens on, host:port as the socket reports it (0.0.0.0:8234 is every interface). */
  address: string;
  port: number;
  close(): Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Failed credential attempts per client address, in fixed windows; bounded in size. */
export class FailureThrottle {
  private readonly entries = new Map<string, { failures: number; until: number }>();

  constructor(
    private readonly maxFailures = MAX_FAILURES,
    private readonly windowMs = FAILURE_WINDOW_MS,
    private readonly maxAddresses = MAX_TRACKED_ADDRESSES,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until this address may try again, or 0 when it may try now. */
  retryAfterS(address: string): number {
    const e = this.entries.get(address);
    if (!e) return 0;
    const left = e.until - this.now();
    if (left <= 0) {
      this.entries.delete(address);
      return 0;
    }
    return e.failures >= this.maxFailures ? Math.ceil(left / 1000) : 0;
  }

  fail(address: string): void {
    const t = this.now();
    const e = this.entries.get(address);
    if (e && e.until > t) {
      e.failures++;
      return;
    }
    this.entries.delete(address);
    if (this.entries.size >= this.maxAddresses) this.prune(t);
    this.entries.set(address, { failures: 1, until: t + this.windowMs });
  }

  get size(): number {
    return this.entries.size;
  }

  private prune(t: number): void {
    for (const [k, e] of this.entries) if (e.until <= t) this.entries.delete(k);
    // Still full: forget the oldest windows (Map keeps insertion order), which end first anyway.
    for (const k of this.entries.keys()) {
      if (this.entries.size < this.maxAddresses) break;
      this.entries.delete(k);
    }
  }
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest();
const sameSecret = (a: string, b: string) => crypto.timingSafeEqual(sha256(a), sha256(b));
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function b64(v: unknown, where: string): Uint8Array {
  if (typeof v !== 'string' || !BASE64.test(v)) throw new HttpError(400, `${where}: expected a base64 string`);
  return Buffer.from(v, 'base64');
}

/** protobuf JSON -> Payload (throws 400 on a wrong shape; the message never quotes the data). */
export function payloadFromJson(v: unknown, i: number): Payload {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, `payloads[${i}]: expected an object`);
  const p = v as JsonPayload;
  const metadata: Record<string, Uint8Array> = {};
  if (p.metadata !== undefined && p.metadata !== null) {
    if (typeof p.metadata !== 'object' || Array.isArray(p.metadata)) throw new HttpError(400, `payloads[${i}].metadata: expected an object`);
    for (const [k, val] of Object.entries(p.metadata)) metadata[k] = val === null ? new Uint8Array() : b64(val, `payloads[${i}].metadata.${k}`);
  }
  return { metadata, data: p.data === undefined || p.data === null ? new Uint8Array() : b64(p.data, `payloads[${i}].data`) };
}

/** Payload -> protobuf JSON. */
export function payloadToJson(p: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) if (v) metadata[k] = Buffer.from(v).toString('base64');
  return { metadata, data: Buffer.from(p.data ?? new Uint8Array()).toString('base64') };
}

const tooLarge = () => new HttpError(413, `request body above ${MAX_BODY_BYTES} bytes`);

/** The body as text; a 413 HttpError past MAX_BODY_BYTES (announced or sent), leaving the rest unread. */
function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > MAX_BODY_BYTES) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(c);
      req.off('data', onData);
      req.pause();
      chunks.length = 0;
      reject(tooLarge());
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

/**
 * Reads and drops what is left of a request answered early, so that the client sees the answer rather than a
 * connection reset; past DRAIN_MAX_BYTES or DRAIN_MAX_MS the connection is cut.
 */
function drain(req: http.IncomingMessage): void {
  if (req.complete) return;
  let dropped = 0;
  const cut = () => {
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(cut, DRAIN_MAX_MS);
  timer.unref();
  req.on('data', (c: Buffer) => {
    dropped += c.length;
    if (dropped > DRAIN_MAX_BYTES) cut();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

function cookies(req: http.IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;line-height:1.5}input{width:100%;padding:.4rem}code{background:#eee;padding:0 .2rem}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>\n`;
}

/** The request handler (exported for tests; startCodecServer listens with it). */
export function createCodecHandler(opts: CodecServerOptions, port: () => number): http.RequestListener {
  const problem = tokenProblem(opts.token);
  if (problem) throw new Error(`S360_CODEC_SERVER_TOKEN: ${problem}`);
  const allowed = new Set(opts.allowedOrigins);
  const throttle = new FailureThrottle();
  const cookieName = () => `s360_codec_${port()}`;
  // The cookie holds a MAC of the token, not the token: changing the token signs every browser out.
  const session = crypto.createHmac('sha256', opts.token).update('s360-tixngo codec session v1').digest('base64url');

  const cors = (origin: string | undefined): Record<string, string> =>
    origin && allowed.has(origin) ? { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' } : { Vary: 'Origin' };

  // Only guesses of the token count as failures: a wrong Authorization header or sign-in. A request without
  // credentials, or with a stale session cookie (a MAC nobody can guess), is answered 401 but not counted.
  const clientOf = (req: http.IncomingMessage) => (req.socket.remoteAddress ?? '?').replace(/^::ffff:/, '');
  const checkToken = (req: http.IncomingMessage, given: string): boolean => {
    const client = clientOf(req);
    const wait = throttle.retryAfterS(client);
    if (wait > 0) throw new HttpError(429, 'too many wrong tokens from this address; try again later', { 'Retry-After': String(wait) });
    if (sameSecret(given, opts.token)) return true;
    throttle.fail(client);
    return false;
  };
  const authorized = (req: http.IncomingMessage): boolean => {
    const header = req.headers.authorization;
    // `Bearer <token>`, or the bare token: `temporal --codec-auth X` sends X as the whole header.
    if (header !== undefined) return checkToken(req, /^(?:Bearer\s+)?(\S+)\s*$/i.exec(header.trim())?.[1] ?? '');
    const c = cookies(req).get(cookieName());
    return c !== undefined && sameSecret(c, session);
  };

  return (req, res) => {
    const started = Date.now();
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const path = (req.url ?? '/').split('?')[0]!;
    const last = path.replace(/\/+$/, '').split('/').pop() ?? '';
    let count: number | undefined;
    const done = (status: number, headers: Record<string, string>, body: string) => {
      res.writeHead(status, { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers }).end(body);
      if (path === '/health') return; // probes: not logged
      const ns = req.headers['x-namespace'];
      opts.log?.info({ method: req.method, path, status, payloads: count, origin, namespace: typeof ns === 'string' ? ns : undefined, ms: Date.now() - started }, 'codec request');
    };
    const json = (status: number, body: unknown, extra: Record<string, string> = {}) =>
      done(status, { 'Content-Type': 'application/json', ...cors(origin), ...extra }, JSON.stringify(body));
    const html = (status: number, body: string, extra: Record<string, string> = {}) =>
      done(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'", 'X-Frame-Options': 'DENY', ...extra }, body);

    void (async () => {
      if (req.method === 'OPTIONS') {
        if (!origin || !allowed.has(origin)) return done(403, { Vary: 'Origin' }, '');
        return done(204, { ...cors(origin), 'Access-Control-Allow-Methods': 'POST, OPTIONS', 'Access-Control-Allow-Headers': ALLOWED_HEADERS, 'Access-Control-Max-Age': '600' }, '');
      }
      if (req.method === 'GET' && path === '/health') return done(200, { 'Content-Type': 'text/plain' }, 'ok\n');
      if (req.method === 'GET' && path === '/') {
        return html(
          200,
          page(
            's360-tixngo codec server',
            `<p>Sign this browser in with the codec server token, then open the Temporal UI under the same host name as this page
(both <code>localhost</code> or both <code>127.0.0.1</code>): the UI that <code>npm start</code> runs decodes right away.
Another UI needs its codec endpoint set to <code>${escapeHtml(`http://${req.headers.host ?? 'this-host'}`)}</code> with
<b>Include cross-origin credentials</b> on (UI server setting <code>codec.includeCredentials</code>, or the UI's
<b>Codec Server</b> drawer: <i>Use my browser setting</i>).</p>
<form method="post" action="/login"><label>Token <input type="password" name="token" autocomplete="off" autofocus></label><p><button type="submit">Sign in</button></p></form>`,
          ),
        );
      }
      if (req.method === 'POST' && path === '/login') {
        const token = new URLSearchParams(await readBody(req)).get('token') ?? '';
        if (!checkToken(req, token)) return html(401, page('Wrong token', '<p><a href="/">Try again</a></p>'));
        return html(200, page('Signed in', '<p>This browser may now decode payloads in the Temporal UI (for 12 hours): open or reload the UI.</p>'), {
          'Set-Cookie': `${cookieName()}=${session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${COOKIE_MAX_AGE_S}`,
        });
      }
      if (req.method !== 'POST' || (last !== 'decode' && last !== 'encode')) return json(404, { error: 'not found: POST …/decode or …/encode' });
      // A browser page from another origin is refused outright (not only denied the answer).
      if (origin && !allowed.has(origin)) return done(403, { 'Content-Type': 'application/json', Vary: 'Origin' }, JSON.stringify({ error: 'origin not allowed' }));
      if (!authorized(req)) return json(401, { error: 'missing or wrong bearer token' }, { 'WWW-Authenticate': 'Bearer realm="s360-tixngo codec"' });
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readBody(req));
      } catch (err) {
        if (err instanceof HttpError) throw err;
        throw new HttpError(400, 'body is not JSON');
      }
      // Protobuf JSON of a Payloads message: proto3 leaves an empty repeated field out, so `{}` (what the official
      // CLI sends for a query without arguments) and `"payloads": null` are the empty list.
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpError(400, 'expected a Payloads message: {"payloads": [...]}');
      const list = (parsed as { payloads?: unknown }).payloads ?? [];
      if (!Array.isArray(list)) throw new HttpError(400, 'payloads: expected an array');
      const payloads = list.map(payloadFromJson);
      count = payloads.length;
      let out: Payload[];
      if (last === 'encode') out = payloads.map((p) => opts.codec.encodeOne(p));
      else {
        let undecodable = 0;
        out = payloads.map((p) => {
          try {
            return opts.codec.decodeOne(p);
          } catch {
            undecodable++; // unknown key id or tampered: returned as it is, the UI shows it encrypted
            return p;
          }
        });
        if (undecodable) opts.log?.warn({ undecodable, keyIds: opts.codec.keyIds }, 'codec: payloads left encrypted (unknown key id or damaged)');
      }
      return json(200, { payloads: out.map(payloadToJson) });
    })().catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof HttpError ? err.message : 'internal error';
      if (status === 500) opts.log?.error({ err: { type: (err as Error)?.name } }, 'codec server error');
      if (!res.headersSent) json(status, { error: message }, err instanceof HttpError ? err.headers : {});
      else res.end();
      if (status === 413) drain(req);
    });
  };
}

/** Listens on host:port (port 0: any free port). */
export async function startCodecServer(opts: CodecServerOptions & { host: string; port: number }): Promise<RunningCodecServer> {
  let port = opts.port;
  const server = http.createServer(createCodecHandler(opts, () => port));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`codec server cannot listen on ${opts.host}:${opts.port}: ${err.code ?? err.message}`, { cause: err })));
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  port = addr.port;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const local = host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host;
  return {
    url: `http://${local}:${port}`,
    address: `${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
