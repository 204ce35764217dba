// `s360-tixngo interface update / audit` checks that need a database but no Temporal, on PostgreSQL: input refused
// as `add` refuses it (nothing written), a good change audited. The embedded database: interface-admin-pglite.test.ts.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, type CliResult } from '../helpers/cli';
import { createTestDatabase } from '../helpers/db';

const API_KEY = 'admin-cli-key-4Tz9Qe';
const NEW_KEY = 'admin-cli-key-new-7Wd2Rx';

function cli(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  const base = { ...process.env };
  for (const k of ['DATABASE_URL', 'DATA_DIR', 'S360_SECRET_KEY', 'DEBUG', 'TIXNGO_API_KEY', 'S360_ACTOR']) delete base[k];
  return runCli(args, { ...base, A_KEY: API_KEY, B_KEY: NEW_KEY, S360_ACTOR: 'bob', ...env });
}

function refused(r: CliResult, re: RegExp): void {
  assert.equal(r.code, 1, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, re);
  assert.ok(!r.stderr.includes(API_KEY) && !r.stderr.includes(NEW_KEY));
}

const ADD = ['interface', 'add', '--name', 'adm', '--url', 'https://tixngo.example/organizer/tickets', '--login', 'admin@example.org', '--api-key-env', 'A_KEY'];

void describe('interface update on PostgreSQL: validated as add is', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataDir: string;
  let env: Record<string, string>;
  before(async () => {
    db = await createTestDatabase('s360_ifadm');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2-admin-cli-'));
    env = { DATABASE_URL: db.url, DATA_DIR: dataDir };
  });
  after(async () => {
    await db?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  void test('bad URL, unknown custom parameter, nothing to change are refused and write nothing; a good change is audited', async () => {
    assert.equal((await cli(['db', 'migrate'], env)).code, 0);
    assert.equal((await cli(ADD, env)).code, 0);
    refused(await cli(['interface', 'update', 'adm', '--url', 'https://u:pw@tixngo.example/organizer/tickets'], env), /url: must not contain a user name or password/);
    refused(await cli(['interface', 'update', 'adm', '--params', '{"noSuchParam":1}'], env), /unknown parameter 'noSuchParam'/);
    refused(await cli(['interface', 'update', 'adm'], env), /nothing to change/);
    const ok = await cli(['interface', 'update', 'adm', '--params', '{"notifyOnWarning":"true"}', '--login', 'other@example.org', '--json'], env);
    assert.equal(ok.code, 0, ok.stderr);
    const out = ok.json<{ customParams: unknown; loginEmail: string; changed: string[] }>();
    assert.deepEqual(out.customParams, { notifyOnWarning: true });
    assert.equal(out.loginEmail, 'other@example.org');
    assert.deepEqual(out.changed, ['loginEmail', 'customParams']);
    const audit = await cli(['interface', 'audit', 'adm', '--json'], env);
    const rows = audit.json<{ action: string; actor: string }[]>();
    assert.deepEqual(
      rows.map((r) => [r.action, r.actor]),
      [
        ['add', 'bob'],
        ['update', 'bob'],
      ],
    );
  });
});
