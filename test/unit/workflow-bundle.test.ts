// The workflow bundle as the worker loads it (workers/bundle.ts): built by a child process, with workflows/preload.ts
// as the SDK's preloadModules, so that zod and the contract's validation are evaluated once per worker instead of
// once per workflow (docs/benchmarks.md "On-sale scale", second session). webpack drops a preload whose imports it
// thinks unused (zod declares no side effects): that silently brought back about 4 MB and most of the first task's
// CPU per ticket workflow, so the bundle's text is checked here.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { PRELOAD_PATH, buildWorkflowBundleInChild } from '../../workers/bundle';

const ROOT = path.resolve(__dirname, '../..');

test('the bundle built by the child preloads workflows/preload.ts, which loads zod and validate.ts', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-bundle-'));
  try {
    const out = path.join(dir, 'workflows.js');
    await buildWorkflowBundleInChild(out);
    const code = fs.readFileSync(out, 'utf8');
    const preload = /exports\.preloadModules = function preloadModules\(\) \{([^}]*)\}/.exec(code);
    assert.ok(preload, 'the bundle has a preloadModules entry');
    assert.match(preload[1]!, /__webpack_require__\([^)]*"\.\/workflows\/preload\.ts"\)/, 'preloadModules requires workflows/preload.ts');
    // The preload module itself still imports zod and validate (not tree-shaken to nothing).
    const at = code.indexOf('/***/ "./workflows/preload.ts"');
    assert.ok(at >= 0, 'the bundle defines workflows/preload.ts');
    const preloadModule = code.slice(at, at + 4_000);
    assert.match(preloadModule, /node_modules\/zod\//);
    assert.match(preloadModule, /"\.\/workflows\/validate\.ts"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed build rejects with the reason from the child', async () => {
  await assert.rejects(buildWorkflowBundleInChild('/nonexistent-dir/for/sure/workflows.js'), /workflow bundle: build failed \(exit 1\): .*ENOENT/);
});

test('workflows name their schemas: only validate.ts holds zod schemas (a preloaded module exports frozen ones)', () => {
  assert.equal(PRELOAD_PATH, path.join(ROOT, 'workflows', 'preload.ts'));
  const offenders: string[] = [];
  for (const f of fs.readdirSync(path.join(ROOT, 'workflows'))) {
    if (!f.endsWith('.ts') || f === 'validate.ts') continue;
    const imports = fs
      .readFileSync(path.join(ROOT, 'workflows', f), 'utf8')
      .split('\n')
      .filter((l) => l.includes("from '../contract/start-contract'") && !l.startsWith('import type '));
    if (imports.length) offenders.push(f);
  }
  assert.deepEqual(offenders, [], 'these workflow files import schemas from contract/start-contract instead of naming them in checkInput/checkedSignal');
});
