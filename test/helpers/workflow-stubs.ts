// Stub activities for workflow tests: every activity of the contract, each overridable, recording its calls, grouped
// by task queue like createActivities() groups the real ones (createWorkers registers them by group).
import { ApplicationFailure } from '@temporalio/common';
import type { Activities, ActivityGroups, FanoutActivities, MainActivities } from '../../activities/types';

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
