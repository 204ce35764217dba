// The embedded database as `dev` serves it on loopback (db/embedded-server.ts): a malformed or oversized
// packet closes that connection only, a silent client is dropped after the handshake timeout, a password
// (DATA_DIR/embedded-db.password) is required, the product's own clients find and use it, and the files
// are owner-only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Knex } from 'knex';
import { closeDb, createDb, pgliteDir, serverFileOf } from '../../db/connection';
import { serveEmbeddedDb } from '../../db/embedded-server';

const root = path.resolve(__dirname, '../..');
const PASSWORD_FILE = 'embedded-db.password';

/** Resolves when the socket is closed by the other side, rejects if it is still open after `ms`. */
function closedWithin(sock: net.Socket, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (sock.destroyed) return resolve();
    const t = setTimeout(() => {
      sock.destroy();
      reject(new Error(`connection still open after ${ms} ms`));
    }, ms);
    sock.once('close', () => {
      clearTimeout(t);
      resolve();
    });
    sock.on('error', () => undefined);
    sock.resume();
  });
}

async function connectRaw(port: number): Promise<net.Socket> {
  const sock = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  return sock;
}

/** A wire-protocol session up to ReadyForQuery, answering a cleartext password request with `password`. */
async function rawSession(port: number, password: string): Promise<net.Socket> {
  const sock = await connectRaw(port);
  const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
  const startup = Buffer.alloc(8);
  startup.writeInt32BE(8 + params.length, 0);
  startup.writeInt32BE(196608, 4);
  sock.write(Buffer.concat([startup, params]));
  let buf = Buffer.alloc(0);
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no ReadyForQuery')), 5000);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 5 && buf.length >= 1 + buf.readInt32BE(1)) {
        const type = String.fromCharCode(buf[0]!);
        const body = buf.subarray(5, 1 + buf.readInt32BE(1));
        buf = buf.subarray(1 + buf.readInt32BE(1));
        if (type === 'R' && body.readInt32BE(0) === 3) {
          const pw = Buffer.from(`${password}\0`);
          const head = Buffer.alloc(5);
          head.write('p');
          head.writeInt32BE(4 + pw.length, 1);
          sock.write(Buffer.concat([head, pw]));
        } else if (type === 'Z') {
          clearTimeout(t);
          sock.removeAllListeners('data');
          resolve();
        } else if (type === 'E') {
          reject(new Error(`server error: ${body.toString()}`));
        }
      }
    });
    sock.once('error', reject);
  });
  return sock;
}

async function query(connectionString: string, ms = 5000): Promise<number> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: ms });
  const started = Date.now();
  await client.connect();
  try {
    const r = await client.query<{ one: number }>('select 1 as one');
    assert.equal(r.rows[0]!.one, 1);
  } finally {
    await client.end();
  }
  return Date.now() - started;
}

void describe('embedded database server', () => {
  let dataDir: string;
  let db: Knex;
  let served: { url: string; close(): Promise<void> };
  let port: number;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 's360-embedded-'));
    db = await createDb({ dataDir });
    served = await serveEmbeddedDb(db, dataDir, { handshakeTimeoutMs: 1000 });
    port = Number(new URL(served.url).port);
  });
  after(async () => {
    await served.close();
    await closeDb(db);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  void test('a startup packet claiming 2 GiB, or a garbage length: that connection is closed, the server still answers promptly', async () => {
    for (const tail of ['00030000', '00000000']) {
      const sock = await connectRaw(port);
      sock.write(Buffer.from(`7fffffff${tail}`, 'hex'));
      await closedWithin(sock, 3000);
      const ms = await query(served.url);
      assert.ok(ms < 2000, `a fresh query took ${ms} ms`);
    }
  });

  void test('an authenticated client sending a message longer than the limit is cut off; others are unaffected', async () => {
    const sock = await rawSession(port, decodeURIComponent(new URL(served.url).password));
    const q = Buffer.alloc(5);
    q.write('Q');
    q.writeUInt32BE(0x7fffffff, 1);
    sock.write(q);
    await closedWithin(sock, 3000);
    assert.ok((await query(served.url)) < 2000);
  });

  void test('a client that sends nothing is dropped after the handshake timeout', async () => {
    const sock = await connectRaw(port);
    await closedWithin(sock, 4000);
  });

  void test('a wrong or missing password is refused; the one in DATA_DIR/embedded-db.password works', async () => {
    const u = new URL(served.url);
    u.password = 'wrong-password';
    await assert.rejects(query(u.toString()), /password authentication failed/);
    u.password = '';
    await assert.rejects(query(u.toString()));
    const passwordFile = path.join(dataDir, PASSWORD_FILE);
    const password = fs.readFileSync(passwordFile, 'utf8').trim();
    assert.ok(password.length >= 32);
    u.password = password;
    await query(u.toString());
    assert.ok(!fs.readFileSync(serverFileOf(dataDir), 'utf8').includes(password), 'the server file does not hold the password');
  });

  void test("the product's clients in another process find the served database and its password", async () => {
    const script = `
      const { createDb, closeDb, backendOf } = require(${JSON.stringify(path.join(root, 'db/connection.ts'))});
      (async () => { const db = await createDb({ dataDir: ${JSON.stringify(dataDir)} }); await db.raw('select 1'); process.stdout.write(backendOf(db)); await closeDb(db); })()
        .catch((e) => { process.stderr.write(e.message); process.exit(1); });`;
    const env = { ...process.env };
    delete env.DATABASE_URL;
    // Not spawnSync: the server lives in this process and must keep answering.
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000, env }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'pg');
  });

  void test('the data folder, the password and the server file are owner-only', () => {
    const dir = pgliteDir(dataDir);
    const loose: string[] = [];
    const walk = (p: string) => {
      const st = fs.statSync(p);
      if (st.mode & 0o077) loose.push(`${(st.mode & 0o777).toString(8)} ${path.relative(dataDir, p)}`);
      if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    };
    walk(dir);
    for (const f of [path.join(dataDir, PASSWORD_FILE), serverFileOf(dataDir), `${dir}.lock`]) walk(f);
    assert.deepEqual(loose.slice(0, 10), [], `${loose.length} entries readable or writable by group/others`);
  });
});
