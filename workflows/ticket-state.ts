// The ticket lifecycle as a pure state machine: `reduceTicket(state, event, ctx)` returns the next state and the
// commands (data) the workflow must run, in order. No SDK, no clock (the workflow passes `now`), no I/O, so every
// transition is unit-tested without a server (test/unit/ticket-state.test.ts).
//
// Effects whose outcome changes the state come back as events: the workflow runs `applyS360Cancel` and then feeds
// `s360CancelApplied`, runs `pushCancel` and feeds `cancelPushed` or `pushRejected`/`pushNotEligible`/`pushFailed`.
// So the state a query sees while an activity runs is the state before its outcome, as it always was.
//
// The command sequence is what recorded histories replay against (test/replay): reorder or add a command and
// running workflows break. Such a change needs `patched()` in the workflow.
import { ERR_DELETION_NOT_CONFIRMED, ERR_NOT_ELIGIBLE, ERR_UNEXPECTED_DELETION } from '../common/errors';
import type { S360TicketStatus, TixngoStatus } from '../common/domain';
import type { LifecycleError, LifecycleStep, RetryResult, TicketEvent, TicketState } from '../common/lifecycle';
import { durationText } from './time';

export const LIFECYCLE_DEFAULTS = {
  deletionPollInitialMs: 30_000,
  deletionPollMaxMs: 15 * 60_000,
  deletionConfirmTimeoutMs: 24 * 60 * 60_000,
};
export type LifecycleTimings = typeof LIFECYCLE_DEFAULTS;


export interface TicketContext {
  ticketId: string;
  interfaceName: string;
  /** Workflow time of the transition, epoch milliseconds. */
  now: number;
  timings: LifecycleTimings;
  /**
   * The transitions from before issue #10, for histories recorded before them (the workflow passes
   * `!patched(...)`): a deletion nobody asked for completed quietly, a ticket cancelled before its injection ended
   * DELETED, and the cancel signal's showDeletedTicket went to the deletion as "Notify spectator".
   */
  legacyTransitions?: boolean;
}

export interface ItemError {
  type: string;
  message: string;
  field?: string;
}

/** The single-ticket TIXNGO calls the workflow makes itself (a retry, a cancel or control signalled to it). */
export type PushKind = 'inject' | 'cancel' | 'control';

/** Events from outside (signals) plus the outcomes of the workflow's own commands. */
export type TicketInput =
  | TicketEvent
  /** The inbox is empty: decide what to do next (push, poll, wait, continue as new, complete). */
  | { type: 'tick'; retryRequested: boolean; continueAsNewDue: boolean }
  | { type: 's360CancelApplied'; reason?: string; status: 'CANCELLED' | 'INVALIDATED'; showDeletedTicket?: boolean }
  | { type: 's360ControlApplied' }
  /** TIXNGO refused this ticket (the data): success comes back as `injected`, `cancelPushed` or `controlPushed`. */
  | { type: 'pushRejected'; push: PushKind; error: ItemError }
  /** S-360 did not select the ticket for the call. */
  | { type: 'pushNotEligible'; push: PushKind }
  /** The activity failed beyond its retries. */
  | { type: 'pushFailed'; push: PushKind; error: ItemError }
  /** The deletion wait's timer fired with nothing else to do. */
  | { type: 'deletionPollDue' }
  | { type: 'deletionPolled'; found: boolean; tixngoStatus?: TixngoStatus; version?: number }
  | { type: 'deletionPollFailed'; errorType: string };

/** What the search attributes should say; the workflow upserts only what changed since its last upsert. */
export interface PublishedAttributes {
  s360Status?: S360TicketStatus;
  tixngoStatus?: TixngoStatus;
  step: LifecycleStep;
  needsAttention: boolean;
}

export type RecordFunction = 'INJECTION' | 'PUSH_CANCELLED' | 'PUSH_CONTROLLED' | 'FEEDBACK';

