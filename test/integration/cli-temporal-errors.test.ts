// Issue #12, "Errors that do not say why": every CLI error on the way to Temporal names its cause and the fix, in one
// line. On the real dev server: a namespace created with the official `temporal` CLI (or the operator API when there is
// none) and without our search attributes, a namespace that does not exist, and an address where nothing listens.
// An unknown namespace and an unreachable server: cli-temporal-unreachable.test.ts; `ticket show` with Temporal down:
// ticket-show-degraded.test.ts (one file each: every CLI call is a process of its own, slow on a loaded machine).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { msToTs } from '@temporalio/common/lib/time';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/search-attributes';
import { findTemporalCli } from '../../tooling/temporal-cli';
import { errorLineEnv, oneErrorLine, runCli } from '../helpers/cli';
import { createStack, type Stack } from '../helpers/stack';

let s: Stack;
before(async () => {
  s = await createStack({ inProcessWorker: false });
});
after(async () => {
  await s?.close();
});

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => errorLineEnv(s, extra);

/** A namespace created as an operator would, with the official CLI when it is there; it has none of our search attributes. */
async function createBareNamespace(name: string): Promise<void> {
  const cli = findTemporalCli();
  if (cli) {
    await promisify(execFile)(cli.path, ['operator', 'namespace', 'create', '--namespace', name, '--address', s.env.address, '--retention', '24h']);
  } else {
    await s.client.connection.workflowService.registerNamespace({ namespace: name, workflowExecutionRetentionPeriod: msToTs('1 day') });
  }
}

const OUR_ATTRIBUTES = ALL_SEARCH_ATTRIBUTES.map((k) => k.name).join('|');

test('run inject on a namespace where setup was not run: the unregistered search attribute, the namespace and `setup`; after setup it starts', async () => {
  const ns = `bare-${randomUUID().slice(0, 8)}`;
  await createBareNamespace(ns);
  const nsEnv = env({ TEMPORAL_NAMESPACE: ns });
  // A new namespace reaches the frontend's cache within seconds: until then the server answers "namespace not found".
  const deadline = Date.now() + 90_000;
  for (;;) {
    const ok = await s.client.connection.workflowService.countWorkflowExecutions({ namespace: ns, query: '' }).then(
      () => true,
      (err: unknown) => {
        if (Date.now() > deadline) throw err;
        return false;
      },
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const res = await runCli(['run', 'inject', '--interface', s.interfaceName], nsEnv);
  assert.equal(res.code, 1, res.stdout + res.stderr);
  const line = oneErrorLine(res.stderr);
  assert.doesNotMatch(line, /^error: Failed to start Workflow$/);
  assert.match(line, new RegExp(`^error: search attribute (${OUR_ATTRIBUTES}) is not registered on namespace ${ns} at TEMPORAL_ADDRESS=${s.env.address.replace(/\./g, '\\.')} `));
  assert.match(line, /: run `s360-tixngo setup` with the same TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE/);

  // The fix the line names works: setup, then the same command starts the run.
  const setup = await runCli(['setup'], nsEnv);
  assert.equal(setup.code, 0, setup.stderr);
  const started = await runCli(['run', 'inject', '--interface', s.interfaceName, '--json'], nsEnv);
  assert.equal(started.code, 0, started.stderr);
  const run = started.json<{ workflowId: string }>();
  await s.client.connection.workflowService.terminateWorkflowExecution({ namespace: ns, workflowExecution: { workflowId: run.workflowId }, reason: 'test done' });
});
