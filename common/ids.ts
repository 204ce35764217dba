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
