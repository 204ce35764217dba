import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { findTemporalCli } from '../../tooling/temporal-cli';
import { devServerArgs } from '../../tooling/dev-server';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/search-attributes';

test('TEMPORAL_CLI_PATH wins, and a path that is not executable is a clear error', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'));
  const exe = path.join(dir, 'temporal');
  fs.writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 });
  assert.deepEqual(findTemporalCli({ TEMPORAL_CLI_PATH: exe }), { path: exe, source: 'env' });
  const notExe = path.join(dir, 'plain');
  fs.writeFileSync(notExe, '', { mode: 0o644 });
  assert.throws(() => findTemporalCli({ TEMPORAL_CLI_PATH: notExe }), /TEMPORAL_CLI_PATH: .* is not an executable file/);
});

test('finding an existing binary is fast (no build, no download)', () => {
  const started = Date.now();
  const found = findTemporalCli();
  if (!found) return; // nothing built on this machine: nothing to time
  assert.ok(Date.now() - started < 1000, 'under a second');
});

test('the dev server registers every custom search attribute and keeps state in a file when asked', () => {
  const args = devServerArgs({ cliPath: 'temporal', port: 7233, uiPort: 8233, dbFile: '/tmp/x.db', fastSqlite: true });
  for (const sa of ALL_SEARCH_ATTRIBUTES) assert.ok(args.some((a) => a.startsWith(`${sa.name}=`)), `${sa.name} registered`);
  assert.deepEqual(args.slice(args.indexOf('--db-filename'), args.indexOf('--db-filename') + 2), ['--db-filename', '/tmp/x.db']);
  assert.ok(args.includes('--ui-port'));
  assert.ok(devServerArgs({ cliPath: 'temporal', port: 1 }).includes('--headless'));
  const withCodec = devServerArgs({ cliPath: 'temporal', port: 1, uiPort: 2, uiCodecEndpoint: 'http://127.0.0.1:8234' });
  assert.deepEqual(withCodec.slice(withCodec.indexOf('--ui-codec-endpoint'), withCodec.indexOf('--ui-codec-endpoint') + 2), ['--ui-codec-endpoint', 'http://127.0.0.1:8234']);
  assert.ok(!devServerArgs({ cliPath: 'temporal', port: 1, uiCodecEndpoint: 'http://x' }).includes('--ui-codec-endpoint'), 'headless: no UI to point');
});
