// Signals, queries and updates of the workflows: the definitions S-360, the CLI and the workflows share. The types
// they carry live in common/lifecycle.ts and common/functions.ts.
// Wire names (first argument of define*) are frozen: renaming one breaks running workflows and callers.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DeletionWaiterProgress, FanoutProgress, FunctionCounts } from '../common/functions';
import type { CancelRequest, CardEvent, CardState, ControlRequest, RetryResult, TicketEvent, TicketState } from '../common/lifecycle';

// Ticket workflows
export const ticketEventSignal = defineSignal<[TicketEvent]>('ticketEvent');
export const retrySignal = defineSignal<[]>('retry');
export const cancelSignal = defineSignal<[CancelRequest]>('cancel');
export const controlSignal = defineSignal<[ControlRequest]>('control');
export const getStateQuery = defineQuery<TicketState>('getState');
export const requestRetryUpdate = defineUpdate<RetryResult, []>('requestRetry');

// Card workflows (retrySignal and requestRetryUpdate as for tickets)
export const cardEventSignal = defineSignal<[CardEvent]>('cardEvent');
export const getCardStateQuery = defineQuery<CardState>('getCardState');

// Function workflows
export const getProgressQuery = defineQuery<FunctionCounts>('getProgress');

// The injection fan-out (workflows/fanout.ts)
export const getFanoutProgressQuery = defineQuery<FanoutProgress>('getFanoutProgress');

// The deletion waiter of a push-cancelled run (workflows/deletion-waiter.ts)
/** Poll TIXNGO now instead of at the next backoff step (feedback sends it when it sees deletions). */
export const wakeDeletionWaiterSignal = defineSignal<[]>('wakeDeletionWaiter');
export const getDeletionProgressQuery = defineQuery<DeletionWaiterProgress>('getDeletionProgress');
