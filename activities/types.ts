// The activity contract as the workflows see it. Implemented in activities/*.ts; workflows import types only.
import type { InterfaceFunction, TixngoStatus, ExecutionOutcome } from '../common/domain';
import type { FunctionCounts, FunctionParams, ItemFailure, NotifyResult } from '../common/functions';
import type { CardEvent, LifecycleOptions, TicketEvent } from '../common/lifecycle';

export interface InterfaceInfo {
  interfaceId: string;
  name: string;
  batchSizes: Record<InterfaceFunction, number>;
  /** Custom parameter killRatio (§4): abort the run when failed/processed exceeds it. */
  killRatio?: number;
}

export interface BatchInput {
  interfaceName: string;
  eventCode?: string;
  /** Keyset pagination: only items with a larger id. */
  afterId?: string;
  limit: number;
  executionId?: string;
  /** Process exactly these items (a retry of one ticket) instead of selecting a page. */
  itemIds?: string[];
  /** Push cancelled: the schedule's "Notify spectator" option (feeds the showDeletedTicket rule, §3.3). */
  notifySpectator?: boolean;
  /** Push cancelled: the showDeletedTicket of one ticket's own cancel, sent as is instead of the §3.3 rule. */
  showDeletedTicket?: boolean;
  /** The S-360 function parameters of this run. */
  params?: FunctionParams;
  /**
   * Injection: report accepted tickets by count only (`acceptedCount`, `accepted` empty). The deferred fan-out reads
   * them back from S-360, so the run's history does not carry 1,000 ids per batch.
   */
  countAcceptedOnly?: boolean;
}

export interface BatchResultBase {
  /** Items selected from S-360 for this batch. */
  selected: number;
  rejected: (ItemFailure & { eventCode: string })[];
  /** Items selected but left out on purpose (skip list, simulation mode); the run ends WARNING. */
  skipped: number;
  /** Feedback: tickets of the feed S-360 does not know; counted apart, they are no anomaly of the run. */
  unknown?: number;
  /** Injection: tickets waiting for mandatory holder fields (§3.1.1); silent, no error, outcome unchanged. */
  waiting?: number;
  lastId?: string;
  /** True when the selection returned fewer than `limit` items. */
  done: boolean;
  tixngoCalls: number;
  /** Simulation mode: what the batch would send, per item (nothing was sent, nothing marked). */
  simulated?: SimulatedItem[];
}

/** One item of a simulated batch and what TIXNGO would be asked to do with it. */
export interface SimulatedItem {
  itemId: string;
  action: 'inject' | 'reinject' | 'wait' | 'delete' | 'control';
  /** E.g. the deletion's reason and visibility, the control time, why a ticket waits. */
  detail?: string;
}

export interface InjectBatchResult extends BatchResultBase {
  accepted: { ticketId: string; eventCode: string }[];
  /** Set with countAcceptedOnly: how many were accepted (then `accepted` is empty). */
  acceptedCount?: number;
}

export interface PushCancelledBatchResult extends BatchResultBase {
  pushed: { ticketId: string; eventCode: string; reason?: string; s360Status: 'CANCELLED' | 'INVALIDATED'; tixngoStatus: TixngoStatus; showDeletedTicket: boolean }[];
}

export interface PushControlledBatchResult extends BatchResultBase {
  pushed: { ticketId: string; eventCode: string; tixngoStatus: TixngoStatus }[];
}

export interface FeedbackPageResult {
  /** Tickets whose mobile status, owner or holder changed, with a status S-360 knows: their workflows are told. */
  changed: { ticketId: string; eventCode: string; tixngoStatus: TixngoStatus; version: number }[];
  /** Tickets of the page S-360 does not know (before the skip list was split out, this counted skipped ones too). */
  unknown: number;
  /** Entries of the page ignored through the skip list (absent in results recorded before it was counted apart). */
  skipped?: number;
  /** Tickets stored with a status S-360 does not know, per raw status (bounded): each has an open error. */
  unknownStatuses?: Record<string, number>;
  /** Tickets S-360 could not store, recorded in the error log (doContinueInCaseOfSyncError=true). */
  rejected?: BatchResultBase['rejected'];
  received: number;
  hasMore: boolean;
  tixngoCalls: number;
}

export interface PrivilegeBatchResult extends BatchResultBase {
  accepted: { cardId: string; productCode: string }[];
}

export interface NotifyTicketsInput {
  interfaceName: string;
  items: { ticketId: string; eventCode: string; event: TicketEvent }[];
  lifecycleOptions?: LifecycleOptions;
}
/** The injection fan-out: tickets the execution injected (found in S-360 by its processed markers), after afterId. */
export interface NotifyInjectedInput {
  interfaceName: string;
  executionId: string;
  afterId?: string;
  /** At most this many tickets per activity (default 5,000); the workflow loops until done. */
  maxTickets?: number;
  lifecycleOptions?: LifecycleOptions;
}
export interface NotifyInjectedResult extends NotifyResult {
  lastId?: string;
  done: boolean;
}
export interface NotifyCardsInput {
  interfaceName: string;
  items: { cardId: string; productCode: string; event: CardEvent }[];
}

