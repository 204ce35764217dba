// The start contract for S-360 (or any Temporal client, in any language): zod schemas of every workflow input,
// signal, update and result that crosses the boundary. They validate at the edge (CLI, scripts, schedules), inside
// every workflow at its entry and in its signal handlers (workflows/validate.ts), and generate
// docs/start-contract.schema.json. The assignability checks at the bottom keep these schemas and the TypeScript
// types of common/lifecycle.ts and common/functions.ts in step.
//
// This module runs in the workflow sandbox, so it stays pure: zod (no I/O; its parsing is a function of the value
// alone) and common/ only. zod v4 compiles object parsers with `new Function` where the runtime allows it and
// interprets them otherwise; both give the same answer for the same value, so the workflows stay deterministic
// either way and `jitless` is not needed (test/replay and the workflow tests run it in the sandbox).
import { z } from 'zod';
import { buildFunctionParamsSchema, functionParamsSchema } from './function-params';
import { EXECUTION_OUTCOMES, INTERFACE_FUNCTIONS, S360_TICKET_STATUSES, TIXNGO_STATUSES } from '../common/domain';
import type { DeletionWaiterInput, FunctionParams, FunctionProgress, FunctionRunInput, FunctionRunSummary, InjectionFanoutInput } from '../common/functions';
import type { CancelRequest, CardEvent, CardState, ControlRequest, PrivilegeLifecycleInput, RetryResult, TicketEvent, TicketLifecycleInput, TicketState } from '../common/lifecycle';

/**
 * Builds every schema of the contract, new objects on each call. The module's exports below are one such build;
 * the workflow sandbox builds its own once per worker (workflows/validate.ts, preloaded and shared by every
 * workflow): the SDK freezes what a preloaded module exports, and zod fills some of a schema's fields lazily.
 */
