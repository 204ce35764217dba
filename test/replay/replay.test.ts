// Determinism guard: every committed history (test/replay/histories, recorded by scripts/record-histories.ts)
// must replay against today's workflow code. A change that would break running workflows fails here; guard it
// with `patched()` instead. The negative test proves the guard can fail.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { getDataConverter } from '../../codec/data-converter';
import { installRuntime, workflowBundle } from '../../workers/worker';

const dir = path.join(__dirname, 'histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const load = (f: string) => ({ workflowId: f.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))) });

describe('replay of recorded histories', () => {
  test('there is a history for every workflow type', () => {
    const types = new Set(files.map((f) => f.replace(/\.json$/, '').split('-')[0]));
    for (const t of ['ticketLifecycle', 'privilegeLifecycle', 'injectTickets', 'pushCancelled', 'pushControlled', 'feedbackSync', 'injectPrivileges', 'injectionFanout', 'deletionWaiter']) {
      assert.ok(types.has(t), `no recorded history for ${t}`);
    }
  });

  test('every history replays against the current workflow code', async () => {
    installRuntime();
    // The production data converter: the histories were recorded before the codec, its decode passes them through.
    const results = Worker.runReplayHistories({ workflowBundle: await workflowBundle(), dataConverter: getDataConverter() }, files.map(load));
    const failures: string[] = [];
    let n = 0;
    for await (const r of results) {
      n++;
      if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
    }
    assert.equal(n, files.length);
    assert.deepEqual(failures, []);
  });

  test('a changed workflow fails replay with a nondeterminism error', async () => {
    installRuntime();
    const changed = await bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'fixtures/changed-workflows.ts'), logger: new DefaultLogger('ERROR') });
    const history = load('ticketLifecycle-cancel-deleted.json');
    await assert.rejects(Worker.runReplayHistory({ workflowBundle: changed }, history.history, history.workflowId), DeterminismViolationError);
  });
});
