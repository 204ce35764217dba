// `s360-tixngo interface rotate-key / audit` on the embedded database (DATA_DIR, PGlite), as interface-admin-cli.test.ts
// runs them on PostgreSQL (a file of its own: CLI runs are slow on a loaded machine, and each file has a time limit).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, type CliResult } from '../helpers/cli';

const API_KEY = 'admin-cli-key-4Tz9Qe';
const NEW_KEY = 'admin-cli-key-new-7Wd2Rx';

function cli(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  const base = { ...process.env };
  for (const k of ['DATABASE_URL', 'DATA_DIR', 'S360_SECRET_KEY', 'DEBUG', 'TIXNGO_API_KEY', 'S360_ACTOR']) delete base[k];
  return runCli(args, { ...base, A_KEY: API_KEY, B_KEY: NEW_KEY, S360_ACTOR: 'bob', ...env });
}

const ADD = ['interface', 'add', '--name', 'adm', '--url', 'https://tixngo.example/organizer/tickets', '--login', 'admin@example.org', '--api-key-env', 'A_KEY'];

void describe('interface rotate-key on the embedded database (DATA_DIR)', () => {
  let dataDir: string;
  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2-admin-pglite-'));
  });
  after(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  void test('rotate-key replaces the key, is audited, prints no key', async () => {
    const env = { DATA_DIR: dataDir };
    assert.equal((await cli(['db', 'migrate'], env)).code, 0);
    assert.equal((await cli(ADD, env)).code, 0);
    const r = await cli(['interface', 'rotate-key', 'adm', '--api-key-env', 'B_KEY'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /API key replaced and stored encrypted; running workers use it within 30 s/);
    const audit = await cli(['interface', 'audit', 'adm'], env);
    assert.equal(audit.code, 0, audit.stderr);
    assert.match(audit.stdout, /rotate-key\s+bob\s+\{"apiKey":"changed"\}/);
    for (const x of [r, audit]) assert.ok(!`${x.stdout}${x.stderr}`.includes(NEW_KEY) && !`${x.stdout}${x.stderr}`.includes(API_KEY));
  });
});
