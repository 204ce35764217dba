// `schedule …`: the S-360 schedules of an interface's functions (§3.0) as Temporal Schedules (temporal/schedules.ts).
// `create` is safe to rerun: it creates the schedule, or replaces the definition of the existing one and says so
// (`updated`); `--if-missing` leaves an existing one untouched. `update` changes only the options given.
import { Command, Option } from 'commander';
import { ScheduleNotFoundError, WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { loadConfig, type Config } from '../../config';
import {
  LAUNCHES,
  ScheduleDefinitionError,
  deleteFunctionSchedule,
  describeFunctionSchedule,
  formatDuration,
  listFunctionSchedules,
  parseDuration,
  pauseFunctionSchedule,
  scheduleIdOf,
  triggerFunctionSchedule,
  unpauseFunctionSchedule,
  updateFunctionSchedule,
  upsertFunctionSchedule,
  type FunctionScheduleView,
  type Launch,
  type ScheduleChanges,
} from '../../temporal/schedules';
import type { FunctionRunInput, FunctionRunSummary } from '../../common/functions';
import type { Repository } from '../../db/repo';
import { FUNCTIONS } from '../../temporal/functions';
import { withClient, withRepo } from '../context';
import { CliError, dateFromOption, intOption, output, table, ticketRefsOption } from '../util';
import { paramsFromOptions, summaryText, waitForRun, withInterfaceDates } from './run';

interface DefinitionOptions {
  interface: string;
  launch?: Launch;
  every?: string;
  cron?: string;
  start?: string;
  end?: string;
  catchupWindow?: string;
  stickToTheHour?: string;
  note?: string;
  event?: string;
  batchSize?: number;
  notifySpectator?: boolean;
  maxPages?: number;
  params?: string;
  force?: string[];
  file?: string;
  skip?: string[];
  dateFrom?: string;
  pointOfSales?: string;
  salesChannel?: string;
  ifMissing?: boolean;
  json?: boolean;
}

const FUNCTION_ARG = Object.keys(FUNCTIONS).join(' | ');

function isoDate(flag: string, text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const d = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(d.getTime())) throw new CliError(`${flag}: expected an ISO date-time, e.g. 2026-06-01T08:00:00Z (got '${text}')`);
  return d;
}

function bool(flag: string, text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  if (text === 'true' || text === 'false') return text === 'true';
  throw new CliError(`${flag}: expected true or false`);
}

