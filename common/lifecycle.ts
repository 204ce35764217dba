// The ticket and card workflows' inputs, state, events and requests: what S-360, the CLI, the activities and the
// workflows exchange. Type-only and pure. Field names are recorded in workflow histories: renaming one breaks
// replay and callers (contract/start-contract.ts keeps the zod schemas of these types in step).
import type { S360TicketStatus, TixngoStatus } from './domain';

export type LifecycleStep =
  | 'AWAITING_INJECTION' // created before TIXNGO accepted it (rejected at injection): waits for a fix + retry
  | 'INJECTED' // in TIXNGO; feedback updates follow
  | 'CANCELLING' // S-360 cancelled/invalidated it; the deletion must be sent to TIXNGO
  | 'DELETION_PENDING' // TIXNGO accepted the deletion; waiting (durably) for DELETED
  | 'DELETED' // terminal
  | 'CANCELLED_BEFORE_INJECTION' // terminal: cancelled in S-360 while TIXNGO never had it; nothing to delete
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
  /**
   * The deletion waiter that confirms this ticket's deletion in bulk (`deletions-<interface>-<executionId>`): set by a
   * push run's `cancelPushed`; the workflow then keeps only its own deadline and does not poll TIXNGO itself.
   */
  deletionConfirmedBy?: string;
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
  /** confirmedBy: the push run's deletion waiter, which polls TIXNGO for this ticket (absent: the ticket polls itself). */
  | { type: 'cancelPushed'; reason?: string; tixngoStatus: TixngoStatus; showDeletedTicket?: boolean; s360Status?: 'CANCELLED' | 'INVALIDATED'; confirmedBy?: string }
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
