// `run <function>`: start one of the five interface functions as S-360 would (through the Temporal client).
import fs from 'node:fs';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { loadConfig } from '../../config';
import type { FunctionRunInput, FunctionRunSummary } from '../../common/functions';
import { getProgressQuery } from '../../workflows/messages';
import { withClient, withRepo } from '../context';
import { CliError, dateFromOption, intOption, output, ticketRefsOption } from '../util';
import { resolveDateFrom, ticketRefProblem } from '../../contract/function-params';
import type { Config } from '../../config';
import { functionRunInputSchema } from '../../contract/start-contract';
import {
  FUNCTIONS,
  FunctionAlreadyRunningError,
  UnknownFunctionError,
  runningFunctionWorkflows,
  startFunction,
  stopCommand,
  stopFunctionRun,
  whyStuck,
  type StartedRun,
  type StopResult,
} from '../../temporal/functions';

/** Waits for a run's result, with a progress bar on a terminal. */
export async function waitForRun(client: Client, run: StartedRun, showProgress: boolean): Promise<FunctionRunSummary> {
  const handle = client.workflow.getHandle(run.workflowId, run.runId, { followRuns: true });
  let bar: SingleBar | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (showProgress) {
    bar = new SingleBar({ format: ' {bar} {value} processed | {succeeded} ok | {failed} failed | {batches} batches', hideCursor: true, clearOnComplete: true }, undefined);
    bar.start(0, 0, { succeeded: 0, failed: 0, batches: 0 });
    timer = setInterval(() => {
      client.workflow
        .getHandle(run.workflowId)
        .query(getProgressQuery)
        .then((c) => {
          bar!.setTotal(Math.max(c.processed, 1));
          bar!.update(c.processed, { succeeded: c.succeeded, failed: c.failed, batches: c.batches });
        })
        .catch(() => undefined);
    }, 500);
  }
  try {
    return (await handle.result()) as FunctionRunSummary;
  } finally {
    if (timer) clearInterval(timer);
    bar?.stop();
  }
}

export function summaryText(s: FunctionRunSummary): string {
  const lines = [
    `${s.function} on interface ${s.interfaceName}${s.eventCode ? ` (event ${s.eventCode})` : ''}: ${s.outcome}`,
    `  processed ${s.processed}, succeeded ${s.succeeded}, failed ${s.failed}, skipped ${s.skipped}, ${s.batches} batch(es), ${s.tixngoCalls} TIXNGO call(s), ${(s.durationMs / 1000).toFixed(1)} s`,
  ];
  for (const f of s.failures.slice(0, 20)) lines.push(`  - ${f.itemId}: ${f.message}`);
  if (s.failed > 20) lines.push(`  ... see 's360-tixngo failures' for all of them`);
  if (s.lifecycleFanoutWorkflowId) lines.push(`  ticket workflows: being started by workflow ${s.lifecycleFanoutWorkflowId}`);
  if (s.deletionWaiterWorkflowId) lines.push(`  deletions: confirmed in bulk by workflow ${s.deletionWaiterWorkflowId}`);
  return lines.join('\n');
}

function stopText(r: StopResult, waitSeconds: number): string {
  switch (r.result) {
    case 'cancelled':
      return `${r.workflowId}: cancelled`;
    case 'terminated':
      return `${r.workflowId}: terminated`;
    case 'ended':
      return `${r.workflowId}: already ended (${r.status})`;
    case 'cancel-requested':
      return `${r.workflowId}: cancellation requested, still running after ${waitSeconds} s (a failing workflow task never sees it): terminate it with --force`;
  }
}

/**
 * `--file` (§3.0 "File to upload"): ticket numbers or id:<S-360 id>, one per line or comma separated; blank lines and
 * lines starting with # are ignored. Read here, at the edge, and passed on as the run's force list.
 */
