// Issue #12, "Errors that do not say why": every CLI error on the way to Temporal names its cause and the fix, in one
// line; `ticket show` shows what it can read when Temporal is down. On the real dev server: a namespace created with
// the official `temporal` CLI (or the operator API when there is none) and without our search attributes, a
// namespace that does not exist, and an address where nothing listens.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { msToTs } from '@temporalio/common/lib/time';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/search-attributes';
import { seed } from '../../db/seed';
import { freePort } from '../../temporal/ports';
import { findTemporalCli } from '../../tooling/temporal-cli';
import { runCli, stackCliEnv } from '../helpers/cli';
import { createStack, type Stack } from '../helpers/stack';

let s: Stack;
let ticketId: string;
before(async () => {
  s = await createStack({ inProcessWorker: false });
  const res = await seed(s.db.knex, { eventCode: `ERR${randomUUID().slice(0, 6)}`, tickets: 2, interfaceName: s.interfaceName });
  ticketId = res.firstTicketId!;
});
after(async () => {
  await s?.close();
});

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const e = { ...stackCliEnv(s), ...extra };
  delete e.DEBUG;
  return e;
};

/** Exactly one line on stderr, `error: ...`, and nothing like a stack trace. */
function oneErrorLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  assert.match(lines[0]!, /^error: /);
  assert.doesNotMatch(stderr, /\n\s+at /);
  return lines[0]!;
}

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
  // A new namespace reaches every frontend cache within seconds: until then the server answers "namespace not found".
  const deadline = Date.now() + 90_000;
  let res = await runCli(['run', 'inject', '--interface', s.interfaceName], nsEnv);
  while (/does not exist/.test(res.stderr) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    res = await runCli(['run', 'inject', '--interface', s.interfaceName], nsEnv);
  }
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

test('ticket show with Temporal down: the S-360 and TIXNGO sides, a note on the missing workflow, exit code 3', async () => {
  const address = `127.0.0.1:${await freePort()}`;
  const res = await runCli(['ticket', 'show', ticketId], env({ TEMPORAL_ADDRESS: address }));
  assert.equal(res.code, 3, res.stderr);
  assert.match(res.stdout, new RegExp(`^ticket ${ticketId} `));
  assert.match(res.stdout, /\n {2}S-360 {5}NOT_PRINTED\n/);
  assert.match(res.stdout, /\n {2}TIXNGO {4}NA \(as of last feedback\)\n/);
  assert.match(res.stdout, new RegExp(`\\n  workflow  ticket-${ticketId} not read: cannot reach Temporal at TEMPORAL_ADDRESS=${address.replace(/\./g, '\\.')} `));
  assert.equal(res.stderr, `warning: ticket ${ticketId} shown in part, without its workflow (Temporal); exit code 3\n`);

  const json = await runCli(['ticket', 'show', ticketId, '--json'], env({ TEMPORAL_ADDRESS: address }));
  assert.equal(json.code, 3);
  const data = json.json<{ ticket: { id: string; status: string }; workflow: { status: string }; missing: { part: string; reason: string }[] }>();
  assert.equal(data.ticket.id, ticketId);
  assert.equal(data.ticket.status, 'NOT_PRINTED');
  assert.equal(data.workflow.status, 'UNKNOWN');
  assert.deepEqual(data.missing.map((m) => m.part), ['workflow']);
  assert.match(data.missing[0]!.reason, /TEMPORAL_ADDRESS=/);

  // With Temporal up, the same ticket shows in full, exit 0.
  const full = await runCli(['ticket', 'show', ticketId], env());
  assert.equal(full.code, 0, full.stderr);
  assert.match(full.stdout, new RegExp(`\\n  workflow  ticket-${ticketId} NOT_STARTED`));

  // Nothing readable (the database is down too): exit 1, one line naming both.
  const dbDown = `postgres://postgres@127.0.0.1:${await freePort()}/none`;
  const none = await runCli(['ticket', 'show', ticketId], env({ TEMPORAL_ADDRESS: address, DATABASE_URL: dbDown }));
  assert.equal(none.code, 1);
  assert.match(oneErrorLine(none.stderr), new RegExp(`^error: ticket ${ticketId}: nothing could be read: S-360: .+; workflow: cannot reach Temporal at TEMPORAL_ADDRESS=`));
});
