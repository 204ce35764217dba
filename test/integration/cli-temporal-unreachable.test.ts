// Issue #12: a namespace that does not exist and a Temporal server that does not answer: one line naming
// TEMPORAL_NAMESPACE / TEMPORAL_ADDRESS and the fix, from the real dev server (and a port where nothing listens).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { freePort } from '../../temporal/ports';
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

test('an unknown namespace: one line naming it and TEMPORAL_NAMESPACE, with how to create it', async () => {
  const ns = `nope-${randomUUID().slice(0, 8)}`;
  const res = await runCli(['run', 'inject', '--interface', s.interfaceName], env({ TEMPORAL_NAMESPACE: ns }));
  assert.equal(res.code, 1);
  const line = oneErrorLine(res.stderr);
  assert.match(line, new RegExp(`^error: namespace ${ns} \\(TEMPORAL_NAMESPACE\\) does not exist on Temporal at TEMPORAL_ADDRESS=`));
  assert.match(line, /set TEMPORAL_NAMESPACE to an existing namespace, or create it \(`temporal operator namespace create --namespace nope-/);
  // Other commands that reach Temporal say the same.
  const stop = await runCli(['run', 'stop', 'inject', '--interface', s.interfaceName], env({ TEMPORAL_NAMESPACE: ns }));
  assert.equal(stop.code, 1);
  assert.match(oneErrorLine(stop.stderr), /\(TEMPORAL_NAMESPACE\) does not exist/);
});

test('Temporal unreachable: one line naming TEMPORAL_ADDRESS and how to fix it', async () => {
  const address = `127.0.0.1:${await freePort()}`;
  const res = await runCli(['run', 'inject', '--interface', s.interfaceName], env({ TEMPORAL_ADDRESS: address }));
  assert.equal(res.code, 1);
  const line = oneErrorLine(res.stderr);
  assert.match(line, new RegExp(`^error: cannot reach Temporal at TEMPORAL_ADDRESS=${address.replace(/\./g, '\\.')} \\(.+\\): start the server \\(\`s360-tixngo dev\` runs one\\) or set TEMPORAL_ADDRESS`));
});
