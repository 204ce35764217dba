// The dev server's pid file: a server left by a crashed run is stopped at the next start, but only a process
// the pid file proves was that server (same pid, start time and command line). A pid file whose pid now
// belongs to another process (reused pid, old file format, another user's `start-dev`) leaves it alone.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../temporal/ports';
import { readProcessIdentity, startDevServer, writeDevServerPidFile } from '../../tooling/dev-server';

const linux = process.platform === 'linux';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's360-pidfile-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** An unrelated long-running process whose command line even says `server start-dev`. */
async function bystander(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', 'server', 'start-dev'], { stdio: 'ignore' });
  children.push(child);
  await new Promise<void>((r) => child.once('spawn', () => r()));
  return child;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Runs the stale-server cleanup of startDevServer: the fake CLI exits at once, so start fails right after. */
async function startWith(pidFile: string): Promise<string[]> {
  const said: string[] = [];
  await assert.rejects(startDevServer({ cliPath: '/bin/false', port: await freePort(), pidFile, say: (s) => said.push(s) }), /exited with code 1/);
  await new Promise((r) => setTimeout(r, 200));
  return said;
}

void test('a pid file in the old format (the pid alone) naming a live process: the process is left alone', { skip: !linux }, async () => {
  const other = await bystander();
  const pidFile = path.join(dir, 'old.pid');
  fs.writeFileSync(pidFile, String(other.pid));
  const said = await startWith(pidFile);
  assert.ok(alive(other.pid!), 'the unrelated process was killed');
  assert.ok(said.some((s) => s.includes(String(other.pid)) && /left alone|not stopped/.test(s)), `it says so: ${said.join(' | ')}`);
});

void test('a pid file whose pid was reused (start time differs) or whose command line differs: left alone', { skip: !linux }, async () => {
  const other = await bystander();
  const real = readProcessIdentity(other.pid!);
  assert.ok(real, 'identity of a live process');
  for (const [name, fake] of [
    ['start time', { ...real, startTime: String(Number(real.startTime) - 1000) }],
    ['command line', { ...real, cmdline: `${real.cmdline}x` }],
    ['pid only', { pid: real.pid }],
  ] as const) {
    const pidFile = path.join(dir, `${name.replace(' ', '-')}.pid`);
    fs.writeFileSync(pidFile, JSON.stringify(fake));
    await startWith(pidFile);
    assert.ok(alive(other.pid!), `${name}: the unrelated process was killed`);
  }
});

void test('a pid file recording the exact identity of a live process: it is stopped, and the file is private', { skip: !linux }, async () => {
  const stale = await bystander();
  const pidFile = path.join(dir, 'stale.pid');
  writeDevServerPidFile(pidFile, stale.pid!);
  assert.equal(fs.statSync(pidFile).mode & 0o777, 0o600);
  const gone = new Promise<void>((r) => stale.once('exit', () => r()));
  const said = await startWith(pidFile);
  await gone;
  assert.equal(stale.signalCode, 'SIGKILL');
  assert.ok(said.some((s) => s.includes(String(stale.pid)) && s.includes('stopped')), `it says so: ${said.join(' | ')}`);
});