export type TicketCommand =
  | { kind: 'upsertSearchAttributes'; values: PublishedAttributes }
  | { kind: 'warn'; message: string; attrs: Record<string, string> }
  /** An error row in the S-360 interface error log. */
  | { kind: 'recordError'; fn: RecordFunction; error: ItemError }
  /** Then feed `s360CancelApplied` with the same fields. */
  | { kind: 'applyS360Cancel'; reason?: string; status: 'CANCELLED' | 'INVALIDATED'; showDeletedTicket?: boolean }
  /** Then feed `s360ControlApplied`. */
  | { kind: 'applyS360Control'; at?: string }
  | { kind: 'inject' }
  /** showDeletedTicket, when given, is sent as is; otherwise the §3.3 rule decides (notifySpectator feeds it). */
  | { kind: 'pushCancel'; notifySpectator?: boolean; showDeletedTicket?: boolean }
  | { kind: 'pushControl' }
  /**
   * Sleep `delayMs`, woken early by any event or retry; if not woken, feed `deletionPollDue`. For a deletion confirmed
   * in bulk (deletionConfirmedBy) the delay is the time left until the deadline, and nothing is polled.
   */
  | { kind: 'waitForDeletion'; delayMs: number }
  /** Read the ticket's status in TIXNGO; feed `deletionPolled` or `deletionPollFailed`. */
  | { kind: 'pollDeletion' }
  /** Wait for an event, a retry or continue-as-new being due. */
  | { kind: 'wait' }
  | { kind: 'continueAsNew' }
  | { kind: 'complete' };

