// db/connection.ts and db/migrate.ts: fail-fast errors, the embedded database on disk (persistence,
// lock, release), and the same migrations up and down on both back ends.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backendOf, closeDb, createDb, DatabaseConnectionError, pgliteDir } from '../../db/connection';
import { migrateLatest, migrateRollbackAll, migrationStatus } from '../../db/migrate';
import { MIGRATIONS } from '../../db/migrations';
import { createRepository } from '../../db/repo';
import { BACKENDS, randomSecretKey, testServerUrl, withTestDb } from '../helpers/db';

const root = path.resolve(__dirname, '../..');

function serverUrl(patch: (u: URL) => void): string {
  const u = new URL(testServerUrl());
  patch(u);
  return u.toString();
}

void describe('createDb with DATABASE_URL', () => {
  const cases: [string, string][] = [
    ['a database that does not exist', serverUrl((u) => { u.pathname = '/s360_no_such_db'; u.password = 'hunter2-pw'; })],
    ['a port nobody listens on', serverUrl((u) => { u.port = '1'; u.password = 'hunter2-pw'; })],
    ['a host that does not resolve', 'postgres://postgres:hunter2-pw@no-such-host.invalid:5432/x'],
  ];
  for (const [what, url] of cases) {
    void test(`${what}: one-line error naming DATABASE_URL, password masked`, async () => {
      await assert.rejects(createDb({ databaseUrl: url, dataDir: os.tmpdir() }), (e: Error) => {
        assert.ok(e instanceof DatabaseConnectionError);
        assert.match(e.message, /^DATABASE_URL: cannot connect to /);
        assert.ok(!e.message.includes('\n'), 'one line');
        assert.ok(!e.message.includes('hunter2-pw'), 'no password');
        return true;
      });
    });
  }
});

void describe('embedded database on disk', () => {
  let dataDir: string;
  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 's360-pglite-'));
  });
  after(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  void test('persists across openings, is locked while open, and is released by closeDb', async () => {
    {
      const db = await createDb({ dataDir });
      assert.equal(backendOf(db), 'pglite');
      await migrateLatest(db);
      await createRepository(db).addInterface({ name: 'kept', url: 'https://a.example/organizer/tickets', loginEmail: 'a@b.ch', apiKey: 'k' }, randomSecretKey());
      await assert.rejects(createDb({ dataDir }), /in use by this process/);
      await closeDb(db);
      assert.ok(!fs.existsSync(`${pgliteDir(dataDir)}.lock`), 'lock released');

      // A lock left by a process that is gone is taken over.
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      fs.writeFileSync(`${pgliteDir(dataDir)}.lock`, dead.stdout);
      const again = await createDb({ dataDir });
      try {
        assert.deepEqual((await migrationStatus(again)).pending, []);
        assert.deepEqual((await createRepository(again).listInterfaces()).map((i) => i.name), ['kept']);
      } finally {
        await closeDb(again);
      }
    }
  });

  void test('a process that opens and closes the embedded database exits by itself', () => {
    {
      const script = `
        const { createDb, closeDb } = require(${JSON.stringify(path.join(root, 'db/connection.ts'))});
        (async () => { const db = await createDb({ dataDir: ${JSON.stringify(dataDir)} }); await db.raw('select 1'); await closeDb(db); })();`;
      // No timer keeps this process alive: if closeDb left PGlite open, spawnSync would hit its timeout.
      const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.error, undefined, `child did not exit: ${String(r.error)}`);
      assert.equal(r.status, 0, r.stderr);
      assert.ok(!fs.existsSync(`${pgliteDir(dataDir)}.lock`));
    }
  });
});

for (const backend of BACKENDS) {
  void describe(`migrations on ${backend}`, () => {
    void test('latest is a no-op when up to date; rollback and latest again rebuild the same schema', async () => {
      const db = await withTestDb(backend);
      try {
        const tables = async () =>
          ((await db.knex.raw(`select table_name from information_schema.tables where table_schema = current_schema() and table_name not like 'knex%' order by 1`)) as { rows: { table_name: string }[] }).rows.map((r) => r.table_name);
        const before = await tables();
        assert.deepEqual(before, ['card', 'feedback_state', 'function_execution', 'interface_audit', 'interface_error', 'mobile_ticket', 'mobile_ticket_history', 'performance', 'processing_marker', 'ticket', 'tixngo_interface']);
        assert.deepEqual(await migrateLatest(db.knex), []);
        const all = MIGRATIONS.map((m) => m.name);
        assert.deepEqual(await migrateRollbackAll(db.knex), [...all].reverse());
        assert.deepEqual(await tables(), []);
        assert.deepEqual((await migrationStatus(db.knex)).pending, all);
        assert.deepEqual(await migrateLatest(db.knex), all);
        assert.deepEqual(await tables(), before);
      } finally {
        await db.close();
      }
    });

    void test('the URL rule is also a CHECK constraint', async () => {
      const db = await withTestDb(backend);
      try {
        await assert.rejects(
          db.knex.raw(`insert into tixngo_interface (name, url, login_email, api_key_enc) values ('x', 'https://a.example/organizer/events', 'a@b.ch', 'v1:x')`),
          /tixngo_interface_url_check/,
        );
        await db.knex.raw(`insert into tixngo_interface (name, url, login_email, api_key_enc) values ('x', 'https://a.example/organizer/tickets', 'a@b.ch', 'v1:x')`);
        await assert.rejects(db.knex.raw(`insert into tixngo_interface (name, url, login_email, api_key_enc) values ('y', 'https://a.example/organizer/tickets', 'a@b.ch', 'plain')`), /api_key_enc_check/);
      } finally {
        await db.close();
      }
    });
  });
}
