// Shares the embedded (PGlite) database with other processes while `dev` runs.
//
// PGlite lives in one process and its folder is locked. `dev` owns it and serves it over the PostgreSQL wire
// protocol on 127.0.0.1 (pglite-socket, whose multiplexer keeps a transaction's statements together), and
// writes `<folder>.server.json` with the URL and its pid. Any other process that finds the database locked by
// that live pid connects to the URL instead (createDb does this), so `s360-tixngo db seed` or `ticket list`
// from a second terminal just work with the embedded default.
import fs from 'node:fs';
import type { Knex } from 'knex';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { PGlite } from '@electric-sql/pglite';
import { serverFileOf, type EmbeddedServerInfo } from './connection';

/** Serves the PGlite database behind `db` on host:port (0 = any free port). */
export async function serveEmbeddedDb(db: Knex, dataDir: string, opts: { host?: string; port?: number; maxConnections?: number } = {}): Promise<{ url: string; close(): Promise<void> }> {
  // knex-pglite keeps its instance on the client; not part of knex's types.
  const pglite = (db.client as { pglite?: PGlite }).pglite;
  if (!pglite) throw new Error('serveEmbeddedDb: not an embedded (PGlite) database');
  const host = opts.host ?? '127.0.0.1';
  const server = new PGLiteSocketServer({ db: pglite, host, port: opts.port ?? 0, maxConnections: opts.maxConnections ?? 32 });
  await server.start();
  const conn = server.getServerConn();
  const port = Number(conn.split(':').pop());
  const url = `postgres://postgres@${host}:${port}/postgres`;
  const file = serverFileOf(dataDir);
  fs.writeFileSync(file, JSON.stringify({ url, pid: process.pid } satisfies EmbeddedServerInfo));
  const removeFile = () => {
    try {
      const info = JSON.parse(fs.readFileSync(file, 'utf8')) as EmbeddedServerInfo;
      if (info.pid === process.pid) fs.rmSync(file, { force: true });
    } catch {
      // already gone
    }
  };
  process.once('exit', removeFile);
  return {
    url,
    close: async () => {
      removeFile();
      await server.stop();
    },
  };
}
