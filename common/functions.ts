// The five interface functions' inputs, progress and results, and the injection fan-out's: what S-360, the CLI,
// schedules, the activities and the workflows exchange. Type-only and pure. Field names are recorded in workflow
// histories: renaming one breaks replay and callers (contract/ keeps the zod schemas of these types in step).
import type { ExecutionOutcome, HolderField, InterfaceFunction, ProductKind } from './domain';
import type { LifecycleOptions } from './lifecycle';

/**
 * The S-360 function parameters (§3.0, §3.1) that change behaviour, as the workflows carry them: parsed and
 * JSON-plain. Validated at the edge by contract/function-params.ts (which documents each one).
 */
export interface FunctionParams {
  performances?: string[];
  /** Privileges injection: only cards of these product codes. */
  products?: string[];
  productKinds?: ProductKind[];
  tariffs?: string[];
  categories?: string[];
  shipmentModes?: string[];
  fileNumber?: string;
  forceTickets?: string[];
  skipTickets?: string[];
  /** ISO date-time (normalised from the S-360 `DD/MM/YY hh:mm` form). */
  dateFrom?: string;
  mandatoryHolderFields?: HolderField[];
  mainApplicant?: boolean;
  barcodePrefix?: string;
  barcodeSuffix?: string;
  simulationMode?: boolean;
  /** Injection: the point of sales and sales channel recorded on the tickets it prints (§3.1.1). */
  pointOfSales?: string;
  salesChannel?: string;
}

export interface FunctionRunInput {
  interfaceName: string;
  /** Only tickets of this event/performance code (injection, pushes). */
  eventCode?: string;
  /** Overrides the interface's batch size for this function. */
  batchSize?: number;
  /** Push cancelled: the schedule's "Notify spectator" option (showDeletedTicket rule, §3.3). */
  notifySpectator?: boolean;
  /** Feedback: stop after this many pages (default: until the feed has no more). */
  maxPages?: number;
  /** The S-360 function parameters (filters, force/skip lists, date from, ...), validated at the edge. */
  params?: FunctionParams;
  /** Carried across continue-as-new; never set by callers. */
  progress?: FunctionProgress;
  options?: FunctionOptions;
}

export interface FunctionOptions {
  maxHistoryEvents?: number;
  /** Options handed to ticket workflows the function starts. */
  lifecycle?: LifecycleOptions;
}

export interface ItemFailure {
  itemId: string;
  type: string;
  message: string;
  field?: string;
}

export interface FunctionCounts {
  processed: number;
  succeeded: number;
  failed: number;
  skipped: number;
  /** Feedback only: tickets of the feed S-360 does not know (logged; they leave the outcome alone). */
  unknown?: number;
  /** Injection: tickets waiting for mandatory holder fields (§3.1.1); absent in runs recorded before it existed. */
  waiting?: number;
  batches: number;
  tixngoCalls: number;
}

export interface FunctionProgress {
  afterId?: string;
  counts: FunctionCounts;
  failures: ItemFailure[];
  executionId?: string;
  startedAt: string;
}

/** A run's result: its counts (FunctionCounts) and what S-360 and ops need besides. */
export interface FunctionRunSummary extends FunctionCounts {
  function: InterfaceFunction;
  interfaceName: string;
  eventCode?: string;
  outcome: ExecutionOutcome;
  durationMs: number;
  /** The first failures (at most 100); the S-360 interface error log holds all of them. */
  failures: ItemFailure[];
  /** Injection: the workflow that starts the ticket workflows of the injected tickets once the batches are done. */
  lifecycleFanoutWorkflowId?: string;
  /** Push cancelled: the workflow that confirms the run's deletions in bulk (workflows/deletion-waiter.ts). */
  deletionWaiterWorkflowId?: string;
}

// ---------------------------------------------------------------------------------------------
// Delivering events to ticket and card workflows, and the injection fan-out (workflows/fanout.ts)
// ---------------------------------------------------------------------------------------------

export interface NotifyResult {
  notified: number;
  /** Workflows already closed (e.g. a DELETED ticket): nothing to deliver. */
  closed: number;
}

export interface InjectionFanoutInput {
  interfaceName: string;
  executionId: string;
  lifecycleOptions?: LifecycleOptions;
  /** Tickets per activity (default 5,000). */
  maxTicketsPerActivity?: number;
  /** Carried over continue-as-new. */
  afterId?: string;
  done?: NotifyResult;
}

export interface InjectionFanoutResult extends NotifyResult {
  executionId: string;
}

/** Answer of the fan-out's getFanoutProgress query. */
export interface FanoutProgress extends NotifyResult {
  lastTicketId?: string;
}

// ---------------------------------------------------------------------------------------------
// The deletion waiter of a push-cancelled run (workflows/deletion-waiter.ts)
// ---------------------------------------------------------------------------------------------

/** The waiter's counts, carried over continue-as-new and answered by its getDeletionProgress query. */
export interface DeletionWaiterProgress {
  /** Tickets the run pushed (its PUSH_CANCELLED markers), counted at the start of the last round. */
  total: number;
  /** Still not DELETED in S-360's mobile view after the last round. */
  pending: number;
  /** DELETED in S-360's mobile view (by this waiter or by feedback). */
  confirmed: number;
  /** Still pending when the waiter gave up at its deadline (0 before). */
  neverConfirmed: number;
  /** Polling rounds done; one round reads every pending ticket, one TIXNGO call per 1,000. */
  rounds: number;
  tixngoCalls: number;
  /** Ticket workflows signalled because their TIXNGO status changed. */
  signalled: number;
  startedAt: string;
  lastRoundAt?: string;
  nextRoundAt?: string;
  done: boolean;
}

export interface DeletionWaiterInput {
  interfaceName: string;
  /** The push run (S-360 function execution) whose tickets the waiter confirms. */
  executionId: string;
  /** deletionPollInitialMs, deletionPollMaxMs, deletionConfirmTimeoutMs as for the ticket workflows. */
  lifecycleOptions?: LifecycleOptions;
  /** Tickets per activity (default 10,000). */
  maxTicketsPerActivity?: number;
  /** Carried over continue-as-new. */
  progress?: DeletionWaiterProgress;
}
