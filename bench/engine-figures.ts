// The per-engine figures of `bench --engine` (issue #12, "Measure, in the benchmark"): what one ticket workflow costs
// each component, from the Temporal phase's CPU profile (start of the injection until every ticket workflow's first
// workflow task was handed to the worker) divided by the number of ticket workflows.
import type { InjectionBenchResult } from './config';
import type { BenchEngine, BenchEngineKind } from './engines';

export interface EngineFigures {
  engine: BenchEngineKind;
  description: string;
  tickets: number;
  /** Temporal / bare loop, all PRINTED + INJECTED. */
  injectionRatio: number | null;
  /** Ticket workflows created per second while the fan-out child ran. */
  workflowsCreatedPerSec: number | null;
  /** From the injection's start until every ticket workflow had its first workflow task (task queue backlog 0). */
  firstTasksDoneMs: number | null;
  firstTasksPerSec: number | null;
  /** CPU milliseconds per ticket workflow over the Temporal phase. */
  cpuMsPerTicketWorkflow: {
    /** The Temporal server process (dev server, or the real server's one process with all its services). */
    server: number;
    worker: number;
    /** The whole PostgreSQL server (every process of its postmaster; it also serves S-360 and other sessions). */
    postgres: number | null;
    /** Of which the backends of the benchmark's S-360 database. */
    postgresS360: number | null;
  };
  workerPeakRssMb: number | null;
  /** The phase's wall time, how busy the machine was, and what processes other than ours used meanwhile. */
  phase: { wallMs: number; machineBusyPct: number; restOfMachineCpuS: number } | null;
}

const perWorkflow = (cpuSeconds: number | null | undefined, n: number): number | null =>
  cpuSeconds === null || cpuSeconds === undefined || n <= 0 ? null : Math.round((cpuSeconds * 1000 * 10) / n) / 10;

const finite = (x: number | undefined): number | null => (x === undefined || !Number.isFinite(x) ? null : x);

/** The figures of one engine's run; `postgresServerCpuS` is PostgresServerCpu over the Temporal phase. */
export function engineFigures(engine: BenchEngine, r: Omit<InjectionBenchResult, 'engine'>, postgresServerCpuS: number | null): EngineFigures {
  const t = r.temporal;
  const n = r.tickets;
  return {
    engine: engine.kind,
    description: engine.description,
    tickets: n,
    injectionRatio: r.ratio,
    workflowsCreatedPerSec: finite(t?.fanoutWorkflowsPerSec),
    firstTasksDoneMs: finite(t?.lifecyclesDispatchedMs),
    firstTasksPerSec: finite(t?.lifecyclesDispatchedPerSec),
    cpuMsPerTicketWorkflow: {
      server: perWorkflow(t?.profile.cpuSeconds.devServer, n) ?? 0,
      worker: perWorkflow(t?.profile.cpuSeconds.worker, n) ?? 0,
      postgres: perWorkflow(postgresServerCpuS, n),
      postgresS360: perWorkflow(t?.profile.cpuSeconds.postgres, n),
    },
    workerPeakRssMb: t?.workerPeakRssMb ?? null,
    phase: t ? { wallMs: t.profile.wallMs, machineBusyPct: t.profile.machineBusyPct, restOfMachineCpuS: t.profile.cpuSeconds.restOfMachine } : null,
  };
}

/** The engines side by side, for the report (without --json). */
export function formatEngineFigures(figs: EngineFigures[]): string {
  const v = (x: number | null, unit = '') => (x === null ? 'n/a' : `${x}${unit}`);
  const rows: string[][] = [
    ['', ...figs.map((f) => f.engine)],
    ['injection ratio (Temporal / bare loop)', ...figs.map((f) => v(f.injectionRatio))],
    ['ticket workflows created', ...figs.map((f) => v(f.workflowsCreatedPerSec, '/s'))],
    ['every first task done', ...figs.map((f) => (f.firstTasksDoneMs === null ? 'n/a' : `${(f.firstTasksDoneMs / 1000).toFixed(1)} s (${v(f.firstTasksPerSec)}/s)`))],
    ['server CPU-ms / ticket workflow', ...figs.map((f) => v(f.cpuMsPerTicketWorkflow.server))],
    ['worker CPU-ms / ticket workflow', ...figs.map((f) => v(f.cpuMsPerTicketWorkflow.worker))],
    ['PostgreSQL CPU-ms / ticket workflow', ...figs.map((f) => `${v(f.cpuMsPerTicketWorkflow.postgres)} (S-360 db ${v(f.cpuMsPerTicketWorkflow.postgresS360)})`)],
    ['worker peak RSS', ...figs.map((f) => v(f.workerPeakRssMb, ' MB'))],
    ['machine busy / other processes', ...figs.map((f) => (f.phase ? `${f.phase.machineBusyPct}% / ${f.phase.restOfMachineCpuS} CPU-s` : 'n/a'))],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd());
  return [
    `Engines (${figs[0]?.tickets ?? 0} tickets):`,
    ...lines,
    '  PostgreSQL: every process of the server, which also serves S-360 (the benchmark database) and other sessions on this machine.',
    ...figs.map((f) => `  ${f.engine}: ${f.description}`),
  ].join('\n');
}
