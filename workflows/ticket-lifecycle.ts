// One workflow per S-360 ticket (id `ticket-<ticketId>`): the unit of state and of ops visibility.
//
// The function workflows do the bulk TIXNGO calls and then notify ticket workflows (signal-with-start), so a
// ticket workflow follows its ticket instead of gating it: creating 100,000 workflows is never on the
// injection's critical path. A ticket workflow acts on TIXNGO itself only for one ticket: a retry after a
// person fixed the cause, a cancel/control signalled to this ticket, and polling a pending deletion.
//
// A step that cannot advance puts the ticket in NEEDS ATTENTION (search attribute, S-360 error log, query)
// and waits for `retry`; it never ends silently and never spins.
//
// The transitions are the pure reducer in ticket-state.ts; this function only runs the commands it returns
// (activities, timers, search attributes) and feeds their outcomes back.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  log,
  patched,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { LifecycleStepKey, NeedsAttentionKey, S360StatusKey, TixngoStatusKey } from '../common/search-attributes';
import type { CancelRequest, ControlRequest, TicketEvent, TicketLifecycleInput, TicketState } from '../common/lifecycle';
import { cancelSignal, controlSignal, getStateQuery, ticketEventSignal } from './messages';
import { activities, continueAsNewDue, extractError, setRetryHandlers } from './support';
import { checkInput, checkedSignal } from './validate';
import {
  LIFECYCLE_DEFAULTS,
  initialTicketState,
  reduceTicket,
  ticketRetry,
  type ItemError,
  type PublishedAttributes,
  type PushKind,
  type TicketCommand,
  type TicketInput,
} from './ticket-state';

type Flow = 'complete' | 'continueAsNew' | undefined;

/**
 * The issue #10 transitions (ticket-state.ts, `legacyTransitions`): histories recorded before them replay with the
 * old ones. Asked at every transition, so a workflow that was running at the upgrade takes the new ones from then on.
 */
const TICKET_TRANSITIONS_PATCH = 'ticket-transitions-issue-10';

const PUSH_OF = { inject: 'inject', pushCancel: 'cancel', pushControl: 'control' } as const satisfies Record<string, PushKind>;

