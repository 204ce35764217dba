// The benchmark's human-readable report (without --json).
import type { CpuProfile, InjectionBenchResult } from './config';
import { formatCancellation } from './cancellation';
import { formatTracking } from './tracking';

function profileLine(p: CpuProfile): string {
  const c = p.cpuSeconds;
  return `dev server ${c.devServer}s, worker ${c.worker}s, simulator ${c.simulator}s, postgres ${c.postgres ?? 'n/a'}s, driver ${c.driver}s, rest of machine ${c.restOfMachine}s (wall ${(p.wallMs / 1000).toFixed(1)}s, machine ${p.machineBusyPct}% busy on ${p.cores} cores)`;
}

export function formatReport(r: InjectionBenchResult): string {
  const yes = (b: boolean | null) => (b === null ? 'n/a' : b ? 'met' : 'MISSED');
  const lines: string[] = [];
  lines.push(`Injection benchmark: ${r.tickets} tickets, batch ${r.batchSize}`);
  lines.push('');
  const t = r.temporal;
  const b = r.bareLoop;
  const rows: [string, string, string][] = [
    ['', 'Temporal', 'bare loop'],
    ['printed + injected', t ? `${t.printedAndInjectedMs} ms` : '-', b ? `${b.ms} ms` : '-'],
    ['tickets/s', t ? String(t.ticketsPerSec) : '-', b ? String(b.ticketsPerSec) : '-'],
    ['TIXNGO calls', t ? `${t.tixngoCalls} (${t.callsPer100Tickets}/100 tickets)` : '-', b ? String(b.tixngoCalls) : '-'],
  ];
  if (t) {
    if (!Number.isFinite(t.fanoutDoneMs)) rows.push(['ticket workflows', 'not measured (--injection-only)', '']);
    else rows.push(['lifecycle workflows running', `${t.workflowsRunningMs} ms (${t.workflowsPerSec}/s)`, '']);
    rows.push(['function workflow done', `${t.functionDoneMs} ms (${t.functionRuns} run(s))`, '']);
    if (Number.isFinite(t.fanoutDoneMs)) rows.push(['fan-out child done', `${t.fanoutDoneMs} ms (${t.fanoutWorkflowsPerSec} workflows/s while it ran)`, '']);
    if (Number.isFinite(t.fanoutDoneMs)) rows.push(['first workflow tasks dispatched', `${t.lifecyclesDispatchedMs} ms (${t.lifecyclesDispatchedPerSec}/s)`, '']);
    rows.push(['worker peak RSS', `${t.workerPeakRssMb} MB`, '']);
  }
  const c0 = Math.max(...rows.map((x) => x[0].length));
  const c1 = Math.max(...rows.map((x) => x[1].length));
  for (const [a, x, y] of rows) lines.push(`  ${a.padEnd(c0)}  ${x.padEnd(c1)}  ${y}`.trimEnd());
  lines.push('');
  if (r.ratio !== null) lines.push(`ratio Temporal / bare loop: ${r.ratio}`);
  if (r.ceiling) {
    lines.push(
      `dev server ceiling (${r.ceiling.workflows} no-op workflows, ${r.ceiling.concurrency} in flight): started ${r.ceiling.startsPerSec}/s, completed ${r.ceiling.completedPerSec}/s`,
    );
  }
  if (r.cancellation) lines.push('', ...formatCancellation(r.cancellation));
  if (r.tracking) {
    lines.push('');
    lines.push(...formatTracking(r.tracking, r.tickets, r.ratio));
  }
  lines.push('');
  lines.push('targets:');
  lines.push(`  injection within 1.5x of the bare loop: ${yes(r.targets.injectionWithin1_5xBareLoop)}`);
  lines.push(`  at most 1 TIXNGO call per 100 tickets:  ${yes(r.targets.atMost1CallPer100Tickets)}`);
  lines.push(`  lifecycle workflows at 500/s or more:   ${yes(r.targets.workflows500PerSec)}`);
  lines.push('');
  lines.push('CPU by component:');
  if (r.bareLoop) lines.push(`  bare loop: ${profileLine(r.bareLoop.profile)}`);
  if (r.temporal) lines.push(`  Temporal:  ${profileLine(r.temporal.profile)}`);
  if (r.ceiling) lines.push(`  ceiling:   ${profileLine(r.ceiling.profile)}`);
  if (r.cancellation) lines.push(`  cancellation: ${profileLine(r.cancellation.profile)}`);
  lines.push('');
  const d = r.devServer;
  lines.push(
    `dev server: ${d.persistence}${d.persistence === 'file' ? `, fast pragmas ${d.fastSqlite ? 'on' : 'off'}` : ''}; args ${d.args.join(' ') || '(none)'}`,
  );
  const tu = r.worker.tuning;
  lines.push(
    `worker: ${r.worker.mode}; fan-out ${tu.fanoutActivitySlots} activities x ${tu.fanoutConcurrency} calls (${tu.fanoutClient} client, eager start ${tu.fanoutClient === 'native' && tu.eagerStart === true ? 'on' : 'off'}, ticket workflows ${tu.ticketStartDelayMs > 0 ? `dormant (${tu.ticketStartDelayMs / 86_400_000} days)` : 'started at once'}); ${tu.maxConcurrentWorkflowTaskExecutions} workflow tasks, ${tu.maxConcurrentActivityTaskExecutions} activities, cache ${tu.maxCachedWorkflows}, workflow heap ${tu.workflowHeapMb > 0 ? `${tu.workflowHeapMb} MB` : "V8 default"}`,
  );
  lines.push(`machine: ${r.machine.cores} cores, load average at start ${r.machine.loadAvgAtStart.join(' ')}, node ${r.machine.node}`);
  return lines.join('\n');
}
