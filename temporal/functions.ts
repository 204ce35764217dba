// The five interface functions as a Temporal client starts them. `s360-tixngo run`, the schedules and the
// benchmark start them the same way: workflow type, workflow id, task queue and typed search attributes.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { InterfaceFunction } from '../common/domain';
import type { FunctionRunInput } from '../common/functions';
import { functionWorkflowId } from '../common/ids';
import { EventCodeKey, InterfaceFunctionKey, InterfaceNameKey } from '../common/search-attributes';

/** CLI name -> (function, workflow type). Workflow type names are the S-360 start contract (README). */
export const FUNCTIONS: Record<string, { fn: InterfaceFunction; workflowType: string }> = {
  inject: { fn: 'INJECTION', workflowType: 'injectTickets' },
  feedback: { fn: 'FEEDBACK', workflowType: 'feedbackSync' },
  'push-cancelled': { fn: 'PUSH_CANCELLED', workflowType: 'pushCancelled' },
  'push-controlled': { fn: 'PUSH_CONTROLLED', workflowType: 'pushControlled' },
  'inject-privileges': { fn: 'PRIVILEGES_INJECTION', workflowType: 'injectPrivileges' },
};

/** A function name that is not one of FUNCTIONS. */
export class UnknownFunctionError extends Error {
  override name = 'UnknownFunctionError';
  constructor(readonly functionName: string) {
    super(`unknown function '${functionName}'; expected one of ${Object.keys(FUNCTIONS).join(', ')}`);
  }
}

/** A run of the same function on the same interface is still going: runs of one function never overlap. */
export class FunctionAlreadyRunningError extends Error {
  override name = 'FunctionAlreadyRunningError';
  constructor(
    readonly functionName: string,
    readonly interfaceName: string,
    readonly workflowId: string,
  ) {
    super(`a ${functionName} run is already running for interface '${interfaceName}' (workflow ${workflowId}); runs of one function never overlap`);
  }
}

/** The command that stops a function run (named wherever a run is in the way). */
export const stopCommand = (name: string, interfaceName: string): string => `s360-tixngo run stop ${name} --interface ${interfaceName}`;

const oneLine = (s: string | null | undefined, max = 300): string => {
  const t = (s ?? '').replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}...` : t;
};

/**
 * Why a running workflow makes no progress, when it visibly does not: its workflow task keeps failing (a
 * non-determinism or a bug: the worker retries it forever), or an activity is being retried. Undefined when
 * neither shows (it may just be busy). Reads the describe and the last events of the history, newest first.
 */
export async function whyStuck(client: Client, workflowId: string): Promise<string | undefined> {
  let d;
  try {
    d = await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  if (d.status.name !== 'RUNNING') return undefined;
  const reasons: string[] = [];
  const wft = d.raw.pendingWorkflowTask;
  if (wft && (wft.attempt ?? 0) > 1) {
    const res = await client.workflowService
      .getWorkflowExecutionHistoryReverse({ namespace: client.options.namespace, execution: { workflowId, runId: d.runId }, maximumPageSize: 50 })
      .catch(() => undefined);
    const failed = res?.history?.events?.find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes;
    reasons.push(`its last workflow task failed (attempt ${wft.attempt})${failed?.failure?.message ? `: ${oneLine(failed.failure.message)}` : ''}`);
  }
  for (const a of d.raw.pendingActivities ?? []) {
    if ((a.attempt ?? 0) <= 1 && !a.lastFailure) continue;
    reasons.push(
      `activity ${a.activityType?.name ?? '?'} pending, attempt ${a.attempt ?? '?'}${a.lastFailure?.message ? `, last failure: ${oneLine(a.lastFailure.message)}` : ''}`,
    );
  }
  return reasons.length ? reasons.join('; ') : undefined;
}

/** The running workflows of a function on an interface: its manual run and scheduled runs (their ids carry the time). */
export async function runningFunctionWorkflows(client: Client, name: string, interfaceName: string): Promise<string[]> {
  const f = FUNCTIONS[name];
  if (!f) throw new UnknownFunctionError(name);
  const found = new Set<string>();
  const manual = functionWorkflowId(f.fn, interfaceName);
  try {
    if ((await client.workflow.getHandle(manual).describe()).status.name === 'RUNNING') found.add(manual);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  // Visibility may lag a moment behind a start; the manual id above is read directly.
  const q = `${InterfaceNameKey.name} = '${interfaceName.replace(/'/g, "\\'")}' AND ${InterfaceFunctionKey.name} = '${f.fn}' AND ExecutionStatus = 'Running'`;
  for await (const w of client.workflow.list({ query: q })) {
    if (w.type === f.workflowType) found.add(w.workflowId);
  }
  return [...found].sort();
}

export interface StopResult {
  workflowId: string;
  runId: string;
  /** cancelled / terminated: it ended; cancel-requested: it still runs after the wait (stuck: terminate it). */
  result: 'cancelled' | 'terminated' | 'ended' | 'cancel-requested';
  /** The workflow's status afterwards (RUNNING, CANCELLED, TERMINATED, COMPLETED, ...). */
  status: string;
}

/**
 * Stops one function run: a cancellation request (the run ends its current batch and closes its execution as
 * ERROR), or with `force` a termination (immediate; nothing of the workflow runs any more). Waits up to `waitMs`
 * for a cancelled run to end.
 */
export async function stopFunctionRun(client: Client, workflowId: string, opts: { force?: boolean; reason: string; waitMs: number }): Promise<StopResult> {
  const handle = client.workflow.getHandle(workflowId);
  const d = await handle.describe();
  if (d.status.name !== 'RUNNING') return { workflowId, runId: d.runId, result: 'ended', status: d.status.name };
  if (opts.force) {
    await handle.terminate(opts.reason);
    return { workflowId, runId: d.runId, result: 'terminated', status: 'TERMINATED' };
  }
  await handle.cancel();
  const deadline = Date.now() + opts.waitMs;
  for (;;) {
    // The latest run: a function continues as new between batches.
    const now = await handle.describe();
    if (now.status.name !== 'RUNNING') return { workflowId, runId: now.runId, result: now.status.name === 'CANCELLED' ? 'cancelled' : 'ended', status: now.status.name };
    if (Date.now() >= deadline) return { workflowId, runId: now.runId, result: 'cancel-requested', status: now.status.name };
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The search attributes every function run carries, however it was started. */
export function functionSearchAttributes(fn: InterfaceFunction, input: FunctionRunInput): SearchAttributePair[] {
  return [
    { key: InterfaceNameKey, value: input.interfaceName },
    { key: InterfaceFunctionKey, value: fn },
    ...(input.eventCode ? [{ key: EventCodeKey, value: input.eventCode }] : []),
  ];
}

export interface StartedRun {
  workflowId: string;
  /** The Temporal run id of the first run (the run follows its continue-as-new chain from there). */
  runId: string;
}

/** Starts a function run; one run at a time per function and interface (a second start is refused). */
export async function startFunction(client: Client, taskQueue: string, name: string, input: FunctionRunInput): Promise<StartedRun> {
  const f = FUNCTIONS[name];
  if (!f) throw new UnknownFunctionError(name);
  const workflowId = functionWorkflowId(f.fn, input.interfaceName);
  try {
    const handle = await client.workflow.start(f.workflowType, {
      taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: functionSearchAttributes(f.fn, input),
    });
    return { workflowId, runId: handle.firstExecutionRunId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new FunctionAlreadyRunningError(name, input.interfaceName, workflowId);
    throw err;
  }
}