export function buildStartContract() {
  const ms = z.number().int().positive();
  const tixngoStatus = z.enum(TIXNGO_STATUSES);
  const lifecycleStep = z.enum(['AWAITING_INJECTION', 'INJECTED', 'CANCELLING', 'DELETION_PENDING', 'DELETED', 'CANCELLED_BEFORE_INJECTION', 'CONTROLLING', 'CONTROLLED']);

  const lifecycleOptionsSchema = z
    .object({
      deletionPollInitialMs: ms.optional().describe('first wait before asking TIXNGO whether a deletion is confirmed (default 30 s)'),
      deletionPollMaxMs: ms.optional().describe('longest wait between two polls (default 15 min); waits double up to it'),
      deletionConfirmTimeoutMs: ms.optional().describe('after this long in DELETION_PENDING the ticket needs attention (default 24 h)'),
      maxHistoryEvents: ms.optional().describe('continue-as-new threshold (default: when Temporal suggests it, or 5,000 events)'),
    })
    .strict();

  const functionRunInputSchema = z
    .object({
      interfaceName: z.string().min(1).describe('internal name of the S-360 external printing interface'),
      eventCode: z.string().min(1).optional().describe('only tickets of this event/performance code (injection, pushes)'),
      batchSize: z.number().int('must be a whole number').min(1, 'must be between 1 and 10000').max(10_000, 'must be between 1 and 10000').optional().describe("overrides the interface's batch size for this function"),
      notifySpectator: z.boolean().optional().describe('push cancelled: the "Notify spectator" option (showDeletedTicket rule)'),
      maxPages: z.number().int().positive().optional().describe('feedback: stop after this many pages'),
      params: buildFunctionParamsSchema().optional().describe('S-360 function parameters (filters, force/skip lists, date from, ...)'),
      options: z.object({ maxHistoryEvents: ms.optional(), lifecycle: lifecycleOptionsSchema.optional() }).strict().optional().describe('tunables for tests; leave out'),
    })
    .strict()
    .describe('Input of injectTickets, feedbackSync, pushCancelled, pushControlled and injectPrivileges');

  const ticketLifecycleInputSchema = z
    .object({
      ticketId: z.string().regex(/^\d+$/, 'must be an S-360 ticket id (digits)').describe('S-360 ticket id (also the TIXNGO ticketId)'),
      eventCode: z.string().min(1),
      interfaceName: z.string().min(1),
      options: lifecycleOptionsSchema.optional(),
    })
    .strict()
    .describe('Input of ticketLifecycle (normally started by the functions; S-360 may start it too)');

  const privilegeLifecycleInputSchema = z
    .object({
      cardId: z.string().regex(/^\d+$/, 'must be an S-360 card id (digits)'),
      productCode: z.string().min(1),
      interfaceName: z.string().min(1),
    })
    .strict();

  const cancelRequestSchema = z
    .object({
      reason: z.string().min(1).max(256).optional().describe('cancellation/invalidation reason, e.g. REFUND, REPRINT, MOBILE_TAKE_BACK'),
      status: z.enum(['CANCELLED', 'INVALIDATED']).optional().describe('default CANCELLED'),
      showDeletedTicket: z.boolean().optional().describe('keep the deleted ticket visible in the app'),
    })
    .strict();

  const controlRequestSchema = z.object({ at: z.iso.datetime({ offset: true }).optional().describe('control time, RFC 3339') }).strict();

  const retryResultSchema = z.object({ retried: z.boolean(), step: lifecycleStep.optional(), message: z.string() });

  const lifecycleErrorSchema = z.object({ step: lifecycleStep, type: z.string(), message: z.string(), field: z.string().optional(), at: z.string() });

  const ticketStateSchema = z.object({
    step: lifecycleStep,
    s360Status: z.enum(S360_TICKET_STATUSES).optional(),
    tixngoStatus: tixngoStatus.optional(),
    tixngoVersion: z.number().optional(),
    needsAttention: z.boolean(),
    lastError: lifecycleErrorSchema.optional(),
    cancelReason: z.string().optional(),
    showDeletedTicket: z.boolean().optional(),
    deletionPolls: z.number(),
    deletionWaitStartedAt: z.string().optional(),
    deletionConfirmedBy: z.string().optional(),
    retries: z.number(),
    updatedAt: z.string(),
  });

  const functionRunSummarySchema = z.object({
    function: z.enum(INTERFACE_FUNCTIONS),
    interfaceName: z.string(),
    eventCode: z.string().optional(),
    outcome: z.enum(EXECUTION_OUTCOMES),
    processed: z.number(),
    succeeded: z.number(),
    failed: z.number(),
    skipped: z.number(),
    unknown: z.number().optional().describe('feedback: tickets of the feed S-360 does not know (logged, outcome unchanged)'),
    waiting: z.number().optional().describe('injection: tickets waiting for mandatory holder fields (no error, outcome unchanged)'),
    batches: z.number(),
    tixngoCalls: z.number(),
    durationMs: z.number(),
    failures: z.array(z.object({ itemId: z.string(), type: z.string(), message: z.string(), field: z.string().optional() })),
    lifecycleFanoutWorkflowId: z.string().optional().describe('injection: the child workflow (injectionFanout) that starts the ticket workflows once the batches are done'),
    deletionWaiterWorkflowId: z.string().optional().describe('push cancelled: the child workflow (deletionWaiter) that confirms the run\'s deletions in bulk'),
  });

  const ticketEventSchema = z.discriminatedUnion('type', [
    z.object({ type: z.literal('injected') }),
    z.object({ type: z.literal('injectionRejected'), errorType: z.string(), message: z.string(), field: z.string().optional() }),
    z.object({ type: z.literal('cancelPushed'), reason: z.string().optional(), tixngoStatus, showDeletedTicket: z.boolean().optional(), s360Status: z.enum(['CANCELLED', 'INVALIDATED']).optional(), confirmedBy: z.string().min(1).optional() }),
    z.object({ type: z.literal('cancelRejected'), errorType: z.string(), message: z.string() }),
    z.object({ type: z.literal('controlPushed'), tixngoStatus }),
    z.object({ type: z.literal('controlRejected'), errorType: z.string(), message: z.string() }),
    z.object({ type: z.literal('feedback'), tixngoStatus, version: z.number() }),
    z.object({ type: z.literal('cancel'), reason: z.string().optional(), status: z.enum(['CANCELLED', 'INVALIDATED']).optional(), showDeletedTicket: z.boolean().optional() }),
    z.object({ type: z.literal('control'), at: z.string().optional() }),
  ]);

  const cardEventSchema = z.discriminatedUnion('type', [
    z.object({ type: z.literal('injected') }),
    z.object({ type: z.literal('injectionRejected'), errorType: z.string(), message: z.string(), field: z.string().optional() }),
  ]);

  // What the workflows themselves accept: the caller's input plus the fields they carry across continue-as-new
  // (progress, state, pending events) or hand each other (injectionFanout). S-360 never sends these; they are
  // checked so that a run continued as new, or started by hand with them, fails cleanly on a wrong one too.
  // Objects the workflows wrote themselves (state, progress) are not strict: a field added by a later version must
  // not fail a run continued as new by it.

  const count = z.number().int().nonnegative();

  const functionProgressSchema = z.object({
    afterId: z.string().optional(),
    counts: z.object({ processed: count, succeeded: count, failed: count, skipped: count, unknown: count.optional(), waiting: count.optional(), batches: count, tixngoCalls: count }),
    failures: z.array(z.object({ itemId: z.string(), type: z.string(), message: z.string(), field: z.string().optional() })),
    executionId: z.string().optional(),
    startedAt: z.string(),
  });

  const functionRunWorkflowInputSchema = functionRunInputSchema.extend({
    progress: functionProgressSchema.optional().describe('carried across continue-as-new; callers leave it out'),
  });

  const ticketLifecycleWorkflowInputSchema = ticketLifecycleInputSchema.extend({
    state: ticketStateSchema.optional(),
    pendingEvents: z.array(ticketEventSchema).optional(),
  });

  const cardStateSchema = z.object({
    step: z.enum(['AWAITING_INJECTION', 'INJECTED']),
    needsAttention: z.boolean(),
    lastError: lifecycleErrorSchema.optional(),
    retries: z.number(),
    updatedAt: z.string(),
  });

  const privilegeLifecycleWorkflowInputSchema = privilegeLifecycleInputSchema.extend({
    state: cardStateSchema.optional(),
    pendingEvents: z.array(cardEventSchema).optional(),
    options: z.object({ maxHistoryEvents: ms.optional() }).strict().optional(),
  });

  const injectionFanoutInputSchema = z
    .object({
      interfaceName: z.string().min(1),
      executionId: z.string().min(1),
      lifecycleOptions: lifecycleOptionsSchema.optional(),
      maxTicketsPerActivity: z.number().int().positive().optional(),
      afterId: z.string().optional(),
      done: z.object({ notified: count, closed: count }).optional(),
    })
    .strict();

  const deletionWaiterProgressSchema = z.object({
    total: count,
    pending: count,
    confirmed: count,
    neverConfirmed: count,
    rounds: count,
    tixngoCalls: count,
    signalled: count,
    startedAt: z.string(),
    lastRoundAt: z.string().optional(),
    nextRoundAt: z.string().optional(),
    done: z.boolean(),
  });

  const deletionWaiterInputSchema = z
    .object({
      interfaceName: z.string().min(1),
      executionId: z.string().min(1),
      lifecycleOptions: lifecycleOptionsSchema.optional(),
      maxTicketsPerActivity: z.number().int().positive().optional(),
      progress: deletionWaiterProgressSchema.optional(),
    })
    .strict();
  return { lifecycleOptionsSchema, functionRunInputSchema, ticketLifecycleInputSchema, privilegeLifecycleInputSchema, cancelRequestSchema, controlRequestSchema, retryResultSchema, ticketStateSchema, functionRunSummarySchema, ticketEventSchema, cardEventSchema, functionProgressSchema, functionRunWorkflowInputSchema, ticketLifecycleWorkflowInputSchema, cardStateSchema, privilegeLifecycleWorkflowInputSchema, injectionFanoutInputSchema, deletionWaiterInputSchema };
}

