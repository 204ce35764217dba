// Temporal Schedules of the interface functions: the S-360 "schedules" of an interface (§3.0: launch manual or
// automatic, frequency, start, end). One schedule per function and interface, id `schedule-<function>-<interface>`.
//
// Every action starts the function workflow as `s360-tixngo run` does (temporal/functions.ts startFunction): same
// workflow type, task queue, typed search attributes and validated `FunctionRunInput`; the workflow id is
// `functionWorkflowId(fn, interface)`, to which the server appends `-<nominal time>` for every scheduled start.
//
// Choices (README "Schedules"):
//  - overlap SKIP: a run that is still going when the next one is due makes that one skipped, so one function of
//    one interface never runs twice at once through its schedule (feedback must never overlap, §2.2);
//  - stickToTheHour (§4, default true) = an interval aligned to the epoch (offset 0): every 5 minutes fires at
//    :00, :05, :10 ..., and a 7-minute run started at 13:35 is followed by the 13:45 run (13:40 is skipped).
//    stickToTheHour=false = the interval phased on the schedule's start and overlap BUFFER_ONE: the run due while
//    another is going starts as soon as it ends ("start + duration"), still never two at once;
//  - launch manual = a paused schedule: it runs only when triggered; unpausing it makes it automatic;
//  - catch-up window: one period (at least 10 s, at most 1 h): after an outage, at most the last missed run is made
//    up, and only if the outage was shorter than a period; a cron schedule gets 5 minutes;
//  - no pauseOnFailure: a failed run does not stop the schedule; the next run retries (§3.0), the e-mail
//    recipients are told (activities/notify.ts).
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleSpec,
  type ScheduleUpdateOptions,
  type Workflow,
} from '@temporalio/client';
import { INTERFACE_FUNCTIONS, type InterfaceFunction } from '../common/domain';
import type { FunctionRunInput } from '../common/functions';
import { functionScheduleId, functionWorkflowId } from '../common/ids';
import { InterfaceFunctionKey, InterfaceNameKey } from '../common/search-attributes';
import { functionRunInputSchema } from '../contract/start-contract';
import { FUNCTIONS, functionSearchAttributes } from './functions';

export type Launch = 'automatic' | 'manual';
export const LAUNCHES: readonly Launch[] = ['automatic', 'manual'];

export const DEFAULT_EVERY_MS = 5 * 60_000;
const MIN_CATCHUP_MS = 10_000;
const MAX_CATCHUP_MS = 60 * 60_000;
const CRON_CATCHUP_MS = 5 * 60_000;
const MANUAL_NOTE = 'manual launch: runs only when triggered (s360-tixngo schedule trigger); unpause to make it automatic';
const AUTOMATIC_NOTE = 'automatic launch';

/** A wrong schedule definition (unknown function, bad frequency, start after end, invalid input). */
export class ScheduleDefinitionError extends Error {
  override name = 'ScheduleDefinitionError';
}

export interface FunctionScheduleDefinition {
  /** CLI name of the function: inject | feedback | push-cancelled | push-controlled | inject-privileges. */
  function: string;
  /** The input of every run (validated with the start contract's functionRunInputSchema). */
  input: FunctionRunInput;
  launch: Launch;
  /** Interval frequency in milliseconds (whole seconds); default 5 minutes. Exclusive with `cron`. */
  everyMs?: number;
  /** A cron expression (UTC unless prefixed with CRON_TZ=...). Exclusive with `everyMs`. */
  cron?: string;
  startAt?: Date;
  endAt?: Date;
  /** §4 custom parameter; default true (runs on the clock's 5-minute marks for a 5-minute frequency). */
  stickToTheHour?: boolean;
  catchupWindowMs?: number;
  note?: string;
}

/** What `schedule list` shows: the definition as Temporal holds it, and what the schedule did. */
export interface FunctionScheduleView {
  scheduleId: string;
  interfaceName: string;
  function: InterfaceFunction;
  command: string;
  workflowType: string;
  launch: Launch;
  paused: boolean;
  note?: string;
  everyMs?: number;
  offsetMs?: number;
  /** Calendar-based specs (from a cron expression), as Temporal stores them. */
  calendars?: unknown[];
  startAt?: string;
  endAt?: string;
  stickToTheHour: boolean;
  overlap: string;
  catchupWindowMs: number;
  input: FunctionRunInput;
  nextRuns: string[];
  recentActions: { workflowId: string; runId: string; scheduledAt: string; takenAt: string }[];
  running: { workflowId: string; runId: string }[];
  actionsTaken: number;
  skippedOverlap: number;
  missedCatchupWindow: number;
}

