// The start contract for S-360 (or any Temporal client, in any language): zod schemas of every workflow input,
// signal, update and result that crosses the boundary. They validate at the edge (CLI, scripts) and generate
// docs/start-contract.schema.json. Workflow code never imports zod; the assignability checks at the bottom keep
// these schemas and the TypeScript types of common/lifecycle.ts and common/functions.ts in step.
import { z } from 'zod';
import { functionParamsSchema } from './function-params';
import { EXECUTION_OUTCOMES, INTERFACE_FUNCTIONS, S360_TICKET_STATUSES, TIXNGO_STATUSES } from '../common/domain';
import type { FunctionParams, FunctionRunInput, FunctionRunSummary } from '../common/functions';
import type { CancelRequest, ControlRequest, PrivilegeLifecycleInput, RetryResult, TicketEvent, TicketLifecycleInput, TicketState } from '../common/lifecycle';

const ms = z.number().int().positive();
const tixngoStatus = z.enum(TIXNGO_STATUSES);
const lifecycleStep = z.enum(['AWAITING_INJECTION', 'INJECTED', 'CANCELLING', 'DELETION_PENDING', 'DELETED', 'CANCELLED_BEFORE_INJECTION', 'CONTROLLING', 'CONTROLLED']);

export const lifecycleOptionsSchema = z
  .object({
    deletionPollInitialMs: ms.optional().describe('first wait before asking TIXNGO whether a deletion is confirmed (default 30 s)'),
    deletionPollMaxMs: ms.optional().describe('longest wait between two polls (default 15 min); waits double up to it'),
    deletionConfirmTimeoutMs: ms.optional().describe('after this long in DELETION_PENDING the ticket needs attention (default 24 h)'),
    maxHistoryEvents: ms.optional().describe('continue-as-new threshold (default: when Temporal suggests it, or 5,000 events)'),
  })
  .strict();

export const functionRunInputSchema = z
  .object({
    interfaceName: z.string().min(1).describe('internal name of the S-360 external printing interface'),
    eventCode: z.string().min(1).optional().describe('only tickets of this event/performance code (injection, pushes)'),
    batchSize: z.number().int().min(1).max(10_000).optional().describe("overrides the interface's batch size for this function"),
    notifySpectator: z.boolean().optional().describe('push cancelled: the "Notify spectator" option (showDeletedTicket rule)'),
    maxPages: z.number().int().positive().optional().describe('feedback: stop after this many pages'),
    params: functionParamsSchema.optional().describe('S-360 function parameters (filters, force/skip lists, date from, ...)'),
    options: z.object({ maxHistoryEvents: ms.optional(), lifecycle: lifecycleOptionsSchema.optional() }).strict().optional().describe('tunables for tests; leave out'),
  })
  .strict()
  .describe('Input of injectTickets, feedbackSync, pushCancelled, pushControlled and injectPrivileges');

export const ticketLifecycleInputSchema = z
  .object({
    ticketId: z.string().regex(/^\d+$/).describe('S-360 ticket id (also the TIXNGO ticketId)'),
    eventCode: z.string().min(1),
    interfaceName: z.string().min(1),
    options: lifecycleOptionsSchema.optional(),
  })
  .describe('Input of ticketLifecycle (normally started by the functions; S-360 may start it too)');

export const privilegeLifecycleInputSchema = z.object({
  cardId: z.string().regex(/^\d+$/),
  productCode: z.string().min(1),
  interfaceName: z.string().min(1),
});

export const cancelRequestSchema = z
  .object({
    reason: z.string().min(1).max(256).optional().describe('cancellation/invalidation reason, e.g. REFUND, REPRINT, MOBILE_TAKE_BACK'),
    status: z.enum(['CANCELLED', 'INVALIDATED']).optional().describe('default CANCELLED'),
    showDeletedTicket: z.boolean().optional().describe('keep the deleted ticket visible in the app'),
  })
  .strict();

export const controlRequestSchema = z.object({ at: z.iso.datetime({ offset: true }).optional().describe('control time, RFC 3339') }).strict();

export const retryResultSchema = z.object({ retried: z.boolean(), step: lifecycleStep.optional(), message: z.string() });