function duration(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseDuration(text, flag);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

/**
 * Input fields given on the command line (not validated here: the start contract's schema does it). The file is read
 * now: the schedule carries its tickets, not its path. A DD/MM/YY hh:mm date is read in the interface's time zone.
 */
async function inputFields(config: Config, o: DefinitionOptions): Promise<Partial<FunctionRunInput>> {
  const given = paramsFromOptions(o);
  const params = Object.keys(given).length || o.params !== undefined ? await withInterfaceDates(config, o.interface, given) : undefined;
  const fields = { eventCode: o.event, batchSize: o.batchSize, notifySpectator: o.notifySpectator, maxPages: o.maxPages, params };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<FunctionRunInput>;
}

/** Refuses an event code S-360 does not have: every run of the schedule would fail on it. */
async function checkEventCode(repo: Repository, eventCode: string | undefined): Promise<void> {
  if (eventCode === undefined) return;
  if (!(await repo.getPerformanceByCode(eventCode))) throw new CliError(`--event: unknown event code '${eventCode}' (no such event/performance in S-360)`);
}

/**
 * stickToTheHour: the option, else the interface's custom parameter (§4), else true. Also checks the interface and
 * the event code exist.
 */
async function stickToTheHourOf(config: Config, interfaceName: string, eventCode: string | undefined, option: boolean | undefined): Promise<boolean> {
  return withRepo(config, async (repo) => {
    const row = await repo.getInterfaceByName(interfaceName);
    if (!row) throw new CliError(`unknown interface '${interfaceName}' (s360-tixngo interface list)`);
    await checkEventCode(repo, eventCode);
    if (option !== undefined) return option;
    const v: unknown = row.customParams.stickToTheHour;
    return !(v === false || v === 'false');
  });
}

function frequencyText(v: FunctionScheduleView): string {
  if (v.everyMs !== undefined) return `every ${formatDuration(v.everyMs)}${v.offsetMs ? ` +${formatDuration(v.offsetMs)}` : ''}`;
  return v.calendars ? 'calendar (cron)' : '-';
}

/** How the schedule's last run ended: its summary's outcome and counts, or how its workflow closed otherwise. */
interface LastRun {
  workflowId: string;
  takenAt: string;
  /** OK, WARNING, ERROR (the run's summary), RUNNING, or FAILED / TERMINATED / CANCELLED / TIMED_OUT. */
  outcome: string;
  processed?: number;
  succeeded?: number;
  failed?: number;
  error?: string;
}

async function lastRunOf(client: Client, v: FunctionScheduleView): Promise<LastRun | undefined> {
  const last = v.recentActions.at(-1);
  if (!last) return undefined;
  const base = { workflowId: last.workflowId, takenAt: last.takenAt };
  // The newest run of that id: a function continues as new between batches; a scheduled id is used once.
  const handle = client.workflow.getHandle(last.workflowId);
  try {
    const d = await handle.describe();
    if (d.status.name === 'RUNNING') return { ...base, outcome: 'RUNNING' };
    if (d.status.name !== 'COMPLETED') {
      const error = await handle.result().then(
        () => undefined,
        (err: unknown) => ((err as { cause?: Error }).cause?.message ?? (err as Error).message),
      );
      return { ...base, outcome: d.status.name, ...(error ? { error } : {}) };
    }
    const r = (await handle.result()) as FunctionRunSummary;
    return { ...base, outcome: r.outcome, processed: r.processed, succeeded: r.succeeded, failed: r.failed };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { ...base, outcome: 'UNKNOWN (no longer retained)' };
    throw err;
  }
}

function lastRunText(l: LastRun | undefined): string {
  if (!l) return '';
  const counts = l.processed !== undefined ? ` ${l.succeeded}/${l.processed} ok${l.failed ? `, ${l.failed} failed` : ''}` : '';
  return `${l.outcome}${counts} at ${l.takenAt}`;
}

function viewText(v: FunctionScheduleView, lastRun?: LastRun): string {
  const last = v.recentActions.at(-1);
  return [
    `${v.scheduleId}: ${v.command} on interface ${v.interfaceName}, ${v.launch}${v.paused ? ' (paused)' : ''}, ${frequencyText(v)}, stickToTheHour ${v.stickToTheHour}, overlap ${v.overlap}`,
    `  input ${JSON.stringify(v.input)}`,
    `  start ${v.startAt ?? '-'}  end ${v.endAt ?? '-'}  catch-up window ${formatDuration(v.catchupWindowMs)}`,
    `  next ${v.paused ? '(paused: only on trigger)' : v.nextRuns.join(', ') || '-'}`,
    `  runs ${v.actionsTaken} taken, ${v.skippedOverlap} skipped (overlap)${last ? `, last ${last.workflowId} at ${last.takenAt}` : ''}${v.running.length ? `, running ${v.running.map((r) => r.workflowId).join(', ')}` : ''}`,
    ...(lastRun ? [`  last run ${lastRunText(lastRun)}${lastRun.error ? `: ${lastRun.error}` : ''}`] : []),
  ].join('\n');
}

function listRow(v: FunctionScheduleView, lastRun: LastRun | undefined): Record<string, unknown> {
  return {
    schedule: v.scheduleId,
    launch: v.launch,
    frequency: frequencyText(v),
    next: v.paused ? '' : (v.nextRuns[0] ?? ''),
    taken: v.actionsTaken,
    skipped: v.skippedOverlap,
    running: v.running.length,
    'last run': lastRunText(lastRun),
  };
}

async function onSchedule<T>(scheduleId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new CliError(`no schedule ${scheduleId} (s360-tixngo schedule create ... first)`);
    if (err instanceof ScheduleDefinitionError) throw new CliError(err.message);
    throw err;
  }
}

function definitionOptions(cmd: Command, forUpdate: boolean): Command {
  return cmd
    .argument('<function>', FUNCTION_ARG)
    .option('--interface <name>', 'interface name', 'demo')
    .addOption(new Option('--launch <launch>', `automatic, or manual (paused: runs only on trigger)${forUpdate ? '' : ' (default automatic)'}`).choices(LAUNCHES))
    .option('--every <duration>', `frequency, e.g. 30s, 5m, 1h${forUpdate ? '' : ' (default 5m)'}`)
    .option('--cron <expression>', 'instead of --every: a cron expression, UTC unless prefixed with CRON_TZ=<zone>')
    .option('--start <iso>', 'no run before this time (ISO date-time)')
    .option('--end <iso>', 'no run after this time (ISO date-time)')
    .option('--catchup-window <duration>', 'after an outage, make up a missed run only within this window (default: one period, 10s..1h)')
    .option('--stick-to-the-hour <bool>', "true: runs on the clock's marks (every 5m: :00, :05, ...); false: phased on --start; default: the interface's stickToTheHour (true)")
    .option('--note <text>', 'note shown with the schedule')
    .option('--event <code>', 'run input: only tickets of this event/performance code')
    .option('--batch-size <n>', 'run input: batch size for this function', intOption('--batch-size', 1, 10_000))
    .option('--notify-spectator', 'run input (push-cancelled): the "Notify spectator" option')
    .option('--max-pages <n>', 'run input (feedback): stop after this many pages', intOption('--max-pages', 1))
    .option('--params <json>', 'run input: S-360 function parameters as JSON (see docs/start-contract.schema.json)')
    .option('--force <refs>', 'run input: force list, ticket numbers or id:<S-360 id>, comma separated', ticketRefsOption('--force'))
    .option('--skip <refs>', 'run input: skip list, ticket numbers or id:<S-360 id>, comma separated', ticketRefsOption('--skip'))
    .option('--date-from <when>', "run input (pushes, privileges): DD/MM/YY hh:mm in the interface's time zone, or RFC 3339", (v: string) => (dateFromOption('--date-from')(v), v))
    .option('--file <path>', 'run input: file to upload (ticket numbers or id:<S-360 id>, one per line or comma separated), read now and run as a force list')
    .option('--point-of-sales <code>', 'run input (inject): the point of sales recorded on the tickets it prints')
    .option('--sales-channel <code>', 'run input (inject): the sales channel recorded on the tickets it prints')
    .option('--json', 'print JSON');
}

