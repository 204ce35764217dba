// Workflow ids are business keys with a kind prefix, built and parsed here only.

export const DEFAULT_TASK_QUEUE = 's360-tixngo';

export const ticketWorkflowId = (ticketId: string): string => `ticket-${ticketId}`;
export const cardWorkflowId = (cardId: string): string => `card-${cardId}`;

export function ticketIdFromWorkflowId(workflowId: string): string | undefined {
  return workflowId.startsWith('ticket-') ? workflowId.slice('ticket-'.length) : undefined;
}
export function cardIdFromWorkflowId(workflowId: string): string | undefined {
  return workflowId.startsWith('card-') ? workflowId.slice('card-'.length) : undefined;
}

/** Task queue of the fan-out activities (starting and signalling ticket workflows). */
export const fanoutTaskQueue = (taskQueue: string): string => `${taskQueue}-fanout`;

/** One run at a time per function and interface, like S-360 schedules (feedback must never overlap). */
export const functionWorkflowId = (fn: string, interfaceName: string): string => `${fn.toLowerCase().replace(/_/g, '-')}-${interfaceName}`;

/** The Temporal Schedule of one function of one interface (`schedule-feedback-demo`); its runs get the id
 * `functionWorkflowId(fn, interface)` followed by `-<nominal time>` (the server appends it to every scheduled start). */
export const functionScheduleId = (fn: string, interfaceName: string): string => `schedule-${functionWorkflowId(fn, interfaceName)}`;

/** The workflow that starts the ticket workflows of one injection execution once its batches are done. */
export const injectionFanoutWorkflowId = (interfaceName: string, executionId: string): string => `lifecycles-${interfaceName}-${executionId}`;

/** The waiter that confirms the deletions of one push-cancelled execution in bulk (workflows/deletion-waiter.ts). */
export const deletionWaiterWorkflowId = (interfaceName: string, executionId: string): string => `deletions-${interfaceName}-${executionId}`;
