// One workflow per S-360 ticket (id `ticket-<ticketId>`): the unit of state and of ops visibility.
//
// The function workflows do the bulk TIXNGO calls and then notify ticket workflows (signal-with-start), so a
// ticket workflow follows its ticket instead of gating it: creating 100,000 workflows is never on the
// injection's critical path. A ticket workflow acts on TIXNGO itself only for one ticket: a retry after a
// person fixed the cause, a cancel/control signalled to this ticket, and polling a pending deletion.
//
// A step that cannot advance puts the ticket in NEEDS ATTENTION (search attribute, S-360 error log, query)
// and waits for `retry`; it never ends silently and never spins.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  log,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { ERR_DELETION_NOT_CONFIRMED, ERR_NOT_ELIGIBLE } from '../common/errors';
import { LifecycleStepKey, NeedsAttentionKey, S360StatusKey, TixngoStatusKey } from '../common/search-attributes';
import type { LifecycleError, RetryResult, TicketEvent, TicketLifecycleInput, TicketState } from '../common/lifecycle';
import { cancelSignal, controlSignal, getStateQuery, requestRetryUpdate, retrySignal, ticketEventSignal } from './messages';
import { activities, continueAsNewDue, extractError, nowIso } from './support';
import { durationText } from './time';

export const LIFECYCLE_DEFAULTS = {
  deletionPollInitialMs: 30_000,
  deletionPollMaxMs: 15 * 60_000,
  deletionConfirmTimeoutMs: 24 * 60 * 60_000,
};

const DELETION_STATUSES = new Set(['DELETION_PENDING', 'DELETED']);

export function initialTicketState(): TicketState {
  return { step: 'AWAITING_INJECTION', needsAttention: false, deletionPolls: 0, retries: 0, updatedAt: nowIso() };
}

