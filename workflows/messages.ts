// Workflow inputs, outputs, signals, queries and updates: the contract with S-360 and the CLI.
// Wire names (first argument of define*) are frozen: renaming one breaks running workflows and callers.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { InterfaceFunction, S360TicketStatus, TixngoStatus, ExecutionOutcome } from '../common/domain';
import type { FunctionParams } from '../contract/function-params';

// ---------------------------------------------------------------------------------------------
// Ticket and card lifecycle
// ---------------------------------------------------------------------------------------------

export type LifecycleStep =
  | 'AWAITING_INJECTION' // created before TIXNGO accepted it (rejected at injection): waits for a fix + retry
  | 'INJECTED' // in TIXNGO; feedback updates follow
  | 'CANCELLING' // S-360 cancelled/invalidated it; the deletion must be sent to TIXNGO
  | 'DELETION_PENDING' // TIXNGO accepted the deletion; waiting (durably) for DELETED
  | 'DELETED' // terminal
  | 'CONTROLLING' // controlled at S-360 access control; CONTROLLED must be pushed
  | 'CONTROLLED';

export interface LifecycleError {
  /** The step that failed and that `retry` re-runs. */
  step: LifecycleStep;
  /** Error type from common/errors.ts. */
  type: string;
  message: string;
  field?: string;
  at: string;
}

export interface TicketState {
  step: LifecycleStep;
  s360Status?: S360TicketStatus;
  tixngoStatus?: TixngoStatus;
  /** Highest TIXNGO version seen through feedback: older updates are ignored. */
  tixngoVersion?: number;
  needsAttention: boolean;
  lastError?: LifecycleError;
  cancelReason?: string;
  showDeletedTicket?: boolean;
  deletionPolls: number;
  deletionWaitStartedAt?: string;
  retries: number;
  updatedAt: string;
}

/** Tunables that tests shorten; production uses the defaults. Durations in milliseconds. */
export interface LifecycleOptions {
  deletionPollInitialMs?: number;
  deletionPollMaxMs?: number;
  /** After this long in DELETION_PENDING the ticket needs attention. */
  deletionConfirmTimeoutMs?: number;
  /** Continue-as-new once history has this many events (default: when Temporal suggests it, or 5,000). */
  maxHistoryEvents?: number;
}

export interface TicketLifecycleInput {
  ticketId: string;
  eventCode: string;
  interfaceName: string;
  /** Present after continue-as-new, or when a function starts the workflow in a known state. */
  state?: TicketState;
  /** Events not yet handled when the previous run continued as new. */
  pendingEvents?: TicketEvent[];
  options?: LifecycleOptions;
}

/** Notifications from the function workflows (batched) to one ticket workflow. */
export type TicketEvent =
  | { type: 'injected' }
  | { type: 'injectionRejected'; errorType: string; message: string; field?: string }
  | { type: 'cancelPushed'; reason?: string; tixngoStatus: TixngoStatus; showDeletedTicket?: boolean; s360Status?: 'CANCELLED' | 'INVALIDATED' }
  | { type: 'cancelRejected'; errorType: string; message: string }
  | { type: 'controlPushed'; tixngoStatus: TixngoStatus }
  | { type: 'controlRejected'; errorType: string; message: string }
  | { type: 'feedback'; tixngoStatus: TixngoStatus; version: number }
  /** A person (or S-360) asks the ticket itself to cancel/control: the workflow calls TIXNGO. */
  | { type: 'cancel'; reason?: string; status?: 'CANCELLED' | 'INVALIDATED'; showDeletedTicket?: boolean }
  | { type: 'control'; at?: string };

export interface CancelRequest {
  reason?: string;
  status?: 'CANCELLED' | 'INVALIDATED';
  showDeletedTicket?: boolean;
}
export interface ControlRequest {
  at?: string;
}
export interface RetryResult {
  retried: boolean;
  step?: LifecycleStep;
  message: string;
}

export const ticketEventSignal = defineSignal<[TicketEvent]>('ticketEvent');
export const retrySignal = defineSignal<[]>('retry');
export const cancelSignal = defineSignal<[CancelRequest]>('cancel');
export const controlSignal = defineSignal<[ControlRequest]>('control');
export const getStateQuery = defineQuery<TicketState>('getState');
export const requestRetryUpdate = defineUpdate<RetryResult, []>('requestRetry');

// Cards (membership and season-ticket cards) as TIXNGO privilege instances.
export type CardStep = 'AWAITING_INJECTION' | 'INJECTED';
export interface CardState {
  step: CardStep;
  needsAttention: boolean;
  lastError?: LifecycleError;
  retries: number;
  updatedAt: string;
}
export interface PrivilegeLifecycleInput {
  cardId: string;
  productCode: string;
  interfaceName: string;
  state?: CardState;
  pendingEvents?: CardEvent[];
  options?: Pick<LifecycleOptions, 'maxHistoryEvents'>;
}
export type CardEvent = { type: 'injected' } | { type: 'injectionRejected'; errorType: string; message: string; field?: string };
export const cardEventSignal = defineSignal<[CardEvent]>('cardEvent');
export const getCardStateQuery = defineQuery<CardState>('getCardState');

// ---------------------------------------------------------------------------------------------
// The five interface functions
// ---------------------------------------------------------------------------------------------

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

export interface FunctionRunSummary {
  function: InterfaceFunction;
  interfaceName: string;
  eventCode?: string;
  outcome: ExecutionOutcome;
  processed: number;
  succeeded: number;
  failed: number;
  skipped: number;
  batches: number;
  tixngoCalls: number;
  durationMs: number;
  /** The first failures (at most 100); the S-360 interface error log holds all of them. */
  failures: ItemFailure[];
  /** Injection: the workflow that starts the ticket workflows of the injected tickets once the batches are done. */
  lifecycleFanoutWorkflowId?: string;
}

export const getProgressQuery = defineQuery<FunctionCounts>('getProgress');
