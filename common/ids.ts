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