/** `5m`, `90s`, `1h`, `2d` (or a number of milliseconds) -> milliseconds; whole seconds, at least 1 s. */
export function parseDuration(text: string, what = 'duration'): number {
  const m = /^\s*(\d+)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) throw new ScheduleDefinitionError(`${what}: expected a duration like 30s, 5m, 1h or 1d (got '${text}')`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms'] ?? 1;
  const value = Number(m[1]) * unit;
  if (value < 1000 || value % 1000 !== 0) throw new ScheduleDefinitionError(`${what}: must be a whole number of seconds, at least 1s (got '${text}')`);
  return value;
}

/** 300000 -> `5m`, 2000 -> `2s`, 5400000 -> `90m`. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function functionOf(name: string): { fn: InterfaceFunction; workflowType: string } {
  const f = FUNCTIONS[name];
  if (!f) throw new ScheduleDefinitionError(`unknown function '${name}'; expected one of ${Object.keys(FUNCTIONS).join(', ')}`);
  return f;
}

/** CLI name of a function (`FEEDBACK` -> `feedback`). */
export function commandOf(fn: InterfaceFunction): string {
  const entry = Object.entries(FUNCTIONS).find(([, f]) => f.fn === fn);
  if (!entry) throw new ScheduleDefinitionError(`unknown function ${fn}`);
  return entry[0];
}

export function scheduleIdOf(command: string, interfaceName: string): string {
  return functionScheduleId(functionOf(command).fn, interfaceName);
}

