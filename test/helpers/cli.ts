// Runs the product's CLI as a user would (`node bin/s360-tixngo.js …`) in a child process, asynchronously: a worker
// running in the test's own process keeps running while the command works.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Stack } from './stack';

export const PROJECT_ROOT = path.resolve(__dirname, '../..');
export const CLI_BIN = path.join(PROJECT_ROOT, 'bin/s360-tixngo.js');

export interface CliResult {
  /** Exit code; -1 when the process was killed by a signal. */
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (commands run with --json). */
  json<T = unknown>(): T;
}

/** Runs `s360-tixngo <args>` with exactly `env` as its environment. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: PROJECT_ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c ?? -1, stdout, stderr, json: <T>() => JSON.parse(stdout) as T }));
  });
}

/** The environment that points the CLI at a test stack's Temporal server, task queue, database and secret key. */
export function stackCliEnv(s: Stack): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TEMPORAL_ADDRESS: s.env.address,
    TEMPORAL_TASK_QUEUE: s.taskQueue,
    DATABASE_URL: s.db.databaseUrl,
    S360_SECRET_KEY: s.secretKey.key.toString('hex'),
  };
}

/** stackCliEnv with `extra` on top and without DEBUG (with it the CLI prints stacks): for tests of the error lines. */
export function errorLineEnv(s: Stack, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e = { ...stackCliEnv(s), ...extra };
  delete e.DEBUG;
  return e;
}

/** Exactly one line on stderr, `error: ...`, and nothing like a stack trace; returns the line. */
export function oneErrorLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  assert.match(lines[0]!, /^error: /);
  assert.doesNotMatch(stderr, /\n\s+at /);
  return lines[0]!;
}