export interface TicketTransition {
  state: TicketState;
  commands: TicketCommand[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function initialTicketState(now: number): TicketState {
  return { step: 'AWAITING_INJECTION', needsAttention: false, deletionPolls: 0, retries: 0, updatedAt: iso(now) };
}

/** What `requestRetry` answers (and whether the `retry` signal does anything) in this state. */
export function ticketRetry(state: TicketState, ticketId: string): RetryResult {
  if (!state.needsAttention || !state.lastError) {
    return { retried: false, step: state.step, message: `nothing to retry: ticket ${ticketId} is ${state.step} and does not need attention` };
  }
  if (state.lastError.type === ERR_UNEXPECTED_DELETION) {
    return { retried: true, step: state.lastError.step, message: `acknowledging the deletion of ticket ${ticketId} in TIXNGO (${state.tixngoStatus ?? 'DELETED'})` };
  }
  return { retried: true, step: state.lastError.step, message: `retrying ${state.lastError.step} for ticket ${ticketId}` };
}

/** Per single-ticket call: the step it serves, where its failure is recorded, and why S-360 may not select the ticket. */
const PUSHES: Record<PushKind, { step: LifecycleStep; fn: RecordFunction; notEligible: (ctx: TicketContext) => string }> = {
  inject: { step: 'AWAITING_INJECTION', fn: 'INJECTION', notEligible: (c) => `ticket ${c.ticketId} is not NOT_PRINTED on interface ${c.interfaceName} in S-360` },
  cancel: { step: 'CANCELLING', fn: 'PUSH_CANCELLED', notEligible: (c) => `ticket ${c.ticketId} is not CANCELLED/INVALIDATED and injected in S-360` },
  control: { step: 'CONTROLLING', fn: 'PUSH_CONTROLLED', notEligible: (c) => `ticket ${c.ticketId} is not CONTROLLED and injected in S-360` },
};

/** The workflow completes at its next tick: nothing more happens to the ticket. */
const terminal = (step: LifecycleStep) => step === 'DELETED' || step === 'CANCELLED_BEFORE_INJECTION';
const leaving = (step: LifecycleStep) => step === 'DELETION_PENDING' || terminal(step);
const isDeletion = (status: TixngoStatus | undefined) => status === 'DELETED' || status === 'DELETION_PENDING';

export function reduceTicket(prev: TicketState, event: TicketInput, ctx: TicketContext): TicketTransition {
  const s: TicketState = { ...prev };
  const commands: TicketCommand[] = [];
  const now = iso(ctx.now);

  const touch = () => (s.updatedAt = now);
  const publish = () => commands.push({ kind: 'upsertSearchAttributes', values: { s360Status: s.s360Status, tixngoStatus: s.tixngoStatus, step: s.step, needsAttention: s.needsAttention } });
  const clearAttention = () => {
    s.needsAttention = false;
    s.lastError = undefined;
  };
  const needsAttention = (err: Omit<LifecycleError, 'at'>, recordIn?: RecordFunction) => {
    s.needsAttention = true;
    s.lastError = { ...err, at: now };
    touch();
    publish();
    commands.push({ kind: 'warn', message: 'ticket needs attention', attrs: { step: err.step, type: err.type } });
    if (recordIn) commands.push({ kind: 'recordError', fn: recordIn, error: { type: err.type, message: err.message, field: err.field } });
  };
  /** confirmedBy: the push run's waiter that confirms the deletion in bulk; absent, the workflow polls itself. */
  const startDeletionWait = (confirmedBy?: string) => {
    s.step = 'DELETION_PENDING';
    s.deletionPolls = 0;
    s.deletionWaitStartedAt = now;
    if (confirmedBy) s.deletionConfirmedBy = confirmedBy;
    else delete s.deletionConfirmedBy;
  };
  const isNewer = (version: number | undefined) => version === undefined || s.tixngoVersion === undefined || version > s.tixngoVersion;
  /** S-360 asked for the deletion: it cancelled or invalidated the ticket, and the workflow is on it. */
  const deletionAsked = () => s.step === 'CANCELLING' || leaving(s.step) || s.s360Status === 'CANCELLED' || s.s360Status === 'INVALIDATED';
  const applyTixngoStatus = (status: TicketState['tixngoStatus'], version?: number) => {
    if (!isNewer(version)) return;
    if (version !== undefined) s.tixngoVersion = version;
    if (s.step === 'CANCELLED_BEFORE_INJECTION') return; // TIXNGO never had it: nothing it says applies
    s.tixngoStatus = status;
    if (s.lastError?.type === ERR_UNEXPECTED_DELETION && !isDeletion(status)) {
      // Live again (re-injected by a person): the deletion that needed attention is undone.
      clearAttention();
    }
    if (status === 'DELETED') {
      s.step = 'DELETED';
      clearAttention();
    } else if (status === 'DELETION_PENDING' && s.step !== 'DELETION_PENDING') {
      // Deleted on the TIXNGO side (back office, or our own push seen first through feedback).
      startDeletionWait();
      clearAttention();
    } else if (status === 'CONTROLLED' && (s.step === 'INJECTED' || s.step === 'CONTROLLING')) {
      s.step = 'CONTROLLED';
      clearAttention();
    } else if (s.step === 'AWAITING_INJECTION' && status) {
      s.step = 'INJECTED';
      s.s360Status = 'PRINTED';
      clearAttention();
    }
  };
  const done = (): TicketTransition => ({ state: s, commands });

  switch (event.type) {
    // Notifications and signals: each one refreshes updatedAt, even when it changes nothing else.
    case 'injected':
      touch();
      if (s.step === 'AWAITING_INJECTION') {
        s.step = 'INJECTED';
        s.s360Status = 'PRINTED';
        s.tixngoStatus ??= 'INJECTED';
        clearAttention();
      }
      return done();
    case 'injectionRejected':
      touch();
      if (s.step === 'AWAITING_INJECTION') needsAttention({ step: 'AWAITING_INJECTION', type: event.errorType, message: event.message, field: event.field });
      return done();
    case 'cancelPushed':
      touch();
      if (terminal(s.step)) return done();
      s.cancelReason = event.reason;
      s.showDeletedTicket = event.showDeletedTicket;
      if (event.s360Status) s.s360Status = event.s360Status;
      clearAttention();
      if (event.tixngoStatus === 'DELETED') applyTixngoStatus('DELETED');
      else {
        s.tixngoStatus = event.tixngoStatus;
        startDeletionWait(event.confirmedBy);
      }
      return done();
    case 'cancelRejected':
      touch();
      if (terminal(s.step)) return done();
      s.step = 'CANCELLING';
      needsAttention({ step: 'CANCELLING', type: event.errorType, message: event.message });
      return done();
    case 'controlPushed':
      touch();
      if (leaving(s.step) || s.step === 'CANCELLING') return done(); // deletion wins (§11.23)
      s.step = 'CONTROLLED';
      s.s360Status = 'CONTROLLED';
      s.tixngoStatus = event.tixngoStatus;
      clearAttention();
      return done();
    case 'controlRejected':
      touch();
      if (leaving(s.step)) return done();
      s.step = 'CONTROLLING';
      needsAttention({ step: 'CONTROLLING', type: event.errorType, message: event.message });
      return done();
    case 'feedback':
      touch();
      if (!ctx.legacyTransitions && isDeletion(event.tixngoStatus) && !deletionAsked() && isNewer(event.version)) {
        // Deleted in TIXNGO (back office, another system) while S-360 still has the ticket valid: the two
        // disagree, and only a person knows which is right. `retry` acknowledges the deletion.
        s.tixngoVersion = event.version;
        s.tixngoStatus = event.tixngoStatus;
        needsAttention(
          {
            step: s.step,
            type: ERR_UNEXPECTED_DELETION,
            message: `ticket ${ctx.ticketId} is ${event.tixngoStatus} in TIXNGO, but S-360 did not cancel or invalidate it (${s.s360Status ?? 'not printed'} in S-360)`,
          },
          'FEEDBACK',
        );
        return done();
      }
      applyTixngoStatus(event.tixngoStatus, event.version);
      return done();
    case 'cancel':
      touch();
      if (leaving(s.step) || s.step === 'CANCELLING') return done(); // already on its way out
      commands.push({ kind: 'applyS360Cancel', reason: event.reason, status: event.status ?? 'CANCELLED', showDeletedTicket: event.showDeletedTicket });
      return done();
    case 'control':
      touch();
      if (leaving(s.step) || s.step === 'CANCELLING' || s.step === 'CONTROLLED') return done();
      if (s.step === 'AWAITING_INJECTION') {
        needsAttention({ step: 'AWAITING_INJECTION', type: ERR_NOT_ELIGIBLE, message: `ticket ${ctx.ticketId} cannot be controlled in TIXNGO: it was never injected` });
        return done();
      }
      commands.push({ kind: 'applyS360Control', at: event.at });
      return done();

    // Outcomes of the workflow's own commands (updatedAt was refreshed when they were issued).
    case 's360CancelApplied':
      if (leaving(s.step) || s.step === 'CANCELLING') return done();
      s.s360Status = event.status;
      if (s.step === 'AWAITING_INJECTION') {
        // Never injected: S-360 cancels it and TIXNGO never hears of it (§3.6); nothing left to follow, and no
        // TIXNGO status to claim.
        s.step = ctx.legacyTransitions ? 'DELETED' : 'CANCELLED_BEFORE_INJECTION';
      } else {
        s.cancelReason = event.reason;
        s.showDeletedTicket = event.showDeletedTicket;
        s.step = 'CANCELLING';
      }
      clearAttention();
      return done();
    case 's360ControlApplied':
      if (leaving(s.step) || s.step === 'CANCELLING' || s.step === 'CONTROLLED' || s.step === 'AWAITING_INJECTION') return done();
      s.s360Status = 'CONTROLLED';
      s.step = 'CONTROLLING';
      clearAttention();
      return done();
    case 'pushRejected': {
      const { step } = PUSHES[event.push];
      needsAttention({ step, type: event.error.type, message: event.error.message, field: event.error.field });
      return done();
    }
    case 'pushNotEligible': {
      const p = PUSHES[event.push];
      needsAttention({ step: p.step, type: ERR_NOT_ELIGIBLE, message: p.notEligible(ctx) }, p.fn);
      return done();
    }
    case 'pushFailed': {
      const p = PUSHES[event.push];
      // Only the injection names the field of a failed call: a push carries no ticket data to point at.
      const field = event.push === 'inject' ? { field: event.error.field } : {};
      needsAttention({ step: p.step, type: event.error.type, message: event.error.message, ...field }, p.fn);
      return done();
    }
    case 'deletionPollDue':
      touch();
      // Confirmed in bulk: the waiter polls; this timer was the deadline, which the next tick applies.
      if (s.deletionConfirmedBy) return done();
      s.deletionPolls++;
      commands.push({ kind: 'pollDeletion' });
      return done();
    case 'deletionPolled':
      if (event.found && event.tixngoStatus) applyTixngoStatus(event.tixngoStatus, event.version);
      return done();
    case 'deletionPollFailed':
      // TIXNGO unreachable beyond the activity's own retries: keep waiting; the deadline still applies.
      commands.push({ kind: 'warn', message: 'deletion poll failed', attrs: { error: event.errorType } });
      return done();

    case 'tick':
      publish();
      if (terminal(s.step)) {
        commands.push({ kind: 'complete' });
        return done();
      }
      if (event.retryRequested) {
        if (s.needsAttention) retry();
        return done();
      }
      if (!s.needsAttention && s.step === 'CANCELLING') {
        // The cancel's own showDeletedTicket (or the one a push computed) is sent as is; absent, the §3.3 rule.
        commands.push(ctx.legacyTransitions ? { kind: 'pushCancel', notifySpectator: s.showDeletedTicket } : { kind: 'pushCancel', showDeletedTicket: s.showDeletedTicket });
        return done();
      }
      if (!s.needsAttention && s.step === 'CONTROLLING') {
        commands.push({ kind: 'pushControl' });
        return done();
      }
      if (event.continueAsNewDue) {
        commands.push({ kind: 'continueAsNew' });
        return done();
      }
      if (s.step === 'DELETION_PENDING' && !s.needsAttention) {
        awaitDeletion();
        return done();
      }
      commands.push({ kind: 'wait' });
      return done();
  }

  /** Re-runs the step that failed: the next tick pushes again, or the injection goes now. */
  function retry() {
    const failed = s.lastError?.step ?? s.step;
    const unexpectedDeletion = s.lastError?.type === ERR_UNEXPECTED_DELETION;
    s.retries++;
    clearAttention();
    touch();
    publish();
    if (unexpectedDeletion) {
      // Acknowledged: a person has looked and accepts the deletion. The ticket follows TIXNGO to DELETED and
      // the workflow ends (S-360 keeps its status: to cancel it there too, signal `cancel` instead).
      if (s.tixngoStatus === 'DELETED') s.step = 'DELETED';
      else startDeletionWait();
      return;
    }
    switch (failed) {
      case 'AWAITING_INJECTION':
        s.step = 'AWAITING_INJECTION';
        commands.push({ kind: 'inject' });
        return;
      case 'CANCELLING':
      case 'DELETION_PENDING':
        // Re-send the deletion (idempotent in TIXNGO) and start a fresh wait.
        s.step = 'CANCELLING';
        return;
      case 'CONTROLLING':
        s.step = 'CONTROLLING';
        return;
      default:
        return;
    }
  }

  /** One round of the durable deletion wait, or needs attention once the deadline has passed. */
  function awaitDeletion() {
    const started = s.deletionWaitStartedAt ? Date.parse(s.deletionWaitStartedAt) : ctx.now;
    const elapsed = ctx.now - started;
    const remaining = ctx.timings.deletionConfirmTimeoutMs - elapsed;
    if (remaining <= 0) {
      const by = s.deletionConfirmedBy ? `polled in bulk by ${s.deletionConfirmedBy}` : `${s.deletionPolls} polls`;
      needsAttention(
        {
          step: 'DELETION_PENDING',
          type: ERR_DELETION_NOT_CONFIRMED,
          message: `TIXNGO has not confirmed the deletion of ticket ${ctx.ticketId} after ${durationText(elapsed)} (${by}); still ${s.tixngoStatus ?? 'DELETION_PENDING'}`,
        },
        'PUSH_CANCELLED',
      );
      return;
    }
    if (s.deletionConfirmedBy) {
      // The push run's waiter polls TIXNGO for every ticket it pushed and signals this one when its status changes;
      // the workflow keeps only its own deadline (one durable timer, woken early by any event).
      commands.push({ kind: 'waitForDeletion', delayMs: Math.max(1, remaining) });
      return;
    }
    const { deletionPollInitialMs, deletionPollMaxMs } = ctx.timings;
    commands.push({ kind: 'waitForDeletion', delayMs: Math.max(1, Math.min(deletionPollInitialMs * 2 ** Math.min(s.deletionPolls, 20), deletionPollMaxMs, remaining)) });
  }
}
