// Stub activities for workflow tests: every activity of the contract, each overridable, recording its calls, grouped
// by task queue like createActivities() groups the real ones (createWorkers registers them by group).
import { ApplicationFailure } from '@temporalio/common';
import type { Activities, ActivityGroups, BatchResultBase, FanoutActivities, MainActivities, PushCancelledBatchResult } from '../../activities/types';
import { ERR_TIXNGO_REJECTED } from '../../common/errors';

export type Calls = Record<string, unknown[]>;

export function stubActivities(overrides: Partial<Activities> = {}): { activities: ActivityGroups; calls: Calls } {
  const calls: Calls = {};
  const record = <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) => {
    return async (...args: A): Promise<R> => {
      (calls[name] ??= []).push(args[0]);
      return fn(...args);
    };
  };
  const empty = { selected: 0, rejected: [], skipped: 0, done: true, tixngoCalls: 0 };
  const main: MainActivities = {
    resolveInterface: async (name) => ({
      interfaceId: '1',
      name,
      batchSizes: { INJECTION: 1000, FEEDBACK: 1000, PUSH_CANCELLED: 1000, PUSH_CONTROLLED: 10000, PRIVILEGES_INJECTION: 1000 },
    }),
    startExecution: async () => 'exec-1',
    finishExecution: async () => undefined,
    injectTicketBatch: async () => ({ ...empty, accepted: [] }),
    pushCancelledBatch: async () => ({ ...empty, pushed: [] }),
    pushControlledBatch: async () => ({ ...empty, pushed: [] }),
    syncFeedbackPage: async () => ({ changed: [], unknown: 0, received: 0, hasMore: false, tixngoCalls: 1 }),
    injectPrivilegeBatch: async () => ({ ...empty, accepted: [] }),
    applyS360Cancel: async () => undefined,
    applyS360Control: async () => undefined,
    readTixngoStatus: async () => ({ found: true, tixngoStatus: 'DELETION_PENDING' }),
    recordItemError: async () => undefined,
    pollDeletions: async () => ({ total: 0, pending: 0, confirmed: 0, signalled: 0, tixngoCalls: 0, done: true }),
    wakeDeletionWaiters: async () => ({ woken: 0 }),
    notifyRunOutcome: async () => ({ sent: true, recipients: 1, messageId: '<stub@s360-tixngo>' }),
  };
  const fanout: FanoutActivities = {
    notifyTicketWorkflows: async (i) => ({ notified: i.items.length, closed: 0 }),
    notifyCardWorkflows: async (i) => ({ notified: i.items.length, closed: 0 }),
    notifyInjectedTickets: async () => ({ notified: 0, closed: 0, done: true }),
  };
  const merged: Activities = { ...main, ...fanout, ...overrides };
  // Each group keeps its own names; an override lands in the group that declares it.
  const group = <G extends object>(base: G): G =>
    Object.fromEntries(Object.keys(base).map((name) => [name, record(name, merged[name as keyof Activities] as (...a: unknown[]) => Promise<unknown>)])) as G;
  return { activities: { main: group(main), fanout: group(fanout) }, calls };
}

export function nonRetryable(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** A batch result: one item selected, none rejected or skipped, the selection done, one TIXNGO call; `over` changes any of it. */
export function batch<R extends object>(result: R, over: Partial<BatchResultBase> = {}): BatchResultBase & R {
  return { selected: 1, rejected: [], skipped: 0, done: true, tixngoCalls: 1, ...over, ...result };
}

/** Tickets of event E1 a batch reports as accepted. */
export function acceptedTickets(...ids: string[]): { ticketId: string; eventCode: string }[] {
  return ids.map((ticketId) => ({ ticketId, eventCode: 'E1' }));
}

/** A ticket of event E1 TIXNGO refused for its holder's e-mail. */
export function rejectedTicket(id: string, message = `ticket ${id}: spectatorDetails.email: required`): BatchResultBase['rejected'][number] {
  return { itemId: id, eventCode: 'E1', type: ERR_TIXNGO_REJECTED, message, field: 'spectatorDetails.email' };
}

/** A cancelled ticket TIXNGO accepted to delete (DELETION_PENDING). */
export function pushedCancelled(ticketId: string, over: Partial<PushCancelledBatchResult['pushed'][number]> = {}): PushCancelledBatchResult['pushed'][number] {
  return { ticketId, eventCode: 'E1', reason: 'REFUND', s360Status: 'CANCELLED', tixngoStatus: 'DELETION_PENDING', showDeletedTicket: false, ...over };
}
