// Starts and stops `temporal server start-dev` as a child process, for `dev`, the test runner and benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { searchAttributeCliSpecs } from '../common/search-attributes';
import { portAnswers } from '../temporal/ports';

export interface DevServerOptions {
  cliPath: string;
  ip?: string;
  port: number;
  /** Web UI port; undefined runs headless. */
  uiPort?: number;
  /** SQLite file for state that survives a restart; undefined keeps state in memory. */
  dbFile?: string;
  namespace?: string;
  /** SQLite pragmas that trade durability for speed on file persistence (benchmarks, dev). */
  fastSqlite?: boolean;
  logFile?: string;
  startTimeoutMs?: number;
  /** Records the server's pid; a server left by a crashed run (pid file, process alive) is stopped first. */
  pidFile?: string;
  /** Codec server the Web UI calls to decode payloads (`--ui-codec-endpoint`). */
  uiCodecEndpoint?: string;
  /** Further `start-dev` arguments appended as given (e.g. `--dynamic-config-value K=V`, `--sqlite-pragma P=V`). */
  extraArgs?: readonly string[];
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Stops a dev server a crashed run left behind (its pid file names a live `temporal` process). */
function killStale(pidFile: string): void {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  } catch {
    return;
  }
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmd.includes('start-dev')) process.kill(pid, 'SIGKILL');
  } catch {
    // gone already, or not Linux: nothing to do
  }
  fs.rmSync(pidFile, { force: true });
}

export function devServerArgs(opts: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', opts.ip ?? '127.0.0.1', '--port', String(opts.port), '--namespace', opts.namespace ?? 'default', '--log-level', 'warn'];
  if (opts.uiPort) {
    args.push('--ui-port', String(opts.uiPort));
    if (opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  } else args.push('--headless');
  if (opts.dbFile) {
    args.push('--db-filename', opts.dbFile);
    if (opts.fastSqlite) args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  }
  for (const sa of searchAttributeCliSpecs()) args.push('--search-attribute', `${sa.name}=${sa.type}`);
  if (opts.extraArgs) args.push(...opts.extraArgs);
  return args;
}

/** Spawns the dev server and resolves once its gRPC port accepts connections. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  if (await portAnswers(ip, opts.port)) {
    throw new Error(`port ${ip}:${opts.port} is already in use; is another Temporal server running? Set TEMPORAL_ADDRESS to use it instead`);
  }
  if (opts.dbFile) fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
  const out = opts.logFile ? fs.openSync(opts.logFile, 'a') : 'ignore';
  if (opts.pidFile) killStale(opts.pidFile);
  // Own process group: Ctrl-C in a terminal reaches only us, and we stop the server after the worker has
  // drained (a server killed first leaves the worker retrying its last completions against a closed port).
  const child = spawn(opts.cliPath, devServerArgs(opts), { stdio: ['ignore', out, out], detached: true });
  if (opts.pidFile && child.pid) fs.writeFileSync(opts.pidFile, String(child.pid));
  // If this process dies without stopping it, do not leave the server behind.
  const killOnExit = () => child.pid && !child.killed && process.kill(child.pid, 'SIGKILL');
  process.once('exit', killOnExit);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  while (!(await portAnswers(ip, opts.port))) {
    if (exited !== undefined) throw new Error(`temporal server start-dev exited with code ${exited}${opts.logFile ? `; see ${opts.logFile}` : ''}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal dev server did not accept connections on ${ip}:${opts.port} in time`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (opts.pidFile) fs.rmSync(opts.pidFile, { force: true });
    if (exited !== undefined) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(t);
  };
  return { address: `${ip}:${opts.port}`, uiUrl: opts.uiPort ? `http://${ip}:${opts.uiPort}` : undefined, process: child, stop };
}
