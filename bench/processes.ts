// What the benchmark starts and stops: the cleanup registry (everything started is undone in reverse
// order, once, also on Ctrl-C or failure), the Temporal dev server, the simulator child process, the
// benchmark's PostgreSQL database, and helpers for child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { knex as createKnex, type Knex } from 'knex';
import { closeDb, createDb } from '../db/connection';
import { migrateLatest } from '../db/migrate';
import { freePort } from '../temporal/ports';
import { startDevServer, type DevServer } from '../tooling/dev-server';
import { ROOT, type DevServerBenchOptions } from './config';

/** Everything started is registered here, undone in reverse order, once. */
export class Cleanup {
  readonly #steps: { name: string; fn: () => Promise<void> | void }[] = [];
  readonly #children = new Set<ChildProcess>();
  #ran: Promise<void> | undefined;

  constructor(private readonly log: (line: string) => void) {}

  add(name: string, fn: () => Promise<void> | void): void {
    this.#steps.push({ name, fn });
  }

  /** A child process killed by SIGKILL when this process exits, whatever happens before. */
  child(child: ChildProcess): void {
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
  }

  killChildrenNow(): void {
    for (const c of this.#children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }

  run(): Promise<void> {
    this.#ran ??= (async () => {
      for (const step of this.#steps.reverse()) {
        try {
          await withTimeout(Promise.resolve(step.fn()), 30_000, `cleanup: ${step.name}`);
        } catch (err) {
          this.log(`cleanup: ${step.name} failed: ${(err as Error).message}`);
        }
      }
      this.killChildrenNow();
    })();
    return this.#ran;
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function tailOf(file: string, lines: number): string[] {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines);
  } catch {
    return [];
  }
}

/** The dev server's --sqlite-pragma and --dynamic-config-value arguments. */
export function devServerExtraArgs(o: DevServerBenchOptions): string[] {
  const args: string[] = [];
  for (const p of o.sqlitePragmas) args.push('--sqlite-pragma', p);
  for (const [k, v] of Object.entries(o.dynamicConfig)) args.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);
  return args;
}

/** Connects once the frontend is healthy (the port answers a little before it is). */
export async function connectWhenHealthy<T>(what: string, connect: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connect();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
      await sleep(200);
    }
  }
}

/** The dev server with the benchmark's persistence and arguments; its log's tail is shown if it dies. */
export async function startBenchDevServer(cliPath: string, o: DevServerBenchOptions, tmp: string, cleanup: Cleanup, log: (line: string) => void): Promise<DevServer> {
  const dev: DevServer = await startDevServer({
    cliPath,
    port: await freePort(),
    dbFile: o.persistence === 'file' ? path.join(tmp, 'temporal.db') : undefined,
    fastSqlite: o.fastSqlite,
    logFile: path.join(tmp, 'dev-server.log'), // read back (tail) if it dies
    extraArgs: devServerExtraArgs(o),
  });
  cleanup.child(dev.process);
  let stoppingDev = false;
  const devLog = path.join(tmp, 'dev-server.log');
  dev.process.once('exit', (code, signal) => {
    if (stoppingDev) return;
    log(`the Temporal dev server exited unexpectedly (code ${code}, signal ${signal}); last lines of its log:`);
    for (const line of tailOf(devLog, 20)) log(`  ${line}`);
  });
  cleanup.add('dev server', () => {
    stoppingDev = true;
    return dev.stop();
  });
  return dev;
}

/** The simulator in a process of its own: it must not share an event loop with the code under test. */
export function startSimulatorChild(cleanup: Cleanup): Promise<{ child: ChildProcess; interfaceUrl: string; adminUrl: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'simulator', 'main.ts'), '--port', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env },
    });
    cleanup.child(child);
    cleanup.add('simulator', () => stopChild(child));
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`simulator did not start within 30 s: ${err}`)), 30_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /interface URL: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, interfaceUrl: m[1]!, adminUrl: `${new URL(m[1]!).origin}/__sim` });
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited early (code ${code}): ${err}`));
    });
  });
}

export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A fresh database on the server, migrated; dropped by cleanup (with force: pool connections may linger). */
export async function createBenchDatabase(serverUrl: string, dataDir: string, cleanup: Cleanup): Promise<{ url: string; knex: Knex }> {
  const name = `s360_bench_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = createKnex({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`create database "${name}"`);
  } finally {
    await admin.destroy();
  }
  cleanup.add(`drop database ${name}`, async () => {
    const a = createKnex({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
    try {
      await a.raw(`drop database if exists "${name}" with (force)`);
    } finally {
      await a.destroy();
    }
  });
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const knex = await createDb({ databaseUrl: u.toString(), dataDir });
  cleanup.add('driver database pool', () => closeDb(knex));
  await migrateLatest(knex);
  return { url: u.toString(), knex };
}