/** One part of a deletion waiter's round (workflows/deletion-waiter.ts). */
export interface PollDeletionsInput {
  interfaceName: string;
  /** The push-cancelled execution whose tickets are polled. */
  executionId: string;
  afterId?: string;
  /** At most this many tickets per activity (default 10,000); the workflow loops until done. */
  maxTickets?: number;
  /** Count the tickets the run pushed (the first activity of a round). */
  countTotal?: boolean;
}
export interface PollDeletionsResult {
  /** The run's pushed tickets (with countTotal). */
  total?: number;
  /** Tickets read in this activity that are still not DELETED. */
  pending: number;
  /** Tickets read in this activity that TIXNGO now reports DELETED. */
  confirmed: number;
  /** Ticket workflows signalled (their TIXNGO status changed from DELETION_PENDING). */
  signalled: number;
  tixngoCalls: number;
  lastId?: string;
  done: boolean;
}

/** A function run that needs a person: ended ERROR or WARNING, or failed (the workflow rethrows). */
export interface NotifyRunOutcomeInput {
  interfaceName: string;
  fn: InterfaceFunction;
  /** S-360 function_execution id: the failed tickets are read from the error log rows of this run. */
  executionId: string;
  /** Idempotency key: the function workflow and the first run of its chain (the run of the execution row). */
  workflowId: string;
  runId: string;
  outcome: ExecutionOutcome | 'FAILED';
  counts: FunctionCounts;
  eventCode?: string;
  /** Why the run failed (outcome FAILED); no secrets (see activities/failures.ts). */
  error?: string;
}
export interface NotifyRunOutcomeResult {
  sent: boolean;
  /** Why nothing was sent. */
  skipped?: 'already-sent' | 'no-recipients' | 'smtp-not-configured' | 'unknown-interface' | 'warning-not-notified';
  recipients: number;
  messageId?: string;
}

export interface FinishExecutionInput {
  executionId: string;
  outcome: ExecutionOutcome;
  counts: FunctionCounts;
  error?: string;
  /**
   * Count the open errors ticket workflows recorded against this function (§3.0: it keeps reporting an error until
   * they are fixed or skipped): any makes the outcome ERROR; tickets in `skipTickets` have theirs resolved first.
   * Absent (runs recorded before): the outcome is recorded as given and nothing is returned.
   */
  openErrors?: { interfaceName: string; fn: InterfaceFunction; eventCode?: string; skipTickets?: string[] };
}
export interface FinishExecutionResult {
  /** The outcome recorded: the one given, or ERROR when ticket workflows left open errors. */
  outcome: ExecutionOutcome;
  openWorkflowErrors: number;
}

/** Activities of the main task queue: everything the workflows call but the fan-out. */
export interface MainActivities {
  resolveInterface(name: string): Promise<InterfaceInfo>;
  startExecution(input: { interfaceName: string; fn: InterfaceFunction; workflowId: string; runId: string }): Promise<string>;
  finishExecution(input: FinishExecutionInput): Promise<FinishExecutionResult | undefined>;
  injectTicketBatch(input: BatchInput): Promise<InjectBatchResult>;
  pushCancelledBatch(input: BatchInput): Promise<PushCancelledBatchResult>;
  pushControlledBatch(input: BatchInput): Promise<PushControlledBatchResult>;
  syncFeedbackPage(input: { interfaceName: string; limit: number; params?: FunctionParams; executionId?: string }): Promise<FeedbackPageResult>;
  injectPrivilegeBatch(input: BatchInput): Promise<PrivilegeBatchResult>;
  /** S-360-side changes a ticket workflow is asked to make (cancel/control signals); S-360 stays the master. */
  applyS360Cancel(input: { ticketIds: string[]; reason?: string; status: 'CANCELLED' | 'INVALIDATED' }): Promise<void>;
  applyS360Control(input: { ticketIds: string[]; at?: string }): Promise<void>;
  readTixngoStatus(input: { interfaceName: string; ticketId: string }): Promise<{ found: boolean; tixngoStatus?: TixngoStatus; version?: number }>;
  /** The deletion waiter: reads the run's pending tickets in bulk, signals the changed ones, stores their statuses. */
  pollDeletions(input: PollDeletionsInput): Promise<PollDeletionsResult>;
  /** Feedback saw deletions: every running deletion waiter of the interface polls at once. */
  wakeDeletionWaiters(input: { interfaceName: string }): Promise<{ woken: number }>;
  recordItemError(input: { interfaceName: string; fn: InterfaceFunction; itemKind: 'ticket' | 'card'; itemId: string; type: string; message: string; field?: string }): Promise<void>;
  /** One e-mail to the interface's notification recipients about a run that needs a person (activities/notify.ts). */
  notifyRunOutcome(input: NotifyRunOutcomeInput): Promise<NotifyRunOutcomeResult>;
}

/**
 * Activities of the fan-out task queue: they start and signal ticket and card workflows, on a worker of their own
 * with few slots (workers/worker.ts), so that creating 100,000 ticket workflows never takes the batches' slots.
 */
export interface FanoutActivities {
  notifyTicketWorkflows(input: NotifyTicketsInput): Promise<NotifyResult>;
  notifyCardWorkflows(input: NotifyCardsInput): Promise<NotifyResult>;
  notifyInjectedTickets(input: NotifyInjectedInput): Promise<NotifyInjectedResult>;
}

/** Every activity, as the workflows call them (proxyActivities<Activities>). */
export interface Activities extends MainActivities, FanoutActivities {}

/** The activities by the task queue whose worker registers them. */
export interface ActivityGroups {
  main: MainActivities;
  fanout: FanoutActivities;
}
