// The `db` and `interface` commands, run as a user would: `node bin/s360-tixngo.js …`.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { knex as createKnex } from 'knex';
import { MIGRATIONS } from '../../db/migrations';
import { runCli, type CliResult } from '../helpers/cli';
import { createTestDatabase, testServerUrl } from '../helpers/db';

const ALL_MIGRATIONS = MIGRATIONS.map((m) => m.name);

const API_KEY = 'cli-secret-key-8Hq2Lm';

function cli(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  const base = { ...process.env };
  for (const k of ['DATABASE_URL', 'DATA_DIR', 'S360_SECRET_KEY', 'DEBUG', 'TIXNGO_API_KEY']) delete base[k];
  return runCli(args, { ...base, ...env });
}

/** Interfaces stored in the database at `url`, read directly (not through the CLI). */
async function interfaceCount(url: string): Promise<number> {
  const k = createKnex({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  try {
    const r = (await k.raw('select count(*)::int as n from tixngo_interface')) as { rows: { n: number }[] };
    return Number(r.rows[0]!.n);
  } finally {
    await k.destroy();
  }
}

/** A refused command: exit 1, one `error: …` line on stderr, nothing on stdout. */
function assertOneLineError(r: CliResult, re: RegExp): void {
  assert.equal(r.code, 1, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, re);
  assert.ok(!r.stderr.includes(API_KEY));
}

void describe('CLI db/interface on PostgreSQL (DATABASE_URL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataDir: string;
  let env: Record<string, string>;

  before(async () => {
    db = await createTestDatabase('s360_cli');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 's360-cli-'));
    env = { DATABASE_URL: db.url, DATA_DIR: dataDir };
  });
  after(async () => {
    await db?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  void test('a command on an unmigrated database says to migrate; migrate applies', async () => {
    assertOneLineError(await cli(['interface', 'list'], env), /db migrate/);
    const r = await cli(['db', 'migrate', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { applied: string[] }).applied, ALL_MIGRATIONS);
  });

  void test('interface add refuses a bad URL, a missing key variable and bad params, writing nothing', async () => {
    const add = ['interface', 'add', '--name', 'main', '--url', 'https://pp5-api.tixngo.io/v3/organizer/tickets', '--login', 'admin@org.example', '--api-key-env', 'TIXNGO_API_KEY'];
    const [badUrl, noVar, badParams] = await Promise.all([
      cli([...add.slice(0, 4), '--url', 'https://pp5-api.tixngo.io/v3/organizer/events', ...add.slice(6)], { ...env, TIXNGO_API_KEY: API_KEY }),
      cli(add, { ...env, TIXNGO_API_KEY: '' }),
      cli([...add, '--params', '{"killRatio": 0.5'], { ...env, TIXNGO_API_KEY: API_KEY }),
    ]);
    assertOneLineError(badUrl, /url: must end with organizer\/tickets/);
    assertOneLineError(noVar, /TIXNGO_API_KEY is not set or empty/);
    assertOneLineError(badParams, /--params: not valid JSON/);
    assert.equal(await interfaceCount(db.url), 0);
    assert.ok(!fs.existsSync(path.join(dataDir, 'secret.key')), 'no key file written either');
  });

  void test('interface add stores the key encrypted; list never prints it', async () => {
    const r = await cli(
      ['interface', 'add', '--name', 'main', '--url', 'https://pp5-api.tixngo.io/v3/organizer/tickets', '--login', 'admin@org.example', '--api-key-env', 'TIXNGO_API_KEY',
        '--notify', 'ops@org.example,dev@org.example', '--params', '{"doContinueInCaseOfSyncError":true,"ticketIterationSize":250}', '--json'],
      { ...env, TIXNGO_API_KEY: API_KEY },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(API_KEY));
    assert.equal((JSON.parse(r.stdout) as { name: string }).name, 'main');
    const [human, json] = await Promise.all([cli(['interface', 'list'], env), cli(['interface', 'list', '--json'], env)]);
    for (const out of [human, json]) {
      assert.equal(out.code, 0, out.stderr);
      assert.ok(!out.stdout.includes(API_KEY) && !out.stdout.includes('v1:'), 'neither the key nor its ciphertext');
    }
    assert.match(human.stdout, /main\s+TIXNGO\s+https:\/\/pp5-api\.tixngo\.io\/v3\/organizer\/tickets\s+admin@org\.example/);
    const [row] = JSON.parse(json.stdout) as { notificationEmails: string[]; customParams: Record<string, unknown> }[];
    assert.deepEqual(row?.notificationEmails, ['ops@org.example', 'dev@org.example']);
    assert.deepEqual(row?.customParams, { doContinueInCaseOfSyncError: true, ticketIterationSize: 250 });
    assert.equal(fs.statSync(path.join(dataDir, 'secret.key')).mode & 0o777, 0o600);
  });

  void test('db seed prints counts; tickets go to the only interface', async () => {
    const r = await cli(['db', 'seed', '--event', 'E1', '--tickets', '3000', '--cards', '20', '--card-kind', 'season', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { ticketsCreated: number; ticketsTotal: number; cardsCreated: number; interfaceName: string; ticketsByStatus: Record<string, number>; durationMs: number };
    assert.equal(out.ticketsCreated, 3000);
    assert.equal(out.ticketsTotal, 3000);
    assert.equal(out.cardsCreated, 20);
    assert.equal(out.interfaceName, 'main');
    assert.equal(out.ticketsByStatus.NOT_PRINTED, 3000);
    assert.equal(typeof out.durationMs, 'number');
    const human = await cli(['db', 'seed', '--event', 'E1', '--tickets', '10'], env);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /10 tickets created, 3010 in total/);
  });

  void test('interface add refuses URL credentials (never echoed) and a name with a control character', async () => {
    const add = (name: string, url: string) => cli(['interface', 'add', '--name', name, '--url', url, '--login', 'admin@org.example', '--api-key-env', 'TIXNGO_API_KEY'], { ...env, TIXNGO_API_KEY: API_KEY });
    // The query and fragment cases are in test/unit/interface-validation.test.ts.
    const [creds, tab] = await Promise.all([
      add('creds', 'https://ops:pw-in-url-7Yq@pp5-api.tixngo.io/v3/organizer/tickets'),
      add('ta\tb', 'https://pp5-api.tixngo.io/v3/organizer/tickets'),
    ]);
    assertOneLineError(creds, /url: must not contain a user name or password/);
    assert.ok(!creds.stderr.includes('pw-in-url-7Yq'));
    assertOneLineError(tab, /name: character 3 is not printable \(U\+0009\)/);
    assert.equal(await interfaceCount(db.url), 1, 'only the interface added before');
  });

  void test('interface list and show mask credentials of a URL stored before they were refused', async () => {
    const k = createKnex({ client: 'pg', connection: db.url, pool: { min: 0, max: 1 } });
    try {
      await k.raw(`insert into tixngo_interface (name, url, login_email, api_key_enc) values ('legacy', 'https://ops:pw-stored-3Kd@pp5-api.tixngo.io/v3/organizer/tickets', 'a@org.example', 'v1:x')`);
      const [human, showJson] = await Promise.all([cli(['interface', 'list'], env), cli(['interface', 'show', 'legacy', '--json'], env)]);
      for (const out of [human, showJson]) {
        assert.equal(out.code, 0, out.stderr);
        assert.ok(!out.stdout.includes('pw-stored-3Kd'), out.stdout);
        assert.match(out.stdout, /https:\/\/ops:\*\*\*@pp5-api\.tixngo\.io\/v3\/organizer\/tickets/);
      }
    } finally {
      await k.raw(`delete from tixngo_interface where name = 'legacy'`);
      await k.destroy();
    }
  });

  void test('a bad DATABASE_URL: one-line error naming DATABASE_URL, no password, nothing written', async () => {
    const u = new URL(testServerUrl());
    u.password = 'pw-never-shown';
    u.pathname = '/s360_no_such_database';
    const freshDir = fs.mkdtempSync(path.join(os.tmpdir(), 's360-cli-'));
    try {
      const bad = { DATABASE_URL: u.toString(), DATA_DIR: freshDir, TIXNGO_API_KEY: API_KEY };
      const r = await cli(['interface', 'add', '--name', 'x', '--url', 'https://x.example/organizer/tickets', '--login', 'a@b.ch', '--api-key-env', 'TIXNGO_API_KEY'], bad);
      assertOneLineError(r, /^error: DATABASE_URL: cannot connect to .*does not exist/);
      assert.ok(!r.stderr.includes('pw-never-shown'));
      assert.deepEqual(fs.readdirSync(freshDir), [], 'no key file, no embedded database');
    } finally {
      fs.rmSync(freshDir, { recursive: true, force: true });
    }
  });

  void test('a password given as a query parameter of DATABASE_URL is masked too', async () => {
    const u = new URL(testServerUrl());
    u.pathname = '/s360_no_such_database';
    u.search = '?application_name=s360-cli-test&password=pw-in-query-never-shown';
    const freshDir = fs.mkdtempSync(path.join(os.tmpdir(), 's360-cli-'));
    try {
      const r = await cli(['interface', 'list'], { DATABASE_URL: u.toString(), DATA_DIR: freshDir });
      assertOneLineError(r, /^error: DATABASE_URL: cannot connect to .*password=\*\*\*.*does not exist/);
      assert.ok(!r.stderr.includes('pw-in-query-never-shown'));
    } finally {
      fs.rmSync(freshDir, { recursive: true, force: true });
    }
  });

  void test('commands have --help', async () => {
    const helps = await Promise.all([['db', 'seed', '--help'], ['interface', 'add', '--help']].map((a) => cli(a, env)));
    for (const h of helps) assert.equal(h.code, 0, h.stderr);
    assert.match(helps[0]!.stdout, /--tickets <n>/);
    assert.match(helps[1]!.stdout, /--api-key-env <var>/);
  });
});

void describe('CLI db on the embedded database (DATA_DIR)', () => {
  let dataDir: string;
  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 's360-cli-pglite-'));
  });
  after(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  void test('migrate then seed, data kept under DATA_DIR/s360-pglite', async () => {
    const env = { DATA_DIR: dataDir };
    const m = await cli(['db', 'migrate'], env);
    assert.equal(m.code, 0, m.stderr);
    assert.ok(m.stdout.includes(`applied ${ALL_MIGRATIONS.join(', ')} on embedded PGlite`), m.stdout);
    const s = await cli(['db', 'seed', '--event', 'P1', '--tickets', '2500', '--product', 'event', '--json'], env);
    assert.equal(s.code, 0, s.stderr);
    const out = JSON.parse(s.stdout) as { ticketsCreated: number; productKind: string; interfaceName: string | null };
    assert.deepEqual([out.ticketsCreated, out.productKind, out.interfaceName], [2500, 'event', null]);
    assert.ok(fs.existsSync(path.join(dataDir, 's360-pglite')));
    assert.ok(!fs.existsSync(path.join(dataDir, 's360-pglite.lock')), 'lock released at exit');
  });
});