export const ticketStateSchema = z.object({
  step: lifecycleStep,
  s360Status: z.enum(S360_TICKET_STATUSES).optional(),
  tixngoStatus: tixngoStatus.optional(),
  tixngoVersion: z.number().optional(),
  needsAttention: z.boolean(),
  lastError: z.object({ step: lifecycleStep, type: z.string(), message: z.string(), field: z.string().optional(), at: z.string() }).optional(),
  cancelReason: z.string().optional(),
  showDeletedTicket: z.boolean().optional(),
  deletionPolls: z.number(),
  deletionWaitStartedAt: z.string().optional(),
  retries: z.number(),
  updatedAt: z.string(),
});

export const functionRunSummarySchema = z.object({
  function: z.enum(INTERFACE_FUNCTIONS),
  interfaceName: z.string(),
  eventCode: z.string().optional(),
  outcome: z.enum(EXECUTION_OUTCOMES),
  processed: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  skipped: z.number(),
  waiting: z.number().optional().describe('injection: tickets waiting for mandatory holder fields (no error, outcome unchanged)'),
  batches: z.number(),
  tixngoCalls: z.number(),
  durationMs: z.number(),
  failures: z.array(z.object({ itemId: z.string(), type: z.string(), message: z.string(), field: z.string().optional() })),
  lifecycleFanoutWorkflowId: z.string().optional().describe('injection: the child workflow (injectionFanout) that starts the ticket workflows once the batches are done'),
});

export const ticketEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('injected') }),
  z.object({ type: z.literal('injectionRejected'), errorType: z.string(), message: z.string(), field: z.string().optional() }),
  z.object({ type: z.literal('cancelPushed'), reason: z.string().optional(), tixngoStatus, showDeletedTicket: z.boolean().optional(), s360Status: z.enum(['CANCELLED', 'INVALIDATED']).optional() }),
  z.object({ type: z.literal('cancelRejected'), errorType: z.string(), message: z.string() }),
  z.object({ type: z.literal('controlPushed'), tixngoStatus }),
  z.object({ type: z.literal('controlRejected'), errorType: z.string(), message: z.string() }),
  z.object({ type: z.literal('feedback'), tixngoStatus, version: z.number() }),
  z.object({ type: z.literal('cancel'), reason: z.string().optional(), status: z.enum(['CANCELLED', 'INVALIDATED']).optional(), showDeletedTicket: z.boolean().optional() }),
  z.object({ type: z.literal('control'), at: z.string().optional() }),
]);

/** Everything in one place, for the generated JSON Schema and the README. */
export const START_CONTRACT = {
  FunctionRunInput: functionRunInputSchema,
  FunctionRunSummary: functionRunSummarySchema,
  TicketLifecycleInput: ticketLifecycleInputSchema,
  PrivilegeLifecycleInput: privilegeLifecycleInputSchema,
  TicketState: ticketStateSchema,
  CancelRequest: cancelRequestSchema,
  ControlRequest: controlRequestSchema,
  RetryResult: retryResultSchema,
  TicketEvent: ticketEventSchema,
};

/** The JSON Schema document (draft 2020-12) of the start contract. */
export function startContractJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 's360-tixngo start contract',
    $defs: Object.fromEntries(Object.entries(START_CONTRACT).map(([name, schema]) => [name, z.toJSONSchema(schema, { io: 'input' })])),
  };
}

// Compile-time checks: a value valid for a schema is a valid value of the workflow's type, and back.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const checks: [
  Same<z.infer<typeof functionParamsSchema>, FunctionParams>,
  Same<z.infer<typeof functionRunInputSchema>, Omit<FunctionRunInput, 'progress'>>,
  Same<z.infer<typeof cancelRequestSchema>, CancelRequest>,
  Same<z.infer<typeof controlRequestSchema>, ControlRequest>,
  Same<z.infer<typeof retryResultSchema>, RetryResult>,
  Same<z.infer<typeof ticketStateSchema>, TicketState>,
  Same<z.infer<typeof functionRunSummarySchema>, FunctionRunSummary>,
  Same<z.infer<typeof ticketEventSchema>, TicketEvent>,
  Same<z.infer<typeof ticketLifecycleInputSchema>, Omit<TicketLifecycleInput, 'state' | 'pendingEvents'>>,
  Same<z.infer<typeof privilegeLifecycleInputSchema>, Omit<PrivilegeLifecycleInput, 'state' | 'pendingEvents' | 'options'>>,
] = [true, true, true, true, true, true, true, true, true, true];
void checks;
