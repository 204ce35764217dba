// CPU of the whole PostgreSQL server over a phase, read from /proc: the postmaster and every process it forked
// (backends, autovacuum, WAL writer, checkpointer, parallel workers). Two snapshots are enough, none is missed:
//   total = Δ(postmaster's own CPU) + Δ(its cutime + cstime: every child reaped meanwhile, for its whole life)
//         + Σ children alive at the end (end − value at start, or − 0 if born meanwhile)
//         − Σ children alive at start and reaped meanwhile (their CPU before the start is in cutime too).
// On this machine the PostgreSQL server also serves S-360 (the benchmark's own database) and whatever other sessions
// run on it, so the total is an upper bound of what the Temporal phase cost PostgreSQL; `restOfMachine` in the
// profile says how busy the machine was meanwhile.
import fs from 'node:fs';
import type { Knex } from 'knex';
import { ticksPerSecond } from './proc-sampler';


interface Stat {
  ppid: number;
  /** utime + stime, seconds */
  own: number;
  /** cutime + cstime (reaped children), seconds */
  children: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    const t = ticksPerSecond();
    return { ppid: Number(f[1]), own: (Number(f[11]) + Number(f[12])) / t, children: (Number(f[13]) + Number(f[14])) / t };
  } catch {
    return undefined;
  }
}

/** The pids whose parent is `ppid` (one pass over /proc). */
function childrenOf(ppid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st && st.ppid === ppid) out.set(Number(name), st.own);
  }
  return out;
}

/**
 * The postmaster of the server a connection talks to: the first line of postmaster.pid in its data directory
 * (readable when the benchmark runs as the PostgreSQL user or root), else undefined.
 */
export async function postmasterPid(knex: Knex): Promise<number | undefined> {
  try {
    const r = (await knex.raw('show data_directory')) as { rows: { data_directory: string }[] };
    const dir = r.rows[0]?.data_directory;
    if (!dir) return undefined;
    const pid = Number(fs.readFileSync(`${dir}/postmaster.pid`, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 && readStat(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

interface Snapshot {
  postmaster: Stat;
  children: Map<number, number>;
}

/** CPU seconds of the whole PostgreSQL server between start() and stop(). */
export class PostgresServerCpu {
  private constructor(
    private readonly pid: number,
    private readonly first: Snapshot,
  ) {}

  static async start(knex: Knex): Promise<PostgresServerCpu | undefined> {
    const pid = await postmasterPid(knex);
    if (pid === undefined) return undefined;
    const postmaster = readStat(pid);
    if (!postmaster) return undefined;
    return new PostgresServerCpu(pid, { postmaster, children: childrenOf(pid) });
  }

  /** Seconds, or null when the postmaster is gone (PostgreSQL restarted meanwhile). */
  stop(): number | null {
    const postmaster = readStat(this.pid);
    if (!postmaster) return null;
    const children = childrenOf(this.pid);
    let total = postmaster.own - this.first.postmaster.own + (postmaster.children - this.first.postmaster.children);
    for (const [pid, cpu] of children) total += cpu - (this.first.children.get(pid) ?? 0);
    for (const [pid, cpu] of this.first.children) if (!children.has(pid)) total -= cpu;
    return Math.max(0, total);
  }
}
