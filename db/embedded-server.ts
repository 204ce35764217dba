// Shares the embedded (PGlite) database with other processes while `dev` runs.
//
// PGlite lives in one process and its folder is locked. `dev` owns it and serves it over the PostgreSQL wire
// protocol on 127.0.0.1 (pglite-socket, whose multiplexer keeps a transaction's statements together), and
// writes `<folder>.server.json` with the URL and its pid. Any other process that finds the database locked by
// that live pid connects to the URL instead (createDb does this), so `s360-tixngo db seed` or `ticket list`
// from a second terminal just work with the embedded default.
//
// pglite-socket trusts every byte it reads: it has no authentication, buffers whatever length a client
// declares, and a malformed length sends it into a loop that never yields. So it listens only on a Unix socket
// in a fresh 0700 folder, and clients reach it through a guard here that
// - answers the handshake itself: SSL/GSS requests refused ('N'), protocol 3.0 only, the password of
//   DATA_DIR/embedded-db.password asked for in cleartext (loopback only) and checked in constant time;
// - bounds every length (startup packet, password, each later message) and checks message types, so only
//   well-formed frames ever reach pglite-socket;
// - drops a client that has not authenticated within the handshake timeout.
// Whatever goes wrong closes that one connection, never the process.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { PGlite } from '@electric-sql/pglite';
import { embeddedDbPassword, serverFileOf, type EmbeddedServerInfo } from './connection';

const PROTOCOL_3_0 = 196608;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** PostgreSQL's own limit for a startup packet (MAX_STARTUP_PACKET_LENGTH). */
const MAX_STARTUP_LENGTH = 10_000;
const MAX_PASSWORD_LENGTH = 1024;
/** Largest message accepted after authentication; the product's largest statements are a few hundred KB. */
export const MAX_MESSAGE_LENGTH = 64 * 1024 * 1024;
/** Message types a frontend sends after startup (PostgreSQL protocol 3.0). */
const FRONTEND_TYPES = new Set([...'BCcDdEFfHPpQSX'].map((c) => c.charCodeAt(0)));
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface ServeEmbeddedDbOptions {
  host?: string;
  /** 0 (default): any free port. */
  port?: number;
  maxConnections?: number;
  /** A client must have authenticated within this time (default 10 s). */
  handshakeTimeoutMs?: number;
}

export interface EmbeddedDbServer {
  /** The URL with the password, for this process's own clients (the worker). Print it only through maskUrl. */
  url: string;
  close(): Promise<void>;
}

