// The fan-out: start or signal the per-ticket and per-card workflows, with a bounded number of calls in flight.
// These run on their own task queue (workers/worker.ts) so that creating 100,000 workflows never takes the
// slots the batches need.
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SearchAttributePair, SignalDefinition } from '@temporalio/common';
import { cardWorkflowId, ticketWorkflowId } from '../common/ids';
import {
  CardIdKey,
  EventCodeKey,
  InterfaceNameKey,
  LifecycleStepKey,
  NeedsAttentionKey,
  S360StatusKey,
  TicketIdKey,
  TixngoStatusKey,
} from '../common/search-attributes';
import type { CardEvent, LifecycleOptions, TicketEvent } from '../common/lifecycle';
import type { NotifyResult } from '../common/functions';
import { cardEventSignal, ticketEventSignal } from '../workflows/messages';
import type { ActivityContext } from './context';
import type { FanoutActivities } from './types';

export function createFanoutActivities(ctx: ActivityContext): FanoutActivities {
  const { repo, deps } = ctx;
  const notifyTicket = (interfaceName: string, item: { ticketId: string; eventCode: string; event: TicketEvent }, lifecycleOptions: LifecycleOptions | undefined) =>
    deliverTicketEvent(deps.client, deps.taskQueue, interfaceName, item, lifecycleOptions, { eagerStart: deps.eagerStart === true, startDelayMs: deps.ticketStartDelayMs ?? 0 });
  return {
    async notifyTicketWorkflows({ interfaceName, items, lifecycleOptions }) {
      const activity = Context.current();
      const start = typeof activity.info.heartbeatDetails === 'number' ? activity.info.heartbeatDetails : 0;
      const result: NotifyResult = { notified: 0, closed: 0 };
      const chunk = Math.max(1, deps.fanoutConcurrency ?? 32) * 4;
      for (let i = start; i < items.length; i += chunk) {
        await mapLimit(items.slice(i, i + chunk), deps.fanoutConcurrency ?? 32, async (item) => {
          count(result, await notifyTicket(interfaceName, item, lifecycleOptions));
        });
        activity.heartbeat(Math.min(i + chunk, items.length));
      }
      return result;
    },

    async notifyInjectedTickets({ interfaceName, executionId, afterId, maxTickets, lifecycleOptions }) {
      const activity = Context.current();
      const row = await ctx.iface(interfaceName);
      const resumed = activity.info.heartbeatDetails as { lastId?: string; notified?: number; closed?: number } | undefined;
      const result: NotifyResult = { notified: resumed?.notified ?? 0, closed: resumed?.closed ?? 0 };
      let lastId = resumed?.lastId ?? afterId;
      const budget = maxTickets ?? 5_000;
      const page = Math.max(1, deps.fanoutConcurrency ?? 32) * 8;
      // A page can take longer than the heartbeat timeout on a loaded server (256 starts at 20/s): keep the attempt
      // alive with the last completed page's cursor, so that it is not retried while it progresses (a retry would
      // run next to it and meet the workflows it just started).
      let committed = { lastId, ...result };
      const keepAlive = setInterval(() => activity.heartbeat(committed), 5_000);
      try {
        for (;;) {
          const todo = Math.min(page, budget - result.notified - result.closed);
          if (todo <= 0) return { ...result, lastId, done: false };
          const items = await repo.selectInjectedInRun(row.id, executionId, lastId, todo);
          await mapLimit(items, deps.fanoutConcurrency ?? 32, async (item) => {
            count(result, await notifyTicket(interfaceName, { ...item, event: { type: 'injected' } }, lifecycleOptions));
          });
          if (items.length) lastId = items[items.length - 1]!.ticketId;
          committed = { lastId, ...result };
          activity.heartbeat(committed);
          if (items.length < todo) return { ...result, lastId, done: true };
        }
      } finally {
        clearInterval(keepAlive);
      }
    },

    async notifyCardWorkflows({ interfaceName, items }) {
      const result: NotifyResult = { notified: 0, closed: 0 };
      await mapLimit(items, deps.fanoutConcurrency ?? 32, async (item) => {
        const outcome = await signalWithStartOrClosed(deps.client, 'privilegeLifecycle', {
          taskQueue: deps.taskQueue,
          workflowId: cardWorkflowId(item.cardId),
          args: [{ cardId: item.cardId, productCode: item.productCode, interfaceName }],
          signal: cardEventSignal,
          event: item.event,
          typedSearchAttributes: initialCardAttributes(item.cardId, item.productCode, interfaceName, item.event),
        });
        count(result, outcome);
      });
      return result;
    },
  };
}

/** Runs fn over items with at most `limit` in flight. */
export async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(lanes);
}

type NotifyOutcome = 'notified' | 'closed';
function count(result: NotifyResult, outcome: NotifyOutcome): void {
  if (outcome === 'notified') result.notified++;
  else result.closed++;
}