export const { lifecycleOptionsSchema, functionRunInputSchema, ticketLifecycleInputSchema, privilegeLifecycleInputSchema, cancelRequestSchema, controlRequestSchema, retryResultSchema, ticketStateSchema, functionRunSummarySchema, ticketEventSchema, cardEventSchema, functionProgressSchema, functionRunWorkflowInputSchema, ticketLifecycleWorkflowInputSchema, cardStateSchema, privilegeLifecycleWorkflowInputSchema, injectionFanoutInputSchema, deletionWaiterInputSchema } = buildStartContract();

/**
 * Why a value does not fit a schema, one issue per `;`, each naming its field: `batchSize: must be between 1 and
 * 10000`, `unknownKey: unknown field`, `input: ...` for the value as a whole. Undefined when it fits. Only reads
 * the value (a parse's output may differ from its input, e.g. a normalised dateFrom, and the workflows carry what
 * they were given).
 */
export function contractProblem(schema: z.ZodType, value: unknown): string | undefined {
  const r = schema.safeParse(value);
  if (r.success) return undefined;
  return r.error.issues
    .slice(0, 5)
    .map((i) => {
      const at = i.path.map(String).join('.');
      if (i.code === 'unrecognized_keys') return i.keys.map((k) => `${at ? `${at}.` : ''}${k}: unknown field`).join('; ');
      return `${at || 'input'}: ${i.message}`;
    })
    .join('; ');
}

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
  CardEvent: cardEventSchema,
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
  Same<z.infer<typeof functionProgressSchema>, FunctionProgress>,
  Same<z.infer<typeof functionRunWorkflowInputSchema>, FunctionRunInput>,
  Same<z.infer<typeof ticketLifecycleWorkflowInputSchema>, TicketLifecycleInput>,
  Same<z.infer<typeof cardEventSchema>, CardEvent>,
  Same<z.infer<typeof cardStateSchema>, CardState>,
  Same<z.infer<typeof privilegeLifecycleWorkflowInputSchema>, PrivilegeLifecycleInput>,
  Same<z.infer<typeof injectionFanoutInputSchema>, InjectionFanoutInput>,
  Same<z.infer<typeof deletionWaiterInputSchema>, DeletionWaiterInput>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true];
void checks;
