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
  /**
   * Records the server's pid, start time and command line; a server left by a crashed run is stopped first,
   * if the live process still matches all three.
   */
  pidFile?: string;
  /** Notes for the operator (a stale server stopped or left alone); default: stderr. */
  say?: (line: string) => void;
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

/** What tells a process apart from a later one that got the same pid: its start time and command line. */
export interface ProcessIdentity {
  pid: number;
  /** /proc/<pid>/stat field 22: start time in clock ticks since boot. */
  startTime: string;
  /** /proc/<pid>/cmdline, NUL-separated as the kernel gives it. */
  cmdline: string;
}

/** The identity of a live process; undefined if it is gone or the system has no /proc. */
export function readProcessIdentity(pid: number): ProcessIdentity | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) is in parentheses and may itself hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTime = fields[22 - 3];
    if (!startTime) return undefined;
    return { pid, startTime, cmdline: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') };
  } catch {
    return undefined;
  }
}

/** Records the server's identity, so that a later run can prove a live pid is still that server. */
export function writeDevServerPidFile(pidFile: string, pid: number): void {
  const identity = readProcessIdentity(pid) ?? { pid, startTime: '', cmdline: '' };
  fs.writeFileSync(pidFile, JSON.stringify(identity), { mode: 0o600 });
}

/**
 * Stops a dev server a crashed run left behind, and only that: the live process must have the pid, start time
 * and command line the pid file recorded. A reused pid, a file in the old pid-only format or a system without
 * /proc proves nothing; that process is left alone, and `say` tells so.
 */
function stopStaleServer(pidFile: string, say: (s: string) => void): void {
  let text: string;
  try {
    text = fs.readFileSync(pidFile, 'utf8');
  } catch {
    return;
  }
  fs.rmSync(pidFile, { force: true });
  let recorded: Partial<ProcessIdentity>;
  try {
    const parsed: unknown = JSON.parse(text);
    // The old format was the pid alone, which JSON reads as a number.
    recorded = typeof parsed === 'object' && parsed !== null ? (parsed as Partial<ProcessIdentity>) : { pid: Number(parsed) };
  } catch {
    return;
  }
  if (!Number.isInteger(recorded.pid)) return;
  const pid = recorded.pid as number;
  const live = readProcessIdentity(pid);
  if (!live) return; // gone (or no /proc: nothing can be proved)
  if (recorded.startTime && recorded.startTime === live.startTime && recorded.cmdline && recorded.cmdline === live.cmdline) {
    try {
      process.kill(pid, 'SIGKILL');
      say(`temporal dev server left by an earlier run (pid ${pid}) stopped`);
    } catch (err) {
      say(`temporal dev server left by an earlier run (pid ${pid}) could not be stopped: ${(err as Error).message}`);
    }
    return;
  }
  say(`${pidFile} named pid ${pid}, but that process is not the dev server this file recorded (start time or command line differ): left alone`);
}

function chmodIfExists(file: string, mode: number): void {
  try {
    fs.chmodSync(file, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
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
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    // The state holds workflow histories (ticket data): owner-only, also for files an older run created.
    for (const f of [opts.dbFile, `${opts.dbFile}-wal`, `${opts.dbFile}-shm`, `${opts.dbFile}-journal`]) chmodIfExists(f, 0o600);
  }
  const out = opts.logFile ? fs.openSync(opts.logFile, 'a', 0o600) : 'ignore';
  if (opts.logFile) chmodIfExists(opts.logFile, 0o600);
  if (opts.pidFile) stopStaleServer(opts.pidFile, opts.say ?? ((line) => process.stderr.write(`${line}\n`)));
  // Own process group: Ctrl-C in a terminal reaches only us, and we stop the server after the worker has
  // drained (a server killed first leaves the worker retrying its last completions against a closed port).
  // The child inherits the umask: files it creates (SQLite database, WAL) are owner-only.
  const umask = process.umask(0o077);
  let child: ChildProcess;
  try {
    child = spawn(opts.cliPath, devServerArgs(opts), { stdio: ['ignore', out, out], detached: true });
  } finally {
    process.umask(umask);
  }
  if (opts.pidFile && child.pid) writeDevServerPidFile(opts.pidFile, child.pid);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  // If this process dies without stopping it, do not leave the server behind.
  const killOnExit = () => {
    if (child.pid && exited === undefined) process.kill(child.pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);
  const failed = (message: string): Error => {
    process.removeListener('exit', killOnExit);
    if (opts.pidFile) fs.rmSync(opts.pidFile, { force: true });
    return new Error(message);
  };
  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  while (!(await portAnswers(ip, opts.port))) {
    if (exited !== undefined) throw failed(`temporal server start-dev exited with code ${exited}${opts.logFile ? `; see ${opts.logFile}` : ''}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw failed(`temporal dev server did not accept connections on ${ip}:${opts.port} in time`);
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