/**
 * Delivers one event to a ticket workflow. `injected` usually meets no workflow yet: it is STARTED with the event
 * in its input (one write on the server, no signal; measured about 1.8x the rate of signal-with-start on the dev
 * server), dormant when `startDelayMs` is set (its first workflow task waits for the next event, see
 * ActivityDeps.ticketStartDelayMs). Every other delivery is a signal-with-start, also when the workflow exists:
 * on a dormant workflow a plain signal is only recorded (the server schedules no workflow task before the start
 * delay ends), a signal-with-start wakes it. A closed workflow (DELETED, REJECT_DUPLICATE) is final: nothing to
 * deliver.
 */
async function deliverTicketEvent(
  client: Client,
  taskQueue: string,
  interfaceName: string,
  item: { ticketId: string; eventCode: string; event: TicketEvent },
  lifecycleOptions: LifecycleOptions | undefined,
  how: { eagerStart: boolean; startDelayMs: number },
): Promise<NotifyOutcome> {
  const workflowId = ticketWorkflowId(item.ticketId);
  const typedSearchAttributes = initialTicketAttributes(item.ticketId, item.eventCode, interfaceName, item.event);
  const input = { ticketId: item.ticketId, eventCode: item.eventCode, interfaceName, options: lifecycleOptions };
  const signalWithStart = () => signalWithStartOrClosed(client, 'ticketLifecycle', { taskQueue, workflowId, args: [input], signal: ticketEventSignal, event: item.event, typedSearchAttributes });
  if (item.event.type !== 'injected') return signalWithStart();
  try {
    await client.workflow.start('ticketLifecycle', {
      taskQueue,
      workflowId,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes,
      args: [{ ...input, pendingEvents: [item.event] }],
      // Eager start hands the first task back at once: it cannot be combined with a start delay.
      ...(how.startDelayMs > 0 ? { startDelay: how.startDelayMs } : how.eagerStart ? { requestEagerStart: true } : {}),
    });
    return 'notified';
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  // It exists. Started dormant (a start delay), it was started by an `injected` delivery, this one's in its input:
  // typically a retried fan-out activity meeting the workflows its earlier attempt started. Signalling would wake
  // every one of them for nothing. Otherwise (started by another event, or since continued as new), signal-with-start
  // delivers the event (running) or REJECT_DUPLICATE says it is closed.
  if (await startedDormant(client, workflowId)) return 'notified';
  return signalWithStart();
}

/** True when the workflow's current run is running and was started with a start delay (by `injected`). */
async function startedDormant(client: Client, workflowId: string): Promise<boolean> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return d.status.name === 'RUNNING' && !!d.executionTime && d.executionTime.getTime() > d.startTime.getTime();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/**
 * Signal-with-start of a ticket or card workflow. Reuse policy REJECT_DUPLICATE: a closed one (a DELETED ticket)
 * is final, the server refuses to start a second one, and the event has nothing left to reach.
 */
async function signalWithStartOrClosed<E>(
  client: Client,
  workflowType: 'ticketLifecycle' | 'privilegeLifecycle',
  o: { taskQueue: string; workflowId: string; args: unknown[]; signal: SignalDefinition<[E]>; event: E; typedSearchAttributes: SearchAttributePair[] },
): Promise<NotifyOutcome> {
  try {
    await client.workflow.signalWithStart(workflowType, {
      taskQueue: o.taskQueue,
      workflowId: o.workflowId,
      args: o.args,
      signal: o.signal,
      signalArgs: [o.event],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: o.typedSearchAttributes,
    });
    return 'notified';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'closed';
    throw err;
  }
}

/** Search attributes a ticket workflow starts with, so its first task has nothing to upsert. */
function initialTicketAttributes(ticketId: string, eventCode: string, interfaceName: string, event: TicketEvent): SearchAttributePair[] {
  const base = [
    { key: TicketIdKey, value: ticketId },
    { key: EventCodeKey, value: eventCode },
    { key: InterfaceNameKey, value: interfaceName },
  ];
  if (event.type === 'injected') {
    return [
      ...base,
      { key: S360StatusKey, value: 'PRINTED' },
      { key: TixngoStatusKey, value: 'INJECTED' },
      { key: LifecycleStepKey, value: 'INJECTED' },
      { key: NeedsAttentionKey, value: false },
    ];
  }
  if (event.type === 'injectionRejected') {
    return [...base, { key: S360StatusKey, value: 'NOT_PRINTED' }, { key: LifecycleStepKey, value: 'AWAITING_INJECTION' }, { key: NeedsAttentionKey, value: true }];
  }
  return [...base, { key: NeedsAttentionKey, value: false }];
}

function initialCardAttributes(cardId: string, productCode: string, interfaceName: string, event: CardEvent): SearchAttributePair[] {
  return [
    { key: CardIdKey, value: cardId },
    { key: EventCodeKey, value: productCode },
    { key: InterfaceNameKey, value: interfaceName },
    { key: LifecycleStepKey, value: event.type === 'injected' ? 'INJECTED' : 'AWAITING_INJECTION' },
    { key: NeedsAttentionKey, value: event.type !== 'injected' },
  ];
}