export async function ticketLifecycle(input: TicketLifecycleInput): Promise<TicketState> {
  checkInput('ticketLifecycle', input);
  const timings = { ...LIFECYCLE_DEFAULTS, ...input.options };
  const { ticketId, interfaceName } = input;
  let state: TicketState = input.state ?? initialTicketState(Date.now());
  const inbox: TicketEvent[] = [...(input.pendingEvents ?? [])];
  let retryRequested = false;
  const { db, tixngo } = activities();

  // Handlers first, so that the first workflow task already answers queries and updates.
  // cancel and control may come without an argument (`temporal workflow signal --name cancel`): the defaults.
  setHandler(ticketEventSignal, checkedSignal<TicketEvent>('ticketEvent', (e) => void inbox.push(e)));
  setHandler(cancelSignal, checkedSignal<CancelRequest>('cancel', (r) => void inbox.push({ type: 'cancel', ...r })));
  setHandler(controlSignal, checkedSignal<ControlRequest>('control', (r) => void inbox.push({ type: 'control', ...r })));
  setRetryHandlers(
    () => ticketRetry(state, ticketId),
    () => (retryRequested = true),
  );
  setHandler(getStateQuery, () => state);

  // Search attributes: only upsert what changed since the last publication (or since the start).
  const published = new Map<string, unknown>();
  const sa = workflowInfo().typedSearchAttributes;
  published.set(S360StatusKey.name, sa.get(S360StatusKey));
  published.set(TixngoStatusKey.name, sa.get(TixngoStatusKey));
  published.set(LifecycleStepKey.name, sa.get(LifecycleStepKey));
  published.set(NeedsAttentionKey.name, sa.get(NeedsAttentionKey));
  const publish = (values: PublishedAttributes) => {
    const pairs: SearchAttributeUpdatePair[] = [];
    const want: [typeof S360StatusKey | typeof TixngoStatusKey | typeof LifecycleStepKey, string | undefined][] = [
      [S360StatusKey, values.s360Status],
      [TixngoStatusKey, values.tixngoStatus],
      [LifecycleStepKey, values.step],
    ];
    for (const [key, value] of want) {
      if (value !== undefined && published.get(key.name) !== value) {
        pairs.push({ key, value });
        published.set(key.name, value);
      }
    }
    if (published.get(NeedsAttentionKey.name) !== values.needsAttention) {
      pairs.push({ key: NeedsAttentionKey, value: values.needsAttention });
      published.set(NeedsAttentionKey.name, values.needsAttention);
    }
    if (pairs.length) upsertSearchAttributes(pairs);
  };

  /** Applies one event and runs its commands in order; says when the workflow must end. */
  async function dispatch(event: TicketInput): Promise<Flow> {
    const t = reduceTicket(state, event, { ticketId, interfaceName, now: Date.now(), timings, legacyTransitions: !patched(TICKET_TRANSITIONS_PATCH) });
    state = t.state;
    for (const c of t.commands) {
      const flow = await run(c);
      if (flow) return flow;
    }
    return undefined;
  }

  async function run(c: TicketCommand): Promise<Flow> {
    switch (c.kind) {
      case 'upsertSearchAttributes':
        publish(c.values);
        return;
      case 'warn':
        log.warn(c.message, { ticketId, ...c.attrs });
        return;
      case 'recordError':
        await db.recordItemError({ interfaceName, fn: c.fn, itemKind: 'ticket', itemId: ticketId, type: c.error.type, message: c.error.message, field: c.error.field });
        return;
      case 'applyS360Cancel':
        await db.applyS360Cancel({ ticketIds: [ticketId], reason: c.reason, status: c.status });
        return dispatch({ type: 's360CancelApplied', reason: c.reason, status: c.status, showDeletedTicket: c.showDeletedTicket });
      case 'applyS360Control':
        await db.applyS360Control({ ticketIds: [ticketId], at: c.at });
        return dispatch({ type: 's360ControlApplied' });
      case 'inject':
      case 'pushCancel':
      case 'pushControl':
        // Outside pushOne's try: a failure to record the outcome is not the push failing.
        return dispatch(await pushOne(c));
      case 'waitForDeletion':
        if (await condition(() => inbox.length > 0 || retryRequested, c.delayMs)) return;
        return dispatch({ type: 'deletionPollDue' });
      case 'pollDeletion': {
        let polled: TicketInput;
        try {
          const r = await tixngo.readTixngoStatus({ interfaceName, ticketId });
          polled = { type: 'deletionPolled', ...r };
        } catch (err) {
          polled = { type: 'deletionPollFailed', errorType: extractError(err).type };
        }
        return dispatch(polled);
      }
      case 'wait':
        await condition(() => inbox.length > 0 || retryRequested || continueAsNewDue(input.options?.maxHistoryEvents));
        return;
      case 'continueAsNew':
      case 'complete':
        return c.kind;
    }
  }

  /** Sends this one ticket through the bulk activity; the outcome is the event to apply. */
  async function pushOne(c: Extract<TicketCommand, { kind: 'inject' | 'pushCancel' | 'pushControl' }>): Promise<TicketInput> {
    const one = { interfaceName, itemIds: [ticketId], limit: 1 };
    const push = PUSH_OF[c.kind];
    const settle = (done: TicketInput | undefined, rejected: ItemError | undefined): TicketInput =>
      done ?? (rejected ? { type: 'pushRejected', push, error: { type: rejected.type, message: rejected.message, field: rejected.field } } : { type: 'pushNotEligible', push });
    try {
      switch (c.kind) {
        case 'inject': {
          const r = await tixngo.injectTicketBatch(one);
          return settle(r.accepted.length ? { type: 'injected' } : undefined, r.rejected[0]);
        }
        case 'pushCancel': {
          // Forced: sent also when a push already processed the ticket.
          const r = await tixngo.pushCancelledBatch({ ...one, notifySpectator: c.notifySpectator, showDeletedTicket: c.showDeletedTicket });
          const p = r.pushed[0];
          return settle(p && { type: 'cancelPushed', reason: p.reason, tixngoStatus: p.tixngoStatus, showDeletedTicket: p.showDeletedTicket, s360Status: p.s360Status }, r.rejected[0]);
        }
        case 'pushControl': {
          const r = await tixngo.pushControlledBatch(one);
          const p = r.pushed[0];
          return settle(p && { type: 'controlPushed', tixngoStatus: p.tixngoStatus }, r.rejected[0]);
        }
      }
    } catch (err) {
      const x = extractError(err);
      return { type: 'pushFailed', push, error: { type: x.type, message: x.message, field: x.field } };
    }
  }

  for (;;) {
    while (inbox.length) await dispatch(inbox.shift()!);
    const tick = { type: 'tick', retryRequested, continueAsNewDue: continueAsNewDue(input.options?.maxHistoryEvents) } as const;
    retryRequested = false;
    const flow = await dispatch(tick);
    if (flow === 'complete') break;
    if (flow === 'continueAsNew') {
      await condition(allHandlersFinished);
      return continueAsNew<typeof ticketLifecycle>({ ...input, state, pendingEvents: inbox });
    }
  }
  await condition(allHandlersFinished);
  return state;
}