export function register(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('The S-360 schedules of the interface functions, as Temporal Schedules: create | update | list | pause | unpause | trigger | delete');

  definitionOptions(schedule.command('create').description('Create the schedule of a function, or replace the definition of the existing one (safe to rerun)'), false)
    .option('--if-missing', 'leave an existing schedule exactly as it is')
    .action(async (name: string, o: DefinitionOptions) => {
      if (o.every !== undefined && o.cron !== undefined) throw new CliError('give --every or --cron, not both');
      const config = loadConfig();
      const scheduleId = scheduleIdOrCli(name, o.interface);
      const stickToTheHour = await stickToTheHourOf(config, o.interface, o.event, bool('--stick-to-the-hour', o.stickToTheHour));
      const input = { interfaceName: o.interface, ...(await inputFields(config, o)) };
      await withClient(config, async (client) => {
        const res = await onSchedule(scheduleId, () =>
          upsertFunctionSchedule(
            client,
            config.TEMPORAL_TASK_QUEUE,
            {
              function: name,
              input,
              launch: o.launch ?? 'automatic',
              everyMs: duration('--every', o.every),
              cron: o.cron,
              startAt: isoDate('--start', o.start),
              endAt: isoDate('--end', o.end),
              stickToTheHour,
              catchupWindowMs: duration('--catchup-window', o.catchupWindow),
              note: o.note,
            },
            { ifMissing: o.ifMissing },
          ),
        );
        const view = await describeFunctionSchedule(client, scheduleId);
        const said = { created: 'created', updated: 'already existed: definition replaced (updated)', unchanged: 'already exists: left unchanged (--if-missing)' }[res.result];
        output(o.json, { result: res.result, ...view }, () => `${said}\n${viewText(view)}`);
      });
    });

  definitionOptions(schedule.command('update').description('Change an existing schedule; options not given stay as they are'), true).action(async (name: string, o: DefinitionOptions) => {
    if (o.every !== undefined && o.cron !== undefined) throw new CliError('give --every or --cron, not both');
    const config = loadConfig();
    const scheduleId = scheduleIdOrCli(name, o.interface);
    const changes: ScheduleChanges = {
      launch: o.launch,
      everyMs: duration('--every', o.every),
      cron: o.cron,
      startAt: isoDate('--start', o.start),
      endAt: isoDate('--end', o.end),
      stickToTheHour: bool('--stick-to-the-hour', o.stickToTheHour),
      catchupWindowMs: duration('--catchup-window', o.catchupWindow),
      note: o.note,
      input: await inputFields(config, o),
    };
    if (o.event !== undefined) await withRepo(config, (repo) => checkEventCode(repo, o.event));
    await withClient(config, async (client) => {
      const view = await onSchedule(scheduleId, () => updateFunctionSchedule(client, config.TEMPORAL_TASK_QUEUE, scheduleId, changes));
      output(o.json, { result: 'updated', ...view }, () => `updated\n${viewText(view)}`);
    });
  });

  schedule
    .command('list')
    .description('The function schedules: launch, frequency, next run, runs taken and skipped, the last run and how it ended (outcome, counts)')
    .option('--interface <name>', 'only this interface')
    .option('--long', 'every detail, one block per schedule')
    .option('--json', 'print JSON (with the recent runs)')
    .action(async (o: { interface?: string; long?: boolean; json?: boolean }) => {
      const config = loadConfig();
      await withClient(config, async (client) => {
        const views = await listFunctionSchedules(client, { interfaceName: o.interface });
        const lastRuns = await Promise.all(views.map((v) => lastRunOf(client, v)));
        output(
          o.json,
          views.map((v, i) => ({ ...v, lastRun: lastRuns[i] ?? null })),
          () => (o.long ? views.map((v, i) => viewText(v, lastRuns[i])).join('\n\n') || '(none)' : table(views.map((v, i) => listRow(v, lastRuns[i])))),
        );
      });
    });

  const simple = (
    verb: string,
    description: string,
    act: (client: Client, scheduleId: string, o: { note?: string }) => Promise<{ data: Record<string, unknown>; text: string }>,
    withNote = false,
  ) => {
    const cmd = schedule.command(verb).description(description).argument('<function>', FUNCTION_ARG).option('--interface <name>', 'interface name', 'demo');
    if (withNote) cmd.option('--note <text>', 'why (shown with the schedule)');
    cmd.option('--json', 'print JSON').action(async (name: string, o: { interface: string; note?: string; json?: boolean }) => {
      const config = loadConfig();
      const scheduleId = scheduleIdOrCli(name, o.interface);
      await withClient(config, async (client) => {
        const r = await onSchedule(scheduleId, () => act(client, scheduleId, o));
        output(o.json, { scheduleId, ...r.data }, () => r.text);
      });
    });
  };

  simple(
    'pause',
    'Pause the schedule (= manual launch: runs only on trigger)',
    async (client, id, o) => {
      await pauseFunctionSchedule(client, id, o.note);
      return { data: { paused: true }, text: `${id} paused: runs only when triggered` };
    },
    true,
  );
  simple(
    'unpause',
    'Unpause the schedule (= automatic launch)',
    async (client, id, o) => {
      await unpauseFunctionSchedule(client, id, o.note);
      const v = await describeFunctionSchedule(client, id);
      return { data: { paused: false, nextRuns: v.nextRuns }, text: `${id} unpaused: next run ${v.nextRuns[0] ?? '-'}` };
    },
    true,
  );
  schedule
    .command('trigger')
    .description('Run the function now through its schedule (also when paused); skipped while a run is in progress')
    .argument('<function>', FUNCTION_ARG)
    .option('--interface <name>', 'interface name', 'demo')
    .option('--wait', 'wait for the run to end, print its summary and exit non-zero if it failed (as run --wait)')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { interface: string; wait?: boolean; json?: boolean }) => {
      const config = loadConfig();
      const id = scheduleIdOrCli(name, o.interface);
      await withClient(config, async (client) => {
        const before = o.wait ? new Set((await onSchedule(id, () => describeFunctionSchedule(client, id))).recentActions.map((a) => a.workflowId)) : new Set<string>();
        const r = await onSchedule(id, () => triggerFunctionSchedule(client, id));
        if (!r.triggered) {
          output(o.json, { scheduleId: id, ...r }, () => `${id}: not triggered, a run is in progress (${r.running.map((x) => x.workflowId).join(', ')}); overlap SKIP`);
          if (o.wait) process.exitCode = 1;
          return;
        }
        if (!o.wait) {
          output(o.json, { scheduleId: id, ...r }, () => `${id} triggered: a run starts now (s360-tixngo schedule list shows it)`);
          return;
        }
        const run = await startedRun(client, id, before);
        try {
          const summary = await waitForRun(client, run, !o.json && process.stderr.isTTY === true);
          output(o.json, { scheduleId: id, triggered: true, ...run, ...summary }, () => summaryText(summary));
          if (summary.outcome === 'ERROR') process.exitCode = 1;
        } catch (err) {
          if (!(err instanceof WorkflowFailedError)) throw err;
          const message = err.cause?.message ?? err.message;
          output(o.json, { scheduleId: id, triggered: true, ...run, outcome: 'FAILED', error: message }, () => `${name} on interface ${o.interface}: FAILED\n  ${message}`);
          process.exitCode = 1;
        }
      });
    });
  simple('delete', 'Delete the schedule (runs already started go on); deleting a missing schedule is not an error', async (client, id) => {
    const deleted = await deleteFunctionSchedule(client, id);
    return { data: { deleted }, text: deleted ? `${id} deleted` : `no schedule ${id}: nothing to delete` };
  });
}

/** The run a trigger started: the schedule's newest action that was not there before (the schedule records it within moments). */
async function startedRun(client: Client, scheduleId: string, before: ReadonlySet<string>): Promise<{ workflowId: string; runId: string }> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const v = await describeFunctionSchedule(client, scheduleId);
    const fresh = [...v.running, ...v.recentActions].find((a) => !before.has(a.workflowId));
    if (fresh) return { workflowId: fresh.workflowId, runId: fresh.runId };
    if (Date.now() > deadline) throw new CliError(`${scheduleId} was triggered but no run showed up within 60 s (s360-tixngo schedule list)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function scheduleIdOrCli(name: string, interfaceName: string): string {
  try {
    return scheduleIdOf(name, interfaceName);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}