/** Serves the PGlite database behind `db` on host:port, behind the password of `dataDir`. */
export async function serveEmbeddedDb(db: Knex, dataDir: string, opts: ServeEmbeddedDbOptions = {}): Promise<EmbeddedDbServer> {
  // knex-pglite keeps its instance on the client; not part of knex's types.
  const pglite = (db.client as { pglite?: PGlite }).pglite;
  if (!pglite) throw new Error('serveEmbeddedDb: not an embedded (PGlite) database');
  const host = opts.host ?? '127.0.0.1';
  const maxConnections = opts.maxConnections ?? 32;
  const password = embeddedDbPassword(dataDir);
  const ctx: GuardContext = {
    passwordDigest: sha256(Buffer.from(password)),
    handshakeTimeoutMs: opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    backendPath: '',
  };

  const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 's360-pglite-'));
  ctx.backendPath = process.platform === 'win32' ? `\\\\.\\pipe\\s360-pglite-${crypto.randomBytes(8).toString('hex')}` : path.join(socketDir, 'backend.sock');
  // Its slots are freed a tick after a connection closes: room for clients that reconnect at once.
  const backend = new PGLiteSocketServer({ db: pglite, path: ctx.backendPath, maxConnections: maxConnections * 2 });
  const clients = new Set<net.Socket>();
  const front = net.createServer((socket) => {
    clients.add(socket);
    socket.once('close', () => clients.delete(socket));
    guardConnection(socket, ctx);
  });
  front.maxConnections = maxConnections;
  try {
    await backend.start();
    await new Promise<void>((resolve, reject) => {
      front.once('error', reject);
      front.listen(opts.port ?? 0, host, () => {
        front.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    front.close();
    await backend.stop().catch(() => undefined);
    fs.rmSync(socketDir, { recursive: true, force: true });
    throw err;
  }
  // An accept failure (EMFILE...) after start must not take the process down.
  front.on('error', (err) => process.stderr.write(`embedded database server: ${err.message}\n`));

  const port = (front.address() as net.AddressInfo).port;
  const publicUrl = `postgres://postgres@${host}:${port}/postgres`;
  const file = serverFileOf(dataDir);
  fs.writeFileSync(file, JSON.stringify({ url: publicUrl, pid: process.pid } satisfies EmbeddedServerInfo), { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  const removeFile = () => {
    try {
      const info = JSON.parse(fs.readFileSync(file, 'utf8')) as EmbeddedServerInfo;
      if (info.pid === process.pid) fs.rmSync(file, { force: true });
    } catch {
      // already gone
    }
  };
  process.once('exit', removeFile);
  const url = new URL(publicUrl);
  url.password = password;
  return {
    url: url.toString(),
    close: async () => {
      process.removeListener('exit', removeFile);
      removeFile();
      const closed = new Promise<void>((r) => front.close(() => r()));
      for (const c of clients) c.destroy();
      await closed;
      await backend.stop();
      fs.rmSync(socketDir, { recursive: true, force: true });
    },
  };
}

interface GuardContext {
  passwordDigest: Buffer;
  handshakeTimeoutMs: number;
  backendPath: string;
}

const sha256 = (b: Buffer): Buffer => crypto.createHash('sha256').update(b).digest();

/** ErrorResponse (severity FATAL), sent before closing a connection the guard refuses. */
function fatal(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`);
  const head = Buffer.alloc(5);
  head.write('E');
  head.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([head, fields]);
}

/** The value of `key` in a StartupMessage's parameter list, if well formed. */
function startupParam(msg: Buffer, key: string): string | undefined {
  const parts = msg.subarray(8).toString('utf8').split('\0');
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i] === key) return parts[i + 1];
  return undefined;
}

function guardConnection(client: net.Socket, ctx: GuardContext): void {
  let state: 'startup' | 'password' | 'ready' | 'refused' = 'startup';
  // Handshake: bytes not parsed yet (bounded by the length checks). Ready: a partial message header.
  let pending: Buffer = Buffer.alloc(0);
  let startup: Buffer | undefined;
  let backend: net.Socket | undefined;
  // Ready: bytes of the current message still to pass on.
  let remaining = 0;

  const close = () => {
    clearTimeout(timer);
    client.destroy();
    backend?.destroy();
  };
  const refuse = (code: string, message: string) => {
    state = 'refused';
    clearTimeout(timer);
    client.end(fatal(code, message));
    setTimeout(close, 1000).unref();
  };
  const timer = setTimeout(close, ctx.handshakeTimeoutMs);
  client.setNoDelay(true);
  client.on('error', close);
  client.on('close', close);
  client.on('data', (chunk: Buffer) => {
    try {
      if (state === 'ready') forward(chunk);
      else if (state !== 'refused') handshake(chunk);
    } catch {
      close();
    }
  });

  function handshake(chunk: Buffer): void {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while ((state === 'startup' || state === 'password') && !client.destroyed) {
      if (state === 'startup') {
        if (pending.length < 4) return;
        const len = pending.readInt32BE(0);
        if (len < 8 || len > MAX_STARTUP_LENGTH) return close();
        if (pending.length < len) return;
        const msg = pending.subarray(0, len);
        pending = pending.subarray(len);
        const code = msg.readInt32BE(4);
        if ((code === SSL_REQUEST || code === GSSENC_REQUEST) && len === 8) {
          client.write('N');
        } else if (code === PROTOCOL_3_0 && msg[len - 1] === 0) {
          startup = Buffer.from(msg);
          state = 'password';
          const askPassword = Buffer.alloc(9);
          askPassword.write('R');
          askPassword.writeInt32BE(8, 1);
          askPassword.writeInt32BE(3, 5); // AuthenticationCleartextPassword
          client.write(askPassword);
        } else if (code === CANCEL_REQUEST) {
          return close(); // PGlite has no backend to cancel
        } else {
          return refuse('0A000', 'unsupported startup packet: PostgreSQL protocol 3.0 only');
        }
      } else {
        if (pending.length < 5) return;
        const len = pending.readInt32BE(1);
        if (pending[0] !== 'p'.charCodeAt(0) || len < 5 || len > 4 + MAX_PASSWORD_LENGTH + 1) return close();
        if (pending.length < 1 + len) return;
        const body = pending.subarray(5, 1 + len);
        const rest = pending.subarray(1 + len);
        pending = Buffer.alloc(0);
        const end = body.indexOf(0);
        const given = end < 0 ? body : body.subarray(0, end);
        if (!crypto.timingSafeEqual(sha256(given), ctx.passwordDigest)) {
          const user = (startup && startupParam(startup, 'user')) ?? '';
          return refuse('28P01', `password authentication failed for user "${user.slice(0, 64)}"`);
        }
        clearTimeout(timer);
        state = 'ready';
        backend = net.connect(ctx.backendPath);
        backend.on('error', close);
        backend.on('close', close);
        backend.pipe(client);
        // PGlite answers the client's own startup message: AuthenticationOk, parameters, ReadyForQuery.
        backend.write(startup!);
        if (rest.length) forward(rest);
      }
    }
  }

  function forward(chunk: Buffer): void {
    const to = backend!;
    let data = chunk;
    to.cork();
    try {
      while (data.length > 0) {
        if (remaining === 0) {
          const take = Math.min(5 - pending.length, data.length);
          pending = Buffer.concat([pending, data.subarray(0, take)]);
          data = data.subarray(take);
          if (pending.length < 5) return;
          const len = pending.readUInt32BE(1);
          if (!FRONTEND_TYPES.has(pending[0]!) || len < 4 || len > MAX_MESSAGE_LENGTH) return close();
          to.write(pending);
          pending = Buffer.alloc(0);
          remaining = len - 4;
          continue;
        }
        const n = Math.min(remaining, data.length);
        to.write(data.subarray(0, n));
        remaining -= n;
        data = data.subarray(n);
      }
    } finally {
      to.uncork();
    }
    if (to.writableNeedDrain && !client.isPaused()) {
      client.pause();
      to.once('drain', () => client.resume());
    }
  }
}
