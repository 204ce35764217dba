// /proc sampling over one phase: CPU seconds per component (dev server, worker, simulator, PostgreSQL
// backends, driver), the worker's peak RSS, and what the rest of the (shared) machine used meanwhile.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { CpuProfile } from './config';
import type { Cleanup } from './processes';

let clockTicks: number | undefined;
export function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of a process (all its threads), in seconds; undefined when it is gone or not visible. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** VmRSS (or VmHWM, the peak) of a process in MB. */
export function processMemoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Busy and total CPU seconds of the whole machine since boot. */
function machineCpuSeconds(): { busy: number; total: number } {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: (total - idle) / ticksPerSecond(), total: total / ticksPerSecond() };
  } catch {
    return { busy: 0, total: 0 };
  }
}

type Component = 'devServer' | 'worker' | 'simulator' | 'postgres' | 'driver';

export interface Pids {
  devServer: number;
  simulator: number;
  worker: number;
  /** PostgreSQL backends serving our database (they come and go with pool connections). */
  postgres: () => Promise<number[]>;
}

/** Samples CPU per component over one phase (every second, so short-lived PostgreSQL backends are seen). */
export class PhaseSampler {
  readonly #first = new Map<number, { component: Component; cpu: number }>();
  readonly #last = new Map<number, number>();
  readonly #started = performance.now();
  readonly #machine0 = machineCpuSeconds();
  #timer: NodeJS.Timeout | undefined;
  #postgresVisible = true;
  peakWorkerRssMb = 0;

  private constructor(private readonly pids: Pids) {}

  static async start(pids: Pids, cleanup: Cleanup): Promise<PhaseSampler> {
    const s = new PhaseSampler(pids);
    await s.#sample(true);
    s.#timer = setInterval(() => void s.#sample(false), 1000);
    s.#timer.unref();
    cleanup.add('sampler', () => clearInterval(s.#timer));
    return s;
  }

  async #sample(initial: boolean): Promise<void> {
    const fixed: [Component, number][] = [
      ['devServer', this.pids.devServer],
      ['simulator', this.pids.simulator],
      ['worker', this.pids.worker],
      ['driver', process.pid],
    ];
    const pg = await this.pids.postgres().catch((): number[] => []);
    const all: [Component, number][] = [...fixed.filter(([c, pid]) => !(c === 'driver' && pid === this.pids.worker)), ...pg.map((pid): [Component, number] => ['postgres', pid])];
    for (const [component, pid] of all) {
      const cpu = processCpuSeconds(pid);
      if (cpu === undefined) {
        if (component === 'postgres') this.#postgresVisible = false;
        continue;
      }
      if (!this.#first.has(pid)) this.#first.set(pid, { component, cpu: initial || component !== 'postgres' ? cpu : 0 });
      this.#last.set(pid, cpu);
    }
    const rss = processMemoryMb(this.pids.worker, 'VmRSS');
    if (rss !== undefined) this.peakWorkerRssMb = Math.max(this.peakWorkerRssMb, rss);
  }

  async stop(): Promise<CpuProfile> {
    clearInterval(this.#timer);
    await this.#sample(false);
    const wallMs = performance.now() - this.#started;
    const machine1 = machineCpuSeconds();
    const cpu: Record<Component, number> = { devServer: 0, worker: 0, simulator: 0, postgres: 0, driver: 0 };
    for (const [pid, { component, cpu: first }] of this.#first) cpu[component] += (this.#last.get(pid) ?? first) - first;
    const ours = Object.values(cpu).reduce((a, b) => a + b, 0);
    const busy = machine1.busy - this.#machine0.busy;
    const total = machine1.total - this.#machine0.total;
    const r = (x: number) => Math.round(x * 10) / 10;
    return {
      wallMs: Math.round(wallMs),
      cpuSeconds: {
        devServer: r(cpu.devServer),
        worker: r(cpu.worker),
        simulator: r(cpu.simulator),
        postgres: this.#postgresVisible ? r(cpu.postgres) : null,
        driver: r(cpu.driver),
        restOfMachine: r(Math.max(0, busy - ours)),
      },
      machineBusyPct: total > 0 ? Math.round((busy / total) * 100) : 0,
      cores: os.cpus().length,
    };
  }
}
