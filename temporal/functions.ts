// The five interface functions as a Temporal client starts them. `s360-tixngo run`, the schedules and the
// benchmark start them the same way: workflow type, workflow id, task queue and typed search attributes.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
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
