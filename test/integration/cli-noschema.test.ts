// A CLI pointed at a database without schema says so in one line (issue #10); no Temporal needed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli';
import { createTestDatabase } from '../helpers/db';

test('a database without schema: one line naming it and `db migrate`; an embedded one names its DATA_DIR', async () => {
  const db = await createTestDatabase('s360_cli_noschema');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2-cli-datadir-'));
  try {
    const base = { ...process.env };
    for (const k of ['DATABASE_URL', 'DATA_DIR', 'DEBUG']) delete base[k];
    const pg = await runCli(['ticket', 'list', '--event', 'X'], { ...base, DATABASE_URL: db.url, DATA_DIR: dataDir });
    assert.equal(pg.code, 1);
    assert.equal(pg.stderr, `error: S-360 database at ${db.url.replace(/\/\/([^:@/]+):[^@]*@/, '//$1:***@')} has no schema: run \`s360-tixngo db migrate\`\n`);
    const embedded = await runCli(['failures'], { ...base, DATA_DIR: dataDir });
    assert.equal(embedded.code, 1);
    assert.equal(embedded.stderr, `error: S-360 embedded database of DATA_DIR=${dataDir} (no dev running there) has no schema: run \`s360-tixngo db migrate\`\n`);
  } finally {
    await db.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