export function readTicketFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`--file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const refs: string[] = [];
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (line.trim().startsWith('#')) continue;
    for (const ref of line.split(',').map((x) => x.trim()).filter(Boolean)) {
      const problem = ticketRefProblem(ref);
      if (problem) throw new CliError(`--file: ${file} line ${i + 1}: ${problem}`);
      refs.push(ref);
    }
  }
  if (refs.length === 0) throw new CliError(`--file: ${file} lists no ticket`);
  return refs;
}

/** The run parameters given as options (--force/--file, --skip, --date-from, --point-of-sales, ...) over --params. */
export function paramsFromOptions(o: { params?: string; force?: string[]; file?: string; skip?: string[]; dateFrom?: string; simulate?: boolean; pointOfSales?: string; salesChannel?: string }): Record<string, unknown> {
  let params: Record<string, unknown> = {};
  if (o.params) {
    try {
      params = JSON.parse(o.params) as Record<string, unknown>;
    } catch {
      throw new CliError('--params: not valid JSON');
    }
  }
  const forced = [...(o.force ?? []), ...(o.file !== undefined ? readTicketFile(o.file) : [])];
  if (forced.length) params.forceTickets = [...new Set(forced)];
  if (o.skip) params.skipTickets = o.skip;
  if (o.dateFrom) params.dateFrom = o.dateFrom;
  if (o.simulate) params.simulationMode = true;
  if (o.pointOfSales) params.pointOfSales = o.pointOfSales;
  if (o.salesChannel) params.salesChannel = o.salesChannel;
  return params;
}

/** `--date-from` as typed: checked now (a bad date stops the command before it connects), read later in the interface's time zone. */
function dateFromText(flag: string): (value: string) => string {
  const check = dateFromOption(flag);
  return (value) => {
    check(value);
    return value;
  };
}

/** The function parameters with a DD/MM/YY hh:mm `dateFrom` read in the interface's time zone (its `--time-zone`). */
export async function withInterfaceDates(config: Config, interfaceName: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (typeof params.dateFrom !== 'string') return params;
  const timeZone = await withRepo(config, async (repo) => {
    const row = await repo.getInterfaceByName(interfaceName);
    if (!row) throw new CliError(`unknown interface '${interfaceName}' (s360-tixngo interface list)`);
    return row.timeZone;
  });
  try {
    return resolveDateFrom(params, timeZone);
  } catch (err) {
    throw new CliError(`dateFrom: ${(err as Error).message}`);
  }
}

export function register(program: Command): void {
  const run = program
    .command('run')
    .description('Start an interface function as S-360 would: inject | feedback | push-cancelled | push-controlled | inject-privileges')
    .argument('<function>', Object.keys(FUNCTIONS).join(' | '))
    .option('--interface <name>', 'interface name', 'demo')
    .option('--event <code>', 'only tickets of this event/performance code')
    .option('--batch-size <n>', 'override the interface batch size for this run', intOption('--batch-size', 1, 10_000))
    .option('--notify-spectator', 'push-cancelled: the "Notify spectator" option (showDeletedTicket=true)')
    .option('--max-pages <n>', 'feedback: stop after this many pages', intOption('--max-pages', 1))
    .option('--params <json>', 'S-360 function parameters as JSON, e.g. {"tariffs":["ADULT"],"mandatoryHolderFields":["BIRTHDATE"]} (see docs/start-contract.schema.json)')
    .option('--force <refs>', 'force list: ticket numbers or id:<S-360 id>, comma separated (processed again even if already processed)', ticketRefsOption('--force'))
    .option('--skip <refs>', 'skip list: ticket numbers or id:<S-360 id>, comma separated', ticketRefsOption('--skip'))
    .option('--date-from <when>', "pushes, privileges: re-send everything changed since DD/MM/YY hh:mm, in the interface's time zone (or RFC 3339)", dateFromText('--date-from'))
    .option('--file <path>', 'file to upload: ticket numbers or id:<S-360 id>, one per line or comma separated, processed as a force list; feedback reads them from TIXNGO as if it had returned them (the cursor stays)')
    .option('--point-of-sales <code>', 'inject: the point of sales recorded on the tickets it prints')
    .option('--sales-channel <code>', 'inject: the sales channel recorded on the tickets it prints')
    .option('--simulate', 'simulation mode: check everything, send nothing to TIXNGO, mark nothing')
    .option('--wait', 'wait for the run to end, print its summary and exit non-zero if it failed')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { interface: string; event?: string; batchSize?: number; notifySpectator?: boolean; maxPages?: number; params?: string; force?: string[]; file?: string; skip?: string[]; dateFrom?: string; simulate?: boolean; pointOfSales?: string; salesChannel?: string; wait?: boolean; json?: boolean }) => {
      const config = loadConfig();
      await withClient(config, async (client) => {
        const params = await withInterfaceDates(config, opts.interface, paramsFromOptions(opts));
        const parsed = functionRunInputSchema.safeParse(
          Object.fromEntries(
            Object.entries({
              interfaceName: opts.interface,
              eventCode: opts.event,
              batchSize: opts.batchSize,
              notifySpectator: opts.notifySpectator,
              maxPages: opts.maxPages,
              params: Object.keys(params).length ? params : undefined,
            }).filter(([, v]) => v !== undefined),
          ),
        );
        if (!parsed.success) throw new CliError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        const input: FunctionRunInput = parsed.data;
        const run = await startFunction(client, config.TEMPORAL_TASK_QUEUE, name, input).catch(async (err: unknown) => {
          if (err instanceof UnknownFunctionError) throw new CliError(err.message);
          if (err instanceof FunctionAlreadyRunningError) {
            const why = await whyStuck(client, err.workflowId).catch(() => undefined);
            throw new CliError(`${err.message}${why ? `. It looks stuck: ${why}` : ''}. To stop it: ${stopCommand(name, input.interfaceName)} (--force terminates it)`);
          }
          throw err;
        });
        if (!opts.wait) {
          output(opts.json, run, () => `started ${run.workflowId} (run ${run.runId})`);
          return;
        }
        try {
          const summary = await waitForRun(client, run, !opts.json && process.stderr.isTTY === true);
          output(opts.json, { ...run, ...summary }, () => summaryText(summary));
          if (summary.outcome === 'ERROR') process.exitCode = 1;
        } catch (err) {
          if (err instanceof WorkflowFailedError) {
            const failed = err.cause?.message ?? err.message;
            // Another run of the function (a scheduled one: its id differs) held the S-360 lock: say how to stop it.
            const message = /already running/.test(failed) ? `${failed}. To stop it: ${stopCommand(name, opts.interface)}` : failed;
            output(opts.json, { ...run, outcome: 'FAILED', error: message }, () => `${name} on interface ${opts.interface}: FAILED\n  ${message}`);
            process.exitCode = 1;
            return;
          }
          throw err;
        }
      });
    });

  run
    .command('stop')
    .description('Stop a stuck or unwanted run of a function (manual or scheduled): cancel it, or terminate it with --force; its S-360 execution is closed so the next run can start')
    .argument('<function>', Object.keys(FUNCTIONS).join(' | '))
    .option('--interface <name>', 'interface name', 'demo')
    .option('--reason <text>', 'why (recorded with the termination and in the S-360 execution)', 'stopped by an operator')
    .option('--force', 'terminate at once instead of cancelling (for a run whose workflow task keeps failing)')
    .option('--wait-seconds <n>', 'how long to wait for a cancelled run to end', intOption('--wait-seconds', 1, 3600), 30)
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { interface: string; reason: string; force?: boolean; waitSeconds: number; json?: boolean }) => {
      if (!FUNCTIONS[name]) throw new CliError(new UnknownFunctionError(name).message);
      const config = loadConfig();
      const results = await withClient(config, async (client) => {
        const ids = await runningFunctionWorkflows(client, name, opts.interface);
        const out: StopResult[] = [];
        for (const id of ids) out.push(await stopFunctionRun(client, id, { force: opts.force, reason: opts.reason, waitMs: opts.waitSeconds * 1000 }));
        return out;
      });
      const stopped = results.filter((r) => r.result !== 'cancel-requested');
      if (stopped.length > 0) {
        // A cancelled or terminated run does not close its S-360 execution itself: close it, naming why.
        await withRepo(config, async (repo) => {
          for (const r of stopped) await repo.closeStoppedExecutions(r.workflowId, `${r.result === 'terminated' ? 'terminated' : 'cancelled'} by an operator: ${opts.reason}`);
        });
      }
      output(opts.json, { function: name, interfaceName: opts.interface, stopped: results }, () =>
        results.length === 0 ? `no ${name} run is running on interface ${opts.interface}` : results.map((r) => stopText(r, opts.waitSeconds)).join('\n'),
      );
      if (results.some((r) => r.result === 'cancel-requested')) process.exitCode = 1;
    });
}