function validInput(input: unknown): FunctionRunInput {
  const parsed = functionRunInputSchema.safeParse(input);
  if (!parsed.success) throw new ScheduleDefinitionError(`run input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The start action: the function workflow exactly as `run` starts it (startFunction in temporal/functions.ts). */
function startAction(command: string, input: FunctionRunInput, taskQueue: string): ScheduleOptionsStartWorkflowAction<Workflow> {
  const f = functionOf(command);
  return {
    type: 'startWorkflow',
    workflowType: f.workflowType,
    workflowId: functionWorkflowId(f.fn, input.interfaceName),
    taskQueue,
    args: [input],
    typedSearchAttributes: functionSearchAttributes(f.fn, input),
  };
}

function defaultCatchupMs(everyMs: number | undefined): number {
  if (everyMs === undefined) return CRON_CATCHUP_MS;
  return Math.min(MAX_CATCHUP_MS, Math.max(MIN_CATCHUP_MS, everyMs));
}

function frequencySpec(def: Pick<FunctionScheduleDefinition, 'everyMs' | 'cron' | 'startAt' | 'stickToTheHour'>, now: Date): Pick<ScheduleSpec, 'intervals' | 'cronExpressions'> {
  if (def.cron !== undefined && def.everyMs !== undefined) throw new ScheduleDefinitionError('give a frequency (--every) or a cron expression (--cron), not both');
  if (def.cron !== undefined) {
    if (!def.cron.trim()) throw new ScheduleDefinitionError('cron: empty expression');
    return { cronExpressions: [def.cron.trim()] };
  }
  const every = def.everyMs ?? DEFAULT_EVERY_MS;
  if (every < 1000 || every % 1000 !== 0) throw new ScheduleDefinitionError(`frequency: must be a whole number of seconds, at least 1s (got ${every} ms)`);
  // stickToTheHour: aligned on the epoch, i.e. on the clock for any frequency dividing an hour. Otherwise phased on
  // the schedule's start (whole seconds, as Temporal rounds them).
  const phaseFrom = Math.floor((def.startAt ?? now).getTime() / 1000) * 1000;
  const offset = def.stickToTheHour === false ? phaseFrom % every : 0;
  return { intervals: [{ every, offset }] };
}

/** The Temporal schedule options of a definition (pure; unit-tested). */
export function buildScheduleOptions(def: FunctionScheduleDefinition, taskQueue: string, now = new Date()): ScheduleOptions<ScheduleOptionsStartWorkflowAction<Workflow>> {
  const f = functionOf(def.function);
  const input = validInput(def.input);
  if (!LAUNCHES.includes(def.launch)) throw new ScheduleDefinitionError(`launch: expected automatic or manual (got '${String(def.launch)}')`);
  if (def.startAt && def.endAt && def.endAt.getTime() <= def.startAt.getTime()) throw new ScheduleDefinitionError('end must be after start');
  const catchup = def.catchupWindowMs ?? defaultCatchupMs(def.cron === undefined ? (def.everyMs ?? DEFAULT_EVERY_MS) : undefined);
  if (catchup < MIN_CATCHUP_MS) throw new ScheduleDefinitionError('catch-up window: at least 10s (Temporal minimum)');
  return {
    scheduleId: functionScheduleId(f.fn, input.interfaceName),
    spec: { ...frequencySpec(def, now), startAt: def.startAt, endAt: def.endAt, jitter: 0 },
    action: startAction(def.function, input, taskQueue),
    policies: {
      overlap: def.stickToTheHour === false ? ScheduleOverlapPolicy.BUFFER_ONE : ScheduleOverlapPolicy.SKIP,
      catchupWindow: catchup,
      pauseOnFailure: false,
    },
    state: { paused: def.launch === 'manual', note: def.note ?? (def.launch === 'manual' ? MANUAL_NOTE : AUTOMATIC_NOTE) },
    memo: { interfaceName: input.interfaceName, function: f.fn, workflowType: f.workflowType },
    typedSearchAttributes: [
      { key: InterfaceNameKey, value: input.interfaceName },
      { key: InterfaceFunctionKey, value: f.fn },
    ],
  };
}

function toUpdate(o: ScheduleOptions<ScheduleOptionsStartWorkflowAction<Workflow>>): ScheduleUpdateOptions<ScheduleOptionsStartWorkflowAction<Workflow>> {
  return { spec: o.spec, action: o.action, policies: o.policies, state: { paused: o.state?.paused, note: o.state?.note }, typedSearchAttributes: o.typedSearchAttributes };
}

export type UpsertResult = { scheduleId: string; result: 'created' | 'updated' | 'unchanged' };

/**
 * Creates the schedule, or, when it exists, replaces its definition with this one (`result: 'updated'`): running
 * the same `schedule create` twice leaves one schedule with that definition. With `ifMissing`, an existing schedule
 * is left exactly as it is (`result: 'unchanged'`), so an operator's changes survive (what `dev` uses).
 */
export async function upsertFunctionSchedule(client: Client, taskQueue: string, def: FunctionScheduleDefinition, opts: { ifMissing?: boolean } = {}): Promise<UpsertResult> {
  const options = buildScheduleOptions(def, taskQueue);
  try {
    await client.schedule.create(options);
    return { scheduleId: options.scheduleId, result: 'created' };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  if (opts.ifMissing) return { scheduleId: options.scheduleId, result: 'unchanged' };
  await client.schedule.getHandle(options.scheduleId).update(() => toUpdate(options));
  return { scheduleId: options.scheduleId, result: 'updated' };
}

/** Changes to an existing schedule; what is not given stays as it is. */
export interface ScheduleChanges extends Partial<Omit<FunctionScheduleDefinition, 'function' | 'input'>> {
  /** Input fields to set (merged into the current input and validated again). */
  input?: Partial<Omit<FunctionRunInput, 'interfaceName'>>;
}

function isStartWorkflow(action: ScheduleDescription['action']): action is Extract<ScheduleDescription['action'], { type: 'startWorkflow' }> {
  return action.type === 'startWorkflow';
}

function identityOf(desc: ScheduleDescription): { interfaceName: string; fn: InterfaceFunction } | undefined {
  const memo = desc.memo as { interfaceName?: unknown; function?: unknown } | undefined;
  const fn = memo?.function;
  if (typeof memo?.interfaceName !== 'string' || typeof fn !== 'string' || !(INTERFACE_FUNCTIONS as readonly string[]).includes(fn)) return undefined;
  return { interfaceName: memo.interfaceName, fn: fn as InterfaceFunction };
}

/** Applies changes to an existing schedule (ScheduleNotFoundError when there is none). */
export async function updateFunctionSchedule(client: Client, taskQueue: string, scheduleId: string, changes: ScheduleChanges): Promise<FunctionScheduleView> {
  const handle = client.schedule.getHandle(scheduleId);
  await handle.update((prev) => {
    const id = identityOf(prev);
    if (!id || !isStartWorkflow(prev.action)) throw new ScheduleDefinitionError(`schedule ${scheduleId} is not an interface function schedule`);
    const command = commandOf(id.fn);
    const input = validInput({ ...(prev.action.args?.[0] as FunctionRunInput), ...changes.input, interfaceName: id.interfaceName });
    const interval = prev.spec.intervals?.[0];
    const prevStick = prev.policies.overlap !== ScheduleOverlapPolicy.BUFFER_ONE;
    const stick = changes.stickToTheHour ?? prevStick;
    const startAt = changes.startAt ?? prev.spec.startAt;
    const endAt = changes.endAt ?? prev.spec.endAt;
    if (startAt && endAt && endAt.getTime() <= startAt.getTime()) throw new ScheduleDefinitionError('end must be after start');
    const frequencyChanged = changes.everyMs !== undefined || changes.cron !== undefined || stick !== prevStick || (!stick && changes.startAt !== undefined);
    let spec: ScheduleSpec;
    if (frequencyChanged) {
      const everyMs = changes.everyMs ?? (changes.cron === undefined ? (interval?.every ?? DEFAULT_EVERY_MS) : undefined);
      if (everyMs === undefined && changes.cron === undefined && !interval) throw new ScheduleDefinitionError('this schedule runs on a cron expression: give --cron or --every to change its frequency');
      spec = { ...frequencySpec({ everyMs, cron: changes.cron, startAt, stickToTheHour: stick }, new Date()), startAt, endAt, jitter: 0 };
    } else {
      spec = { ...prev.spec, startAt, endAt };
    }
    const paused = changes.launch === undefined ? prev.state.paused : changes.launch === 'manual';
    const note = changes.note ?? (changes.launch === undefined ? prev.state.note : paused ? MANUAL_NOTE : AUTOMATIC_NOTE);
    const catchup = changes.catchupWindowMs ?? prev.policies.catchupWindow;
    if (catchup < MIN_CATCHUP_MS) throw new ScheduleDefinitionError('catch-up window: at least 10s (Temporal minimum)');
    return {
      spec,
      action: startAction(command, input, prev.action.taskQueue ?? taskQueue),
      policies: { overlap: stick ? ScheduleOverlapPolicy.SKIP : ScheduleOverlapPolicy.BUFFER_ONE, catchupWindow: catchup, pauseOnFailure: prev.policies.pauseOnFailure },
      state: { paused, note },
      typedSearchAttributes: [
        { key: InterfaceNameKey, value: id.interfaceName },
        { key: InterfaceFunctionKey, value: id.fn },
      ],
    };
  });
  return describeFunctionSchedule(client, scheduleId);
}

const iso = (d: Date | undefined): string | undefined => (d ? d.toISOString() : undefined);

/** The view of a schedule description, or undefined when it is not one of ours. */
export function viewOf(desc: ScheduleDescription): FunctionScheduleView | undefined {
  const id = identityOf(desc);
  if (!id || !isStartWorkflow(desc.action)) return undefined;
  const interval = desc.spec.intervals?.[0];
  const input = desc.action.args?.[0] as FunctionRunInput;
  return {
    scheduleId: desc.scheduleId,
    interfaceName: id.interfaceName,
    function: id.fn,
    command: commandOf(id.fn),
    workflowType: typeof desc.action.workflowType === 'string' ? desc.action.workflowType : String(desc.action.workflowType),
    launch: desc.state.paused ? 'manual' : 'automatic',
    paused: desc.state.paused,
    note: desc.state.note,
    everyMs: interval?.every,
    offsetMs: interval?.offset,
    calendars: desc.spec.calendars?.length ? desc.spec.calendars : undefined,
    startAt: iso(desc.spec.startAt),
    endAt: iso(desc.spec.endAt),
    stickToTheHour: desc.policies.overlap !== ScheduleOverlapPolicy.BUFFER_ONE,
    overlap: desc.policies.overlap ?? ScheduleOverlapPolicy.SKIP,
    catchupWindowMs: desc.policies.catchupWindow,
    input,
    nextRuns: desc.info.nextActionTimes.slice(0, 3).map((d) => d.toISOString()),
    recentActions: desc.info.recentActions.map((a) => ({
      workflowId: a.action.workflow.workflowId,
      runId: a.action.workflow.firstExecutionRunId,
      scheduledAt: a.scheduledAt.toISOString(),
      takenAt: a.takenAt.toISOString(),
    })),
    running: desc.info.runningActions.map((a) => ({ workflowId: a.workflow.workflowId, runId: a.workflow.firstExecutionRunId })),
    actionsTaken: desc.info.numActionsTaken,
    skippedOverlap: desc.info.numActionsSkippedOverlap,
    missedCatchupWindow: desc.info.numActionsMissedCatchupWindow,
  };
}

export async function describeFunctionSchedule(client: Client, scheduleId: string): Promise<FunctionScheduleView> {
  const desc = await client.schedule.getHandle(scheduleId).describe();
  const view = viewOf(desc);
  if (!view) throw new ScheduleDefinitionError(`schedule ${scheduleId} is not an interface function schedule`);
  return view;
}

/**
 * The function schedules of the namespace (of one interface if given), ordered by id. The listing (visibility) only
 * finds them; each one is then described, so what is shown is current (recent actions, running, next runs).
 */
export async function listFunctionSchedules(client: Client, opts: { interfaceName?: string } = {}): Promise<FunctionScheduleView[]> {
  const ids: string[] = [];
  for await (const s of client.schedule.list()) {
    const memo = s.memo as { interfaceName?: unknown; function?: unknown } | undefined;
    if (typeof memo?.interfaceName !== 'string' || typeof memo.function !== 'string') continue;
    if (opts.interfaceName !== undefined && memo.interfaceName !== opts.interfaceName) continue;
    ids.push(s.scheduleId);
  }
  const views: FunctionScheduleView[] = [];
  for (const id of ids.sort()) {
    try {
      const v = viewOf(await client.schedule.getHandle(id).describe());
      if (v) views.push(v);
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err; // deleted since the listing
    }
  }
  return views;
}

export async function pauseFunctionSchedule(client: Client, scheduleId: string, note?: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).pause(note ?? MANUAL_NOTE);
}

export async function unpauseFunctionSchedule(client: Client, scheduleId: string, note?: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).unpause(note ?? AUTOMATIC_NOTE);
}

/**
 * Runs the function now through its schedule (also when paused: that is the manual launch). Overlap SKIP, stated
 * explicitly (the SDK's default for a trigger is ALLOW_ALL): when a run is going, nothing is started and the
 * answer says which run is in the way.
 */
export async function triggerFunctionSchedule(client: Client, scheduleId: string): Promise<{ triggered: boolean; running: { workflowId: string; runId: string }[] }> {
  const handle = client.schedule.getHandle(scheduleId);
  const running = (await handle.describe()).info.runningActions.map((a) => ({ workflowId: a.workflow.workflowId, runId: a.workflow.firstExecutionRunId }));
  if (running.length) return { triggered: false, running };
  await handle.trigger(ScheduleOverlapPolicy.SKIP);
  return { triggered: true, running };
}

/** Deletes the schedule; false when there was none (deleting twice is safe). Runs already started go on. */
export async function deleteFunctionSchedule(client: Client, scheduleId: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(scheduleId).delete();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

/**
 * The default schedules of the `demo` interface (`s360-tixngo dev`): the simple scenario of §2.2 (injection,
 * feedback, push cancelled, push controlled, once each) at the recommended frequencies (§3.0): every 5 minutes,
 * push controlled every minute. Manual by default (README: the quick start stays predictable and quiet).
 */
export function demoScheduleDefinitions(interfaceName: string, launch: Launch): FunctionScheduleDefinition[] {
  return [
    { function: 'inject', everyMs: 5 * 60_000 },
    { function: 'feedback', everyMs: 5 * 60_000 },
    { function: 'push-cancelled', everyMs: 5 * 60_000 },
    { function: 'push-controlled', everyMs: 60_000 },
  ].map((d) => ({ ...d, input: { interfaceName }, launch, stickToTheHour: true }));
}