export async function ticketLifecycle(input: TicketLifecycleInput): Promise<TicketState> {
  const opts = { ...LIFECYCLE_DEFAULTS, ...input.options };
  const { ticketId, interfaceName } = input;
  const state: TicketState = input.state ?? initialTicketState();
  const inbox: TicketEvent[] = [...(input.pendingEvents ?? [])];
  let retryRequested = false;
  const { db, tixngo } = activities();

  // Handlers first, so that the first workflow task already answers queries and updates.
  setHandler(ticketEventSignal, (e) => void inbox.push(e));
  setHandler(cancelSignal, (r) => void inbox.push({ type: 'cancel', ...r }));
  setHandler(controlSignal, (r) => void inbox.push({ type: 'control', ...r }));
  setHandler(retrySignal, () => {
    if (state.needsAttention) retryRequested = true;
  });
  setHandler(getStateQuery, () => state);
  setHandler(requestRetryUpdate, (): RetryResult => {
    if (!state.needsAttention || !state.lastError) {
      return { retried: false, step: state.step, message: `nothing to retry: ticket ${ticketId} is ${state.step} and does not need attention` };
    }
    retryRequested = true;
    return { retried: true, step: state.lastError.step, message: `retrying ${state.lastError.step} for ticket ${ticketId}` };
  });

  // Search attributes: only upsert what changed since the last publication (or since the start).
  const published = new Map<string, unknown>();
  const sa = workflowInfo().typedSearchAttributes;
  published.set(S360StatusKey.name, sa.get(S360StatusKey));
  published.set(TixngoStatusKey.name, sa.get(TixngoStatusKey));
  published.set(LifecycleStepKey.name, sa.get(LifecycleStepKey));
  published.set(NeedsAttentionKey.name, sa.get(NeedsAttentionKey));
  const publish = () => {
    const pairs: SearchAttributeUpdatePair[] = [];
    const want: [typeof S360StatusKey | typeof TixngoStatusKey | typeof LifecycleStepKey, string | undefined][] = [
      [S360StatusKey, state.s360Status],
      [TixngoStatusKey, state.tixngoStatus],
      [LifecycleStepKey, state.step],
    ];
    for (const [key, value] of want) {
      if (value !== undefined && published.get(key.name) !== value) {
        pairs.push({ key, value });
        published.set(key.name, value);
      }
    }
    if (published.get(NeedsAttentionKey.name) !== state.needsAttention) {
      pairs.push({ key: NeedsAttentionKey, value: state.needsAttention });
      published.set(NeedsAttentionKey.name, state.needsAttention);
    }
    if (pairs.length) upsertSearchAttributes(pairs);
  };

  const touch = () => (state.updatedAt = nowIso());
  const clearAttention = () => {
    state.needsAttention = false;
    state.lastError = undefined;
  };

  async function needsAttention(err: Omit<LifecycleError, 'at'>, recordIn?: 'INJECTION' | 'PUSH_CANCELLED' | 'PUSH_CONTROLLED') {
    state.needsAttention = true;
    state.lastError = { ...err, at: nowIso() };
    touch();
    publish();
    log.warn('ticket needs attention', { ticketId, step: err.step, type: err.type });
    if (recordIn) {
      await db.recordItemError({ interfaceName, fn: recordIn, itemKind: 'ticket', itemId: ticketId, type: err.type, message: err.message, field: err.field });
    }
  }

  function startDeletionWait() {
    state.step = 'DELETION_PENDING';
    state.deletionPolls = 0;
    state.deletionWaitStartedAt = nowIso();
  }

  function applyTixngoStatus(status: TicketState['tixngoStatus'], version?: number) {
    if (version !== undefined) {
      if (state.tixngoVersion !== undefined && version <= state.tixngoVersion) return;
      state.tixngoVersion = version;
    }
    state.tixngoStatus = status;
    if (status === 'DELETED') {
      state.step = 'DELETED';
      clearAttention();
    } else if (status === 'DELETION_PENDING' && state.step !== 'DELETION_PENDING') {
      // Deleted on the TIXNGO side (back office, or our own push seen first through feedback).
      startDeletionWait();
      clearAttention();
    } else if (status === 'CONTROLLED' && (state.step === 'INJECTED' || state.step === 'CONTROLLING')) {
      state.step = 'CONTROLLED';
      clearAttention();
    } else if (state.step === 'AWAITING_INJECTION' && status) {
      state.step = 'INJECTED';
      state.s360Status = 'PRINTED';
      clearAttention();
    }
  }

  async function handle(e: TicketEvent): Promise<void> {
    touch();
    switch (e.type) {
      case 'injected':
        if (state.step === 'AWAITING_INJECTION') {
          state.step = 'INJECTED';
          state.s360Status = 'PRINTED';
          state.tixngoStatus ??= 'INJECTED';
          clearAttention();
        }
        return;
      case 'injectionRejected':
        if (state.step === 'AWAITING_INJECTION') {
          await needsAttention({ step: 'AWAITING_INJECTION', type: e.errorType, message: e.message, field: e.field });
        }
        return;
      case 'cancelPushed':
        if (state.step === 'DELETED') return;
        state.cancelReason = e.reason;
        state.showDeletedTicket = e.showDeletedTicket;
        if (e.s360Status) state.s360Status = e.s360Status;
        clearAttention();
        if (e.tixngoStatus === 'DELETED') applyTixngoStatus('DELETED');
        else {
          state.tixngoStatus = e.tixngoStatus;
          startDeletionWait();
        }
        return;
      case 'cancelRejected':
        if (state.step === 'DELETED') return;
        state.step = 'CANCELLING';
        await needsAttention({ step: 'CANCELLING', type: e.errorType, message: e.message });
        return;
      case 'controlPushed':
        if (DELETION_STATUSES.has(state.step) || state.step === 'CANCELLING') return; // deletion wins (§11.23)
        state.step = 'CONTROLLED';
        state.s360Status = 'CONTROLLED';
        state.tixngoStatus = e.tixngoStatus;
        clearAttention();
        return;
      case 'controlRejected':
        if (DELETION_STATUSES.has(state.step)) return;
        state.step = 'CONTROLLING';
        await needsAttention({ step: 'CONTROLLING', type: e.errorType, message: e.message });
        return;
      case 'feedback':
        applyTixngoStatus(e.tixngoStatus, e.version);
        return;
      case 'cancel':
        if (DELETION_STATUSES.has(state.step) || state.step === 'CANCELLING') return; // already on its way out
        if (state.step === 'AWAITING_INJECTION') {
          // Never injected: S-360 cancels it and TIXNGO never hears of it (§3.6); nothing left to follow.
          await db.applyS360Cancel({ ticketIds: [ticketId], reason: e.reason, status: e.status ?? 'CANCELLED' });
          state.s360Status = e.status ?? 'CANCELLED';
          state.step = 'DELETED';
          clearAttention();
          return;
        }
        await db.applyS360Cancel({ ticketIds: [ticketId], reason: e.reason, status: e.status ?? 'CANCELLED' });
        state.s360Status = e.status ?? 'CANCELLED';
        state.cancelReason = e.reason;
        state.showDeletedTicket = e.showDeletedTicket;
        state.step = 'CANCELLING';
        clearAttention();
        return;
      case 'control':
        if (DELETION_STATUSES.has(state.step) || state.step === 'CANCELLING' || state.step === 'CONTROLLED') return;
        if (state.step === 'AWAITING_INJECTION') {
          await needsAttention({ step: 'AWAITING_INJECTION', type: ERR_NOT_ELIGIBLE, message: `ticket ${ticketId} cannot be controlled in TIXNGO: it was never injected` });
          return;
        }
        await db.applyS360Control({ ticketIds: [ticketId], at: e.at });
        state.s360Status = 'CONTROLLED';
        state.step = 'CONTROLLING';
        clearAttention();
        return;
    }
  }

  /** Injects this one ticket (a retry after a person fixed the data). */
  async function injectNow(): Promise<void> {
    try {
      const r = await tixngo.injectTicketBatch({ interfaceName, itemIds: [ticketId], limit: 1 });
      if (r.accepted.length) return handle({ type: 'injected' });
      const rej = r.rejected[0];
      if (rej) return needsAttention({ step: 'AWAITING_INJECTION', type: rej.type, message: rej.message, field: rej.field });
      return needsAttention({ step: 'AWAITING_INJECTION', type: ERR_NOT_ELIGIBLE, message: `ticket ${ticketId} is not NOT_PRINTED on interface ${interfaceName} in S-360` }, 'INJECTION');
    } catch (err) {
      const x = extractError(err);
      return needsAttention({ step: 'AWAITING_INJECTION', type: x.type, message: x.message, field: x.field }, 'INJECTION');
    }
  }

  /** Sends this ticket's deletion to TIXNGO (forced: also when a push already processed it). */
  async function cancelNow(): Promise<void> {
    try {
      const r = await tixngo.pushCancelledBatch({ interfaceName, itemIds: [ticketId], limit: 1, notifySpectator: state.showDeletedTicket });
      const pushed = r.pushed[0];
      if (pushed) {
        return handle({ type: 'cancelPushed', reason: pushed.reason, tixngoStatus: pushed.tixngoStatus, showDeletedTicket: pushed.showDeletedTicket, s360Status: pushed.s360Status });
      }
      const rej = r.rejected[0];
      if (rej) return needsAttention({ step: 'CANCELLING', type: rej.type, message: rej.message, field: rej.field });
      return needsAttention({ step: 'CANCELLING', type: ERR_NOT_ELIGIBLE, message: `ticket ${ticketId} is not CANCELLED/INVALIDATED and injected in S-360` }, 'PUSH_CANCELLED');
    } catch (err) {
      const x = extractError(err);
      return needsAttention({ step: 'CANCELLING', type: x.type, message: x.message }, 'PUSH_CANCELLED');
    }
  }

  async function controlNow(): Promise<void> {
    try {
      const r = await tixngo.pushControlledBatch({ interfaceName, itemIds: [ticketId], limit: 1 });
      const pushed = r.pushed[0];
      if (pushed) return handle({ type: 'controlPushed', tixngoStatus: pushed.tixngoStatus });
      const rej = r.rejected[0];
      if (rej) return needsAttention({ step: 'CONTROLLING', type: rej.type, message: rej.message, field: rej.field });
      return needsAttention({ step: 'CONTROLLING', type: ERR_NOT_ELIGIBLE, message: `ticket ${ticketId} is not CONTROLLED and injected in S-360` }, 'PUSH_CONTROLLED');
    } catch (err) {
      const x = extractError(err);
      return needsAttention({ step: 'CONTROLLING', type: x.type, message: x.message }, 'PUSH_CONTROLLED');
    }
  }

  /** One round of the durable deletion wait: sleep (woken early by any event), then ask TIXNGO. */
  async function awaitDeletion(): Promise<void> {
    const started = Date.parse(state.deletionWaitStartedAt ?? nowIso());
    const elapsed = Date.now() - started;
    const remaining = opts.deletionConfirmTimeoutMs - elapsed;
    if (remaining <= 0) {
      return needsAttention(
        {
          step: 'DELETION_PENDING',
          type: ERR_DELETION_NOT_CONFIRMED,
          message: `TIXNGO has not confirmed the deletion of ticket ${ticketId} after ${durationText(elapsed)} (${state.deletionPolls} polls); still ${state.tixngoStatus ?? 'DELETION_PENDING'}`,
        },
        'PUSH_CANCELLED',
      );
    }
    const delay = Math.max(1, Math.min(opts.deletionPollInitialMs * 2 ** Math.min(state.deletionPolls, 20), opts.deletionPollMaxMs, remaining));
    const woken = await condition(() => inbox.length > 0 || retryRequested, delay);
    if (woken) return;
    state.deletionPolls++;
    touch();
    try {
      const r = await tixngo.readTixngoStatus({ interfaceName, ticketId });
      if (r.found && r.tixngoStatus) applyTixngoStatus(r.tixngoStatus, r.version);
    } catch (err) {
      // TIXNGO unreachable beyond the activity's own retries: keep waiting; the deadline still applies.
      log.warn('deletion poll failed', { ticketId, error: extractError(err).type });
    }
  }

  async function retry(): Promise<void> {
    const failed = state.lastError?.step ?? state.step;
    state.retries++;
    clearAttention();
    touch();
    publish();
    switch (failed) {
      case 'AWAITING_INJECTION':
        state.step = 'AWAITING_INJECTION';
        return injectNow();
      case 'CANCELLING':
      case 'DELETION_PENDING':
        // Re-send the deletion (idempotent in TIXNGO) and start a fresh wait.
        state.step = 'CANCELLING';
        return;
      case 'CONTROLLING':
        state.step = 'CONTROLLING';
        return;
      default:
        return;
    }
  }

  for (;;) {
    while (inbox.length) await handle(inbox.shift()!);
    publish();
    if (state.step === 'DELETED') break;
    if (retryRequested) {
      retryRequested = false;
      if (state.needsAttention) await retry();
      continue;
    }
    if (!state.needsAttention) {
      if (state.step === 'CANCELLING') {
        await cancelNow();
        continue;
      }
      if (state.step === 'CONTROLLING') {
        await controlNow();
        continue;
      }
    }
    if (continueAsNewDue(opts.maxHistoryEvents)) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof ticketLifecycle>({ ...input, state, pendingEvents: inbox });
    }
    if (state.step === 'DELETION_PENDING' && !state.needsAttention) {
      await awaitDeletion();
      continue;
    }
    await condition(() => inbox.length > 0 || retryRequested || continueAsNewDue(opts.maxHistoryEvents));
  }
  await condition(allHandlersFinished);
  return state;
}
