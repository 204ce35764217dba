// The ticket lifecycle reducer, without a server: every step × every event, then the cases that depend on more
// than the step (needs attention, the deletion deadline, versions, the fields each transition sets).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ERR_DELETION_NOT_CONFIRMED, ERR_NOT_ELIGIBLE, ERR_TIXNGO_CONFLICT, ERR_TIXNGO_REJECTED, ERR_UNEXPECTED_DELETION } from '../../common/errors';
import type { TixngoStatus } from '../../common/domain';
import type { LifecycleStep, TicketState } from '../../common/lifecycle';
import {
  initialTicketState,
  reduceTicket,
  ticketRetry,
  type ItemError,
  type PushKind,
  type RecordFunction,
  type TicketCommand,
  type TicketContext,
  type TicketInput,
} from '../../workflows/ticket-state';

const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;
const T0 = Date.parse('2026-05-01T10:00:00.000Z');
const NOW = T0 + 2 * HOUR;
const ctx: TicketContext = {
  ticketId: '42',
  interfaceName: 'demo',
  now: NOW,
  timings: { deletionPollInitialMs: 1_000, deletionPollMaxMs: 8_000, deletionConfirmTimeoutMs: 3 * HOUR },
};

const STEPS: LifecycleStep[] = ['AWAITING_INJECTION', 'INJECTED', 'CANCELLING', 'DELETION_PENDING', 'DELETED', 'CANCELLED_BEFORE_INJECTION', 'CONTROLLING', 'CONTROLLED'];
const base = { needsAttention: false, deletionPolls: 0, retries: 0, updatedAt: iso(T0) };
/** A typical ticket in each step, not needing attention. */
const HEALTHY: Record<LifecycleStep, TicketState> = {
  AWAITING_INJECTION: { step: 'AWAITING_INJECTION', ...base },
  INJECTED: { step: 'INJECTED', ...base, s360Status: 'PRINTED', tixngoStatus: 'DOWNLOADED', tixngoVersion: 5 },
  CANCELLING: { step: 'CANCELLING', ...base, s360Status: 'CANCELLED', tixngoStatus: 'DOWNLOADED', tixngoVersion: 5, cancelReason: 'REFUND', showDeletedTicket: true },
  DELETION_PENDING: { step: 'DELETION_PENDING', ...base, s360Status: 'CANCELLED', tixngoStatus: 'DELETION_PENDING', tixngoVersion: 5, deletionPolls: 2, deletionWaitStartedAt: iso(T0) },
  DELETED: { step: 'DELETED', ...base, s360Status: 'CANCELLED', tixngoStatus: 'DELETED', tixngoVersion: 5 },
  CANCELLED_BEFORE_INJECTION: { step: 'CANCELLED_BEFORE_INJECTION', ...base, s360Status: 'CANCELLED' },
  CONTROLLING: { step: 'CONTROLLING', ...base, s360Status: 'CONTROLLED', tixngoStatus: 'DOWNLOADED', tixngoVersion: 5 },
  CONTROLLED: { step: 'CONTROLLED', ...base, s360Status: 'CONTROLLED', tixngoStatus: 'CONTROLLED', tixngoVersion: 5 },
};
/** The same tickets after a failure of their own step. */
const FLAGGED = Object.fromEntries(
  STEPS.map((step) => [step, { ...HEALTHY[step], needsAttention: true, lastError: { step, type: ERR_TIXNGO_REJECTED, message: 'failed before', at: iso(T0) } }]),
) as Record<LifecycleStep, TicketState>;

const REJ: ItemError = { type: ERR_TIXNGO_REJECTED, message: 'ticket 42: spectatorDetails.email is required', field: 'spectatorDetails.email' };
const FAIL: ItemError = { type: 'Timeout', message: 'gave up after the retry bound', field: 'security.barcode' };

// Expected commands.
const up = (s: TicketState, step: LifecycleStep = s.step, needsAttention = s.needsAttention): TicketCommand => ({
  kind: 'upsertSearchAttributes',
  values: { s360Status: s.s360Status, tixngoStatus: s.tixngoStatus, step, needsAttention },
});
const warn = (step: LifecycleStep, type: string): TicketCommand => ({ kind: 'warn', message: 'ticket needs attention', attrs: { step, type } });
const record = (fn: RecordFunction, error: ItemError): TicketCommand => ({ kind: 'recordError', fn, error });

interface Expect {
  step: LifecycleStep;
  /** Needs attention after the event, with this failed step and error type. */
  attention?: { step: LifecycleStep; type: string };
  commands?: TicketCommand[];
  /** updatedAt refreshed (default: the row's `touches`, or when attention is raised). */
  touched?: boolean;
}
interface Row {
  name: string;
  event: TicketInput;
  /** Whether the event refreshes updatedAt in every step. */
  touches: boolean;
  /** Steps not listed stay where they are, with no command. */
  cells: Partial<Record<LifecycleStep, Expect>>;
  /** Expectation for every step not in `cells` (default: unchanged). */
  otherwise?: (step: LifecycleStep) => Expect;
}

/** Raised from `from` into `to`, needing attention for `errStep`: publish, log, and maybe an S-360 error record. */
function flagged(from: LifecycleStep, to: LifecycleStep, errStep: LifecycleStep, type: string, extra: TicketCommand[] = []): Expect {
  return { step: to, attention: { step: errStep, type }, commands: [up(HEALTHY[from], to, true), warn(errStep, type), ...extra] };
}
const to = (step: LifecycleStep): Expect => ({ step });
/** TIXNGO reports a deletion S-360 did not ask for: the step stays, needs attention, recorded as a feedback error. */
function unexpected(step: LifecycleStep, status: TixngoStatus): Expect {
  const s360 = HEALTHY[step].s360Status;
  const message = `ticket 42 is ${status} in TIXNGO, but S-360 did not cancel or invalidate it (${s360 ?? 'not printed'} in S-360)`;
  return {
    step,
    attention: { step, type: ERR_UNEXPECTED_DELETION },
    commands: [
      { kind: 'upsertSearchAttributes', values: { s360Status: s360, tixngoStatus: status, step, needsAttention: true } },
      warn(step, ERR_UNEXPECTED_DELETION),
      record('FEEDBACK', { type: ERR_UNEXPECTED_DELETION, message, field: undefined }),
    ],
  };
}
/** The steps in which S-360 has not asked for a deletion (HEALTHY: not cancelled, not on the way out). */
const LIVE: LifecycleStep[] = ['AWAITING_INJECTION', 'INJECTED', 'CONTROLLING', 'CONTROLLED'];

const PUSH_STEP: Record<PushKind, LifecycleStep> = { inject: 'AWAITING_INJECTION', cancel: 'CANCELLING', control: 'CONTROLLING' };
const PUSH_FN: Record<PushKind, RecordFunction> = { inject: 'INJECTION', cancel: 'PUSH_CANCELLED', control: 'PUSH_CONTROLLED' };
const NOT_ELIGIBLE: Record<PushKind, string> = {
  inject: 'ticket 42 is not NOT_PRINTED on interface demo in S-360',
  cancel: 'ticket 42 is not CANCELLED/INVALIDATED and injected in S-360',
  control: 'ticket 42 is not CONTROLLED and injected in S-360',
};
const PUSHES: PushKind[] = ['inject', 'cancel', 'control'];
const terminal = (step: LifecycleStep) => step === 'DELETED' || step === 'CANCELLED_BEFORE_INJECTION';

const rows: Row[] = [
  { name: 'injected', event: { type: 'injected' }, touches: true, cells: { AWAITING_INJECTION: to('INJECTED') } },
  {
    name: 'injectionRejected',
    event: { type: 'injectionRejected', errorType: REJ.type, message: REJ.message, field: REJ.field },
    touches: true,
    cells: { AWAITING_INJECTION: flagged('AWAITING_INJECTION', 'AWAITING_INJECTION', 'AWAITING_INJECTION', REJ.type) },
  },
  {
    name: 'cancelPushed (DELETION_PENDING)',
    event: { type: 'cancelPushed', reason: 'REPRINT', tixngoStatus: 'DELETION_PENDING', showDeletedTicket: false, s360Status: 'INVALIDATED' },
    touches: true,
    cells: { DELETED: to('DELETED'), CANCELLED_BEFORE_INJECTION: to('CANCELLED_BEFORE_INJECTION') },
    otherwise: () => to('DELETION_PENDING'),
  },
  {
    name: 'cancelPushed (DELETED)',
    event: { type: 'cancelPushed', reason: 'REPRINT', tixngoStatus: 'DELETED', showDeletedTicket: false, s360Status: 'INVALIDATED' },
    touches: true,
    cells: { CANCELLED_BEFORE_INJECTION: to('CANCELLED_BEFORE_INJECTION') },
    otherwise: () => to('DELETED'),
  },
  {
    name: 'cancelRejected',
    event: { type: 'cancelRejected', errorType: ERR_TIXNGO_CONFLICT, message: 'refused' },
    touches: true,
    cells: { DELETED: to('DELETED'), CANCELLED_BEFORE_INJECTION: to('CANCELLED_BEFORE_INJECTION') },
    otherwise: (step) => flagged(step, 'CANCELLING', 'CANCELLING', ERR_TIXNGO_CONFLICT),
  },
  {
    name: 'controlPushed',
    event: { type: 'controlPushed', tixngoStatus: 'CONTROLLED' },
    touches: true,
    cells: { CANCELLING: to('CANCELLING'), DELETION_PENDING: to('DELETION_PENDING'), DELETED: to('DELETED'), CANCELLED_BEFORE_INJECTION: to('CANCELLED_BEFORE_INJECTION') },
    otherwise: () => to('CONTROLLED'),
  },
  {
    name: 'controlRejected',
    event: { type: 'controlRejected', errorType: ERR_TIXNGO_CONFLICT, message: 'refused' },
    touches: true,
    cells: { DELETION_PENDING: to('DELETION_PENDING'), DELETED: to('DELETED'), CANCELLED_BEFORE_INJECTION: to('CANCELLED_BEFORE_INJECTION') },
    otherwise: (step) => flagged(step, 'CONTROLLING', 'CONTROLLING', ERR_TIXNGO_CONFLICT),
  },
  { name: 'feedback ASSIGNED', event: { type: 'feedback', tixngoStatus: 'ASSIGNED', version: 6 }, touches: true, cells: { AWAITING_INJECTION: to('INJECTED') } },
  {
    name: 'feedback DELETION_PENDING',
    event: { type: 'feedback', tixngoStatus: 'DELETION_PENDING', version: 6 },
    touches: true,
    // S-360 did not ask for it in the live steps; TIXNGO never had the ticket cancelled before its injection.
    cells: { CANCELLED_BEFORE_INJECTION: to('CANCELLED_BEFORE_INJECTION') },
    otherwise: (step) => (LIVE.includes(step) ? unexpected(step, 'DELETION_PENDING') : to('DELETION_PENDING')),
  },
  {
    name: 'feedback DELETED',
    event: { type: 'feedback', tixngoStatus: 'DELETED', version: 6 },
    touches: true,
    cells: { CANCELLED_BEFORE_INJECTION: to('CANCELLED_BEFORE_INJECTION') },
    otherwise: (step) => (LIVE.includes(step) ? unexpected(step, 'DELETED') : to('DELETED')),
  },
  {
    name: 'feedback CONTROLLED',
    event: { type: 'feedback', tixngoStatus: 'CONTROLLED', version: 6 },
    touches: true,
    cells: { AWAITING_INJECTION: to('INJECTED'), INJECTED: to('CONTROLLED'), CONTROLLING: to('CONTROLLED') },
  },
  {
    // Version 5 is what the tickets already saw (the never-injected one saw none).
    name: 'feedback older than the last one seen',
    event: { type: 'feedback', tixngoStatus: 'DELETED', version: 5 },
    touches: true,
    cells: { AWAITING_INJECTION: unexpected('AWAITING_INJECTION', 'DELETED') },
  },
  {
    name: 'cancel',
    event: { type: 'cancel', reason: 'REFUND', showDeletedTicket: true },
    touches: true,
    cells: { CANCELLING: to('CANCELLING'), DELETION_PENDING: to('DELETION_PENDING'), DELETED: to('DELETED'), CANCELLED_BEFORE_INJECTION: to('CANCELLED_BEFORE_INJECTION') },
    otherwise: (step) => ({ step, commands: [{ kind: 'applyS360Cancel', reason: 'REFUND', status: 'CANCELLED', showDeletedTicket: true }] }),
  },
  {
    name: 'control',
    event: { type: 'control', at: '2026-05-01T11:59:00.000Z' },
    touches: true,
    cells: {
      AWAITING_INJECTION: flagged('AWAITING_INJECTION', 'AWAITING_INJECTION', 'AWAITING_INJECTION', ERR_NOT_ELIGIBLE),
      INJECTED: { step: 'INJECTED', commands: [{ kind: 'applyS360Control', at: '2026-05-01T11:59:00.000Z' }] },
      CONTROLLING: { step: 'CONTROLLING', commands: [{ kind: 'applyS360Control', at: '2026-05-01T11:59:00.000Z' }] },
    },
  },
  {
    name: 's360CancelApplied',
    event: { type: 's360CancelApplied', reason: 'REFUND', status: 'INVALIDATED', showDeletedTicket: true },
    touches: false,
    cells: { AWAITING_INJECTION: to('CANCELLED_BEFORE_INJECTION'), INJECTED: to('CANCELLING'), CONTROLLING: to('CANCELLING'), CONTROLLED: to('CANCELLING') },
  },
  { name: 's360ControlApplied', event: { type: 's360ControlApplied' }, touches: false, cells: { INJECTED: to('CONTROLLING'), CONTROLLING: to('CONTROLLING') } },
  ...PUSHES.flatMap((push): Row[] => [
    {
      name: `pushRejected ${push}`,
      event: { type: 'pushRejected', push, error: REJ },
      touches: true,
      cells: {},
      otherwise: (step) => flagged(step, step, PUSH_STEP[push], REJ.type),
    },
    {
      name: `pushNotEligible ${push}`,
      event: { type: 'pushNotEligible', push },
      touches: true,
      cells: {},
      otherwise: (step) => flagged(step, step, PUSH_STEP[push], ERR_NOT_ELIGIBLE, [record(PUSH_FN[push], { type: ERR_NOT_ELIGIBLE, message: NOT_ELIGIBLE[push], field: undefined })]),
    },
    {
      name: `pushFailed ${push}`,
      event: { type: 'pushFailed', push, error: FAIL },
      touches: true,
      cells: {},
      // Only a failed injection keeps the field: a push carries no ticket data to point at.
      otherwise: (step) => flagged(step, step, PUSH_STEP[push], FAIL.type, [record(PUSH_FN[push], { ...FAIL, field: push === 'inject' ? FAIL.field : undefined })]),
    },
  ]),
  { name: 'deletionPollDue', event: { type: 'deletionPollDue' }, touches: true, cells: {}, otherwise: (step) => ({ step, commands: [{ kind: 'pollDeletion' }] }) },
  {
    name: 'deletionPolled DELETED',
    event: { type: 'deletionPolled', found: true, tixngoStatus: 'DELETED', version: 6 },
    touches: false,
    cells: { CANCELLED_BEFORE_INJECTION: to('CANCELLED_BEFORE_INJECTION') },
    otherwise: () => to('DELETED'),
  },
  { name: 'deletionPolled not found', event: { type: 'deletionPolled', found: false, tixngoStatus: 'DELETED', version: 6 }, touches: false, cells: {} },
  {
    name: 'deletionPollFailed',
    event: { type: 'deletionPollFailed', errorType: 'TixngoTransient' },
    touches: false,
    cells: {},
    otherwise: (step) => ({ step, commands: [{ kind: 'warn', message: 'deletion poll failed', attrs: { error: 'TixngoTransient' } }] }),
  },
  {
    name: 'tick',
    event: { type: 'tick', retryRequested: false, continueAsNewDue: false },
    touches: false,
    cells: {
      CANCELLING: { step: 'CANCELLING', commands: [up(HEALTHY.CANCELLING), { kind: 'pushCancel', showDeletedTicket: true }] },
      // Started 2 h ago, 2 polls: the third waits 1 s × 2².
      DELETION_PENDING: { step: 'DELETION_PENDING', commands: [up(HEALTHY.DELETION_PENDING), { kind: 'waitForDeletion', delayMs: 4_000 }] },
      DELETED: { step: 'DELETED', commands: [up(HEALTHY.DELETED), { kind: 'complete' }] },
      CANCELLED_BEFORE_INJECTION: { step: 'CANCELLED_BEFORE_INJECTION', commands: [up(HEALTHY.CANCELLED_BEFORE_INJECTION), { kind: 'complete' }] },
      CONTROLLING: { step: 'CONTROLLING', commands: [up(HEALTHY.CONTROLLING), { kind: 'pushControl' }] },
    },
    otherwise: (step) => ({ step, commands: [up(HEALTHY[step]), { kind: 'wait' }] }),
  },
  {
    name: 'tick, continue-as-new due',
    event: { type: 'tick', retryRequested: false, continueAsNewDue: true },
    touches: false,
    cells: {
      // A push in flight goes first; continue-as-new waits for the next idle moment.
      CANCELLING: { step: 'CANCELLING', commands: [up(HEALTHY.CANCELLING), { kind: 'pushCancel', showDeletedTicket: true }] },
      DELETED: { step: 'DELETED', commands: [up(HEALTHY.DELETED), { kind: 'complete' }] },
      CANCELLED_BEFORE_INJECTION: { step: 'CANCELLED_BEFORE_INJECTION', commands: [up(HEALTHY.CANCELLED_BEFORE_INJECTION), { kind: 'complete' }] },
      CONTROLLING: { step: 'CONTROLLING', commands: [up(HEALTHY.CONTROLLING), { kind: 'pushControl' }] },
    },
    otherwise: (step) => ({ step, commands: [up(HEALTHY[step]), { kind: 'continueAsNew' }] }),
  },
  {
    // Nothing needs attention: the request is dropped, the loop comes back with a plain tick.
    name: 'tick, retry requested',
    event: { type: 'tick', retryRequested: true, continueAsNewDue: true },
    touches: false,
    cells: {
      DELETED: { step: 'DELETED', commands: [up(HEALTHY.DELETED), { kind: 'complete' }] },
      CANCELLED_BEFORE_INJECTION: { step: 'CANCELLED_BEFORE_INJECTION', commands: [up(HEALTHY.CANCELLED_BEFORE_INJECTION), { kind: 'complete' }] },
    },
    otherwise: (step) => ({ step, commands: [up(HEALTHY[step])] }),
  },
];

function check(from: TicketState, event: TicketInput, expect: Expect, touchesByDefault: boolean) {
  const where = `${from.step}${from.needsAttention ? ' (needs attention)' : ''} + ${event.type}`;
  const before = structuredClone(from);
  const { state, commands } = reduceTicket(from, event, ctx);
  assert.deepEqual(from, before, `${where}: the reducer changed its input`);
  assert.equal(state.step, expect.step, `${where}: step`);
  assert.equal(state.needsAttention, expect.attention !== undefined, `${where}: needsAttention`);
  assert.deepEqual(
    state.lastError && { step: state.lastError.step, type: state.lastError.type },
    expect.attention,
    `${where}: lastError`,
  );
  assert.deepEqual(commands, expect.commands ?? [], `${where}: commands`);
  const touched = expect.touched ?? (touchesByDefault || expect.attention !== undefined);
  assert.equal(state.updatedAt, touched ? iso(NOW) : from.updatedAt, `${where}: updatedAt`);
}

describe('ticket reducer: every step × every event', () => {
  test('the table covers every event type', () => {
    const covered = new Set(rows.map((r) => r.event.type));
    const all: TicketInput['type'][] = [
      'injected', 'injectionRejected', 'cancelPushed', 'cancelRejected', 'controlPushed', 'controlRejected', 'feedback', 'cancel', 'control',
      'tick', 's360CancelApplied', 's360ControlApplied', 'pushRejected', 'pushNotEligible', 'pushFailed', 'deletionPollDue', 'deletionPolled', 'deletionPollFailed',
    ];
    assert.deepEqual([...covered].sort(), [...all].sort());
  });
  for (const row of rows) {
    test(row.name, () => {
      for (const step of STEPS) check(HEALTHY[step], row.event, row.cells[step] ?? row.otherwise?.(step) ?? to(step), row.touches);
    });
  }
});

describe('ticket reducer: needing attention', () => {
  const retried = (step: LifecycleStep, next: LifecycleStep, extra: TicketCommand[] = []): Expect => ({
    step: next,
    commands: [up(FLAGGED[step]), up(FLAGGED[step], step, false), ...extra],
    touched: true,
  });
  const table: { name: string; event: TicketInput; expect: Record<LifecycleStep, Expect> }[] = [
    {
      // No push, no deletion poll while a person has to act: it waits.
      name: 'tick waits',
      event: { type: 'tick', retryRequested: false, continueAsNewDue: false },
      expect: Object.fromEntries(
        STEPS.map((step) => [step, { step, attention: { step, type: ERR_TIXNGO_REJECTED }, commands: [up(FLAGGED[step]), { kind: terminal(step) ? 'complete' : 'wait' }], touched: false }]),
      ) as Record<LifecycleStep, Expect>,
    },
    {
      name: 'tick continues as new when due',
      event: { type: 'tick', retryRequested: false, continueAsNewDue: true },
      expect: Object.fromEntries(
        STEPS.map((step) => [step, { step, attention: { step, type: ERR_TIXNGO_REJECTED }, commands: [up(FLAGGED[step]), { kind: terminal(step) ? 'complete' : 'continueAsNew' }], touched: false }]),
      ) as Record<LifecycleStep, Expect>,
    },
    {
      // The failed step runs again: the injection at once, the pushes on the next tick; a deletion is re-sent.
      name: 'tick with a retry re-runs the failed step',
      event: { type: 'tick', retryRequested: true, continueAsNewDue: false },
      expect: {
        AWAITING_INJECTION: retried('AWAITING_INJECTION', 'AWAITING_INJECTION', [{ kind: 'inject' }]),
        INJECTED: retried('INJECTED', 'INJECTED'),
        CANCELLING: retried('CANCELLING', 'CANCELLING'),
        DELETION_PENDING: retried('DELETION_PENDING', 'CANCELLING'),
        DELETED: { step: 'DELETED', attention: { step: 'DELETED', type: ERR_TIXNGO_REJECTED }, commands: [up(FLAGGED.DELETED), { kind: 'complete' }], touched: false },
        CANCELLED_BEFORE_INJECTION: {
          step: 'CANCELLED_BEFORE_INJECTION',
          attention: { step: 'CANCELLED_BEFORE_INJECTION', type: ERR_TIXNGO_REJECTED },
          commands: [up(FLAGGED.CANCELLED_BEFORE_INJECTION), { kind: 'complete' }],
          touched: false,
        },
        CONTROLLING: retried('CONTROLLING', 'CONTROLLING'),
        CONTROLLED: retried('CONTROLLED', 'CONTROLLED'),
      },
    },
  ];
  for (const row of table) {
    test(row.name, () => {
      for (const step of STEPS) check(FLAGGED[step], row.event, row.expect[step], false);
    });
  }

  test('a retry counts, and takes the failed step from lastError, not from the current step', () => {
    const s: TicketState = { ...FLAGGED.CANCELLING, lastError: { step: 'CONTROLLING', type: 'x', message: 'm', at: iso(T0) }, retries: 2 };
    const r = reduceTicket(s, { type: 'tick', retryRequested: true, continueAsNewDue: false }, ctx);
    assert.equal(r.state.step, 'CONTROLLING');
    assert.equal(r.state.retries, 3);
    assert.equal(r.state.lastError, undefined);
  });

  test('what settles the step clears the attention', () => {
    const cases: [LifecycleStep, TicketInput, LifecycleStep][] = [
      ['AWAITING_INJECTION', { type: 'injected' }, 'INJECTED'],
      ['AWAITING_INJECTION', { type: 'feedback', tixngoStatus: 'INJECTED', version: 1 }, 'INJECTED'],
      ['CANCELLING', { type: 'cancelPushed', tixngoStatus: 'DELETION_PENDING' }, 'DELETION_PENDING'],
      ['CONTROLLING', { type: 'cancelPushed', tixngoStatus: 'DELETED' }, 'DELETED'],
      ['CONTROLLING', { type: 'controlPushed', tixngoStatus: 'CONTROLLED' }, 'CONTROLLED'],
      ['CONTROLLING', { type: 'feedback', tixngoStatus: 'CONTROLLED', version: 6 }, 'CONTROLLED'],
      ['DELETION_PENDING', { type: 'feedback', tixngoStatus: 'DELETED', version: 6 }, 'DELETED'],
      ['CANCELLING', { type: 'feedback', tixngoStatus: 'DELETION_PENDING', version: 6 }, 'DELETION_PENDING'],
      ['DELETION_PENDING', { type: 'deletionPolled', found: true, tixngoStatus: 'DELETED', version: 6 }, 'DELETED'],
      ['AWAITING_INJECTION', { type: 's360CancelApplied', status: 'CANCELLED' }, 'CANCELLED_BEFORE_INJECTION'],
      ['CONTROLLING', { type: 's360CancelApplied', status: 'CANCELLED' }, 'CANCELLING'],
      ['CONTROLLING', { type: 's360ControlApplied' }, 'CONTROLLING'],
    ];
    for (const [step, event, next] of cases) {
      const r = reduceTicket(FLAGGED[step], event, ctx);
      assert.deepEqual([r.state.step, r.state.needsAttention, r.state.lastError], [next, false, undefined], `${step} + ${event.type}`);
    }
  });

  test('what does not settle the step leaves the attention', () => {
    const cases: [TicketState, TicketInput][] = [
      [FLAGGED.CONTROLLING, { type: 'feedback', tixngoStatus: 'ASSIGNED', version: 6 }],
      [FLAGGED.CANCELLING, { type: 'controlPushed', tixngoStatus: 'CONTROLLED' }],
      [FLAGGED.DELETION_PENDING, { type: 'deletionPolled', found: true, tixngoStatus: 'DELETION_PENDING', version: 6 }],
      [FLAGGED.DELETION_PENDING, { type: 'deletionPollFailed', errorType: 'TixngoTransient' }],
      // Stale: not above the version last seen.
      [{ ...FLAGGED.AWAITING_INJECTION, tixngoVersion: 1 }, { type: 'feedback', tixngoStatus: 'INJECTED', version: 1 }],
    ];
    for (const [from, event] of cases) {
      const r = reduceTicket(from, event, ctx);
      assert.deepEqual([r.state.step, r.state.needsAttention, r.state.lastError], [from.step, true, from.lastError], `${from.step} + ${event.type}`);
    }
  });
});

describe('ticket reducer: the deletion wait', () => {
  const tick: TicketInput = { type: 'tick', retryRequested: false, continueAsNewDue: false };
  const waiting = (over: Partial<TicketState>) => reduceTicket({ ...HEALTHY.DELETION_PENDING, ...over }, tick, ctx);

  test('polls back off from the initial delay, capped by the maximum and by the time left', () => {
    const delays = [0, 1, 2, 3, 4, 30].map((deletionPolls) => waiting({ deletionPolls }).commands[1]);
    assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000, 8_000, 8_000].map((delayMs) => ({ kind: 'waitForDeletion', delayMs })));
    // 2.5 s left before the deadline: the wait ends at the deadline.
    assert.deepEqual(waiting({ deletionPolls: 3, deletionWaitStartedAt: iso(NOW - 3 * HOUR + 2_500) }).commands[1], { kind: 'waitForDeletion', delayMs: 2_500 });
    assert.deepEqual(waiting({ deletionWaitStartedAt: undefined, deletionPolls: 1 }).commands[1], { kind: 'waitForDeletion', delayMs: 2_000 }, 'no start: the wait starts now');
    const zero = reduceTicket(HEALTHY.DELETION_PENDING, tick, { ...ctx, timings: { ...ctx.timings, deletionPollInitialMs: 0 } });
    assert.deepEqual(zero.commands[1], { kind: 'waitForDeletion', delayMs: 1 }, 'never a zero timer');
  });

  test('at the deadline: needs attention, logged and recorded in S-360 as a push-cancelled error', () => {
    const started = NOW - 3 * HOUR;
    const r = waiting({ deletionWaitStartedAt: iso(started) });
    const message = 'TIXNGO has not confirmed the deletion of ticket 42 after 3 h (2 polls); still DELETION_PENDING';
    assert.equal(r.state.step, 'DELETION_PENDING');
    assert.deepEqual(r.state.lastError, { step: 'DELETION_PENDING', type: ERR_DELETION_NOT_CONFIRMED, message, at: iso(NOW) });
    assert.deepEqual(r.commands, [
      up(HEALTHY.DELETION_PENDING),
      up(HEALTHY.DELETION_PENDING, 'DELETION_PENDING', true),
      warn('DELETION_PENDING', ERR_DELETION_NOT_CONFIRMED),
      record('PUSH_CANCELLED', { type: ERR_DELETION_NOT_CONFIRMED, message, field: undefined }),
    ]);
    assert.equal(waiting({ deletionWaitStartedAt: iso(started + 1) }).state.needsAttention, false, 'one millisecond before');
  });

  test('a poll counts, refreshes updatedAt and reads TIXNGO; its answer moves the step', () => {
    const due = reduceTicket(HEALTHY.DELETION_PENDING, { type: 'deletionPollDue' }, ctx);
    assert.equal(due.state.deletionPolls, 3);
    const pending = reduceTicket(due.state, { type: 'deletionPolled', found: true, tixngoStatus: 'DELETION_PENDING', version: 6 }, ctx);
    assert.deepEqual([pending.state.step, pending.state.deletionPolls, pending.state.deletionWaitStartedAt], ['DELETION_PENDING', 3, iso(T0)], 'the wait goes on');
    const noStatus = reduceTicket(due.state, { type: 'deletionPolled', found: true }, ctx);
    assert.deepEqual(noStatus.state, due.state);
  });
});

describe('ticket reducer: deletions confirmed in bulk by the push run\'s waiter (deletionConfirmedBy)', () => {
  const WAITER = 'deletions-demo-17';
  const tick: TicketInput = { type: 'tick', retryRequested: false, continueAsNewDue: false };
  const bulk: TicketState = { ...HEALTHY.DELETION_PENDING, deletionPolls: 0, deletionConfirmedBy: WAITER };
  const pushed = (confirmedBy?: string): TicketInput => ({ type: 'cancelPushed', reason: 'REFUND', tixngoStatus: 'DELETION_PENDING', s360Status: 'CANCELLED', showDeletedTicket: true, ...(confirmedBy ? { confirmedBy } : {}) });

  // Each row: a state, an event, then the step, the waiter recorded, and the commands that matter.
  const table: { name: string; from: TicketState; event: TicketInput; step: LifecycleStep; confirmedBy: string | undefined; last?: TicketCommand; polls?: number; attention?: string }[] = [
    { name: 'a push run\'s cancelPushed names the waiter', from: HEALTHY.INJECTED, event: pushed(WAITER), step: 'DELETION_PENDING', confirmedBy: WAITER },
    { name: 'a cancelPushed without waiter (the ticket\'s own cancel) polls per ticket', from: HEALTHY.INJECTED, event: pushed(), step: 'DELETION_PENDING', confirmedBy: undefined },
    { name: 'its own re-push after a bulk one clears the waiter', from: bulk, event: pushed(), step: 'DELETION_PENDING', confirmedBy: undefined },
    { name: 'a later push run names its own waiter', from: bulk, event: pushed('deletions-demo-18'), step: 'DELETION_PENDING', confirmedBy: 'deletions-demo-18' },
    { name: 'tick: one timer until the deadline, no poll', from: bulk, event: tick, step: 'DELETION_PENDING', confirmedBy: WAITER, last: { kind: 'waitForDeletion', delayMs: HOUR } },
    { name: 'the deadline timer fires: nothing polled, nothing counted', from: bulk, event: { type: 'deletionPollDue' }, step: 'DELETION_PENDING', confirmedBy: WAITER, polls: 0 },
    {
      name: 'at the deadline: needs attention, naming the waiter',
      from: { ...bulk, deletionWaitStartedAt: iso(NOW - 3 * HOUR) },
      event: tick,
      step: 'DELETION_PENDING',
      confirmedBy: WAITER,
      attention: `TIXNGO has not confirmed the deletion of ticket 42 after 3 h (polled in bulk by ${WAITER}); still DELETION_PENDING`,
    },
    { name: 'the waiter signals DELETED: the ticket is done', from: bulk, event: { type: 'feedback', tixngoStatus: 'DELETED', version: 9 }, step: 'DELETED', confirmedBy: WAITER },
    { name: 'the waiter signals another status: still waiting for the deadline', from: bulk, event: { type: 'feedback', tixngoStatus: 'DOWNLOADED', version: 9 }, step: 'DELETION_PENDING', confirmedBy: WAITER },
    { name: 'a repeated signal (same version) changes nothing', from: { ...bulk, tixngoVersion: 9 }, event: { type: 'feedback', tixngoStatus: 'DELETED', version: 9 }, step: 'DELETION_PENDING', confirmedBy: WAITER },
    { name: 'a deletion seen first through feedback polls per ticket', from: HEALTHY.CANCELLING, event: { type: 'feedback', tixngoStatus: 'DELETION_PENDING', version: 9 }, step: 'DELETION_PENDING', confirmedBy: undefined },
  ];
  for (const row of table) {
    test(row.name, () => {
      const r = reduceTicket(row.from, row.event, ctx);
      assert.equal(r.state.step, row.step);
      assert.equal(r.state.deletionConfirmedBy, row.confirmedBy);
      assert.ok(!r.commands.some((c) => c.kind === 'pollDeletion'), 'a bulk-confirmed ticket never polls');
      if (row.last) assert.deepEqual(r.commands.at(-1), row.last);
      if (row.polls !== undefined) assert.equal(r.state.deletionPolls, row.polls);
      if (row.attention) {
        assert.deepEqual(r.state.lastError, { step: 'DELETION_PENDING', type: ERR_DELETION_NOT_CONFIRMED, message: row.attention, at: iso(NOW) });
        assert.deepEqual(r.commands.at(-1), record('PUSH_CANCELLED', { type: ERR_DELETION_NOT_CONFIRMED, message: row.attention, field: undefined }));
      } else assert.equal(r.state.needsAttention, false);
    });
  }

  test('a per-ticket wait still polls: the waiter is the only difference', () => {
    const own = reduceTicket({ ...bulk, deletionConfirmedBy: undefined }, { type: 'deletionPollDue' }, ctx);
    assert.deepEqual(own.commands, [{ kind: 'pollDeletion' }]);
    assert.equal(own.state.deletionPolls, 1);
  });

  test('after the deadline, retry re-sends the deletion from the workflow itself (per-ticket polling from then on)', () => {
    const late = reduceTicket({ ...bulk, deletionWaitStartedAt: iso(NOW - 3 * HOUR) }, tick, ctx).state;
    const retried = reduceTicket(late, { type: 'tick', retryRequested: true, continueAsNewDue: false }, ctx).state;
    assert.equal(retried.step, 'CANCELLING');
    const pushedAgain = reduceTicket(retried, { type: 'cancelPushed', reason: 'REFUND', tixngoStatus: 'DELETION_PENDING' }, ctx).state;
    assert.deepEqual([pushedAgain.step, pushedAgain.deletionConfirmedBy], ['DELETION_PENDING', undefined]);
  });

  test('a late DELETED from the waiter heals a ticket that needed attention at its deadline', () => {
    const late = reduceTicket({ ...bulk, deletionWaitStartedAt: iso(NOW - 3 * HOUR) }, tick, ctx).state;
    assert.equal(late.needsAttention, true);
    const healed = reduceTicket(late, { type: 'feedback', tixngoStatus: 'DELETED', version: 9 }, ctx).state;
    assert.deepEqual([healed.step, healed.needsAttention], ['DELETED', false]);
  });
});

describe('ticket reducer: what each transition records', () => {
  test('injected: PRINTED in S-360, INJECTED in TIXNGO unless feedback already told more', () => {
    const a = reduceTicket(HEALTHY.AWAITING_INJECTION, { type: 'injected' }, ctx).state;
    assert.deepEqual([a.s360Status, a.tixngoStatus], ['PRINTED', 'INJECTED']);
    const b = reduceTicket({ ...HEALTHY.AWAITING_INJECTION, tixngoStatus: 'DOWNLOADED' }, { type: 'injected' }, ctx).state;
    assert.equal(b.tixngoStatus, 'DOWNLOADED');
  });

  test('cancelPushed: the reason, the spectator flag and a fresh deletion wait', () => {
    // Polls left from an earlier wait (the deletion is re-sent after a retry) start again from zero.
    const s = reduceTicket({ ...HEALTHY.CANCELLING, deletionPolls: 4 }, { type: 'cancelPushed', reason: 'REPRINT', tixngoStatus: 'DELETION_PENDING', showDeletedTicket: false, s360Status: 'INVALIDATED' }, ctx).state;
    assert.deepEqual(
      [s.cancelReason, s.showDeletedTicket, s.s360Status, s.tixngoStatus, s.deletionPolls, s.deletionWaitStartedAt],
      ['REPRINT', false, 'INVALIDATED', 'DELETION_PENDING', 0, iso(NOW)],
    );
    const kept = reduceTicket(HEALTHY.CANCELLING, { type: 'cancelPushed', tixngoStatus: 'DELETION_PENDING' }, ctx).state;
    assert.equal(kept.s360Status, 'CANCELLED', 'no S-360 status in the push: unchanged');
    const deleted = reduceTicket({ ...HEALTHY.DELETION_PENDING, tixngoVersion: 9 }, { type: 'cancelPushed', tixngoStatus: 'DELETED' }, ctx).state;
    assert.deepEqual([deleted.step, deleted.tixngoStatus, deleted.tixngoVersion], ['DELETED', 'DELETED', 9], 'no version: applied whatever the last one');
  });

  test('controlPushed and s360ControlApplied: CONTROLLED in S-360', () => {
    const pushed = reduceTicket(HEALTHY.INJECTED, { type: 'controlPushed', tixngoStatus: 'CONTROLLED' }, ctx).state;
    assert.deepEqual([pushed.s360Status, pushed.tixngoStatus], ['CONTROLLED', 'CONTROLLED']);
    const applied = reduceTicket(HEALTHY.INJECTED, { type: 's360ControlApplied' }, ctx).state;
    assert.equal(applied.s360Status, 'CONTROLLED');
  });

  test('s360CancelApplied: the status, and the reason only for a ticket TIXNGO has', () => {
    const event: TicketInput = { type: 's360CancelApplied', reason: 'REFUND', status: 'INVALIDATED', showDeletedTicket: true };
    const never = reduceTicket(HEALTHY.AWAITING_INJECTION, event, ctx).state;
    assert.deepEqual([never.s360Status, never.cancelReason, never.showDeletedTicket], ['INVALIDATED', undefined, undefined]);
    const injected = reduceTicket(HEALTHY.INJECTED, event, ctx).state;
    assert.deepEqual([injected.s360Status, injected.cancelReason, injected.showDeletedTicket], ['INVALIDATED', 'REFUND', true]);
  });

  test('the deletion is sent with the spectator flag of the cancel', () => {
    const tick: TicketInput = { type: 'tick', retryRequested: false, continueAsNewDue: false };
    // Given (true or false), it is sent as is; absent, the activity applies the §3.3 rule.
    assert.deepEqual(reduceTicket({ ...HEALTHY.CANCELLING, showDeletedTicket: false }, tick, ctx).commands[1], { kind: 'pushCancel', showDeletedTicket: false });
    assert.deepEqual(reduceTicket({ ...HEALTHY.CANCELLING, showDeletedTicket: undefined }, tick, ctx).commands[1], { kind: 'pushCancel', showDeletedTicket: undefined });
  });

  test('a cancel request without status cancels; with one, passes it on', () => {
    const r = reduceTicket(HEALTHY.INJECTED, { type: 'cancel', status: 'INVALIDATED', reason: 'REPRINT' }, ctx);
    assert.deepEqual(r.commands, [{ kind: 'applyS360Cancel', reason: 'REPRINT', status: 'INVALIDATED', showDeletedTicket: undefined }]);
  });

  test('feedback about a ticket still awaiting its injection: TIXNGO has it, so S-360 printed it', () => {
    const s = reduceTicket(HEALTHY.AWAITING_INJECTION, { type: 'feedback', tixngoStatus: 'DOWNLOADED', version: 1 }, ctx).state;
    assert.deepEqual([s.step, s.s360Status, s.tixngoStatus, s.tixngoVersion], ['INJECTED', 'PRINTED', 'DOWNLOADED', 1]);
  });

  test('feedback keeps the highest version and ignores older ones', () => {
    const s = reduceTicket(HEALTHY.INJECTED, { type: 'feedback', tixngoStatus: 'ASSIGNED', version: 7 }, ctx).state;
    assert.deepEqual([s.tixngoStatus, s.tixngoVersion], ['ASSIGNED', 7]);
    const older = reduceTicket(s, { type: 'feedback', tixngoStatus: 'DOWNLOADED', version: 6 }, ctx).state;
    assert.deepEqual([older.tixngoStatus, older.tixngoVersion], ['ASSIGNED', 7]);
  });

  test('errors keep the field TIXNGO named, and the time', () => {
    const r = reduceTicket(HEALTHY.AWAITING_INJECTION, { type: 'pushRejected', push: 'inject', error: REJ }, ctx).state;
    assert.deepEqual(r.lastError, { step: 'AWAITING_INJECTION', ...REJ, at: iso(NOW) });
    const never = reduceTicket(HEALTHY.AWAITING_INJECTION, { type: 'control' }, ctx).state;
    assert.equal(never.lastError?.message, 'ticket 42 cannot be controlled in TIXNGO: it was never injected');
  });
});

describe('ticket reducer: a deletion S-360 did not ask for', () => {
  const tick = (retryRequested: boolean): TicketInput => ({ type: 'tick', retryRequested, continueAsNewDue: false });
  const deletedUnasked = (status: TixngoStatus, from: TicketState = HEALTHY.INJECTED) => reduceTicket(from, { type: 'feedback', tixngoStatus: status, version: 6 }, ctx).state;

  test('S-360 cancelled or invalidated it (its own push not yet seen): the deletion was asked for, it is followed', () => {
    for (const s360Status of ['CANCELLED', 'INVALIDATED'] as const) {
      const s = deletedUnasked('DELETED', { ...HEALTHY.CONTROLLED, s360Status });
      assert.deepEqual([s.step, s.needsAttention], ['DELETED', false], s360Status);
    }
  });

  test('the workflow keeps it open, with the TIXNGO status and the error naming the ticket and that status', () => {
    const s = deletedUnasked('DELETION_PENDING');
    assert.deepEqual([s.step, s.tixngoStatus, s.tixngoVersion, s.needsAttention], ['INJECTED', 'DELETION_PENDING', 6, true]);
    assert.deepEqual(s.lastError, { step: 'INJECTED', type: ERR_UNEXPECTED_DELETION, message: 'ticket 42 is DELETION_PENDING in TIXNGO, but S-360 did not cancel or invalidate it (PRINTED in S-360)', at: iso(NOW) });
    assert.equal(reduceTicket(s, tick(false), ctx).commands.at(-1)?.kind, 'wait', 'no deletion wait while a person has to look');
  });

  test('retry acknowledges: DELETED ends the workflow, DELETION_PENDING waits for DELETED', () => {
    const gone = deletedUnasked('DELETED');
    assert.deepEqual(ticketRetry(gone, '42'), { retried: true, step: 'INJECTED', message: 'acknowledging the deletion of ticket 42 in TIXNGO (DELETED)' });
    const acked = reduceTicket(gone, tick(true), ctx).state;
    assert.deepEqual([acked.step, acked.needsAttention, acked.lastError, acked.retries], ['DELETED', false, undefined, 1]);
    assert.deepEqual(reduceTicket(acked, tick(false), ctx).commands.at(-1), { kind: 'complete' });

    const pending = reduceTicket(deletedUnasked('DELETION_PENDING'), tick(true), ctx).state;
    assert.deepEqual([pending.step, pending.needsAttention, pending.deletionPolls, pending.deletionWaitStartedAt], ['DELETION_PENDING', false, 0, iso(NOW)]);
    assert.equal(reduceTicket(pending, tick(false), ctx).commands.at(-1)?.kind, 'waitForDeletion');
  });

  test('a later, live status (re-injected) clears the attention; a repeat of the deletion keeps it', () => {
    const s = deletedUnasked('DELETION_PENDING');
    const again = reduceTicket(s, { type: 'feedback', tixngoStatus: 'DELETED', version: 7 }, ctx).state;
    assert.deepEqual([again.step, again.tixngoStatus, again.needsAttention, again.lastError?.type], ['INJECTED', 'DELETED', true, ERR_UNEXPECTED_DELETION]);
    const live = reduceTicket(again, { type: 'feedback', tixngoStatus: 'INJECTED', version: 8 }, ctx).state;
    assert.deepEqual([live.step, live.tixngoStatus, live.needsAttention, live.lastError], ['INJECTED', 'INJECTED', false, undefined]);
    const stale = reduceTicket(again, { type: 'feedback', tixngoStatus: 'INJECTED', version: 5 }, ctx).state;
    assert.equal(stale.needsAttention, true, 'older than the deletion: ignored');
  });
});

describe('ticket reducer: histories from before issue #10 (legacyTransitions)', () => {
  const legacy: TicketContext = { ...ctx, legacyTransitions: true };

  test('an unasked deletion is followed quietly', () => {
    for (const step of LIVE) {
      const r = reduceTicket(HEALTHY[step], { type: 'feedback', tixngoStatus: 'DELETED', version: 6 }, legacy);
      assert.deepEqual([r.state.step, r.state.needsAttention, r.commands], ['DELETED', false, []], step);
    }
  });

  test('a ticket cancelled before its injection ends DELETED', () => {
    const r = reduceTicket(HEALTHY.AWAITING_INJECTION, { type: 's360CancelApplied', status: 'CANCELLED' }, legacy);
    assert.deepEqual([r.state.step, r.state.tixngoStatus], ['DELETED', undefined]);
  });

  test('the cancel\'s showDeletedTicket goes to the deletion as "Notify spectator"', () => {
    const r = reduceTicket({ ...HEALTHY.CANCELLING, showDeletedTicket: false }, { type: 'tick', retryRequested: false, continueAsNewDue: false }, legacy);
    assert.deepEqual(r.commands[1], { kind: 'pushCancel', notifySpectator: false });
  });
});

describe('ticket retry answer', () => {
  test('retries the failed step when the ticket needs attention, says why not otherwise', () => {
    assert.deepEqual(ticketRetry(FLAGGED.DELETION_PENDING, '42'), { retried: true, step: 'DELETION_PENDING', message: 'retrying DELETION_PENDING for ticket 42' });
    assert.deepEqual(ticketRetry(HEALTHY.INJECTED, '42'), { retried: false, step: 'INJECTED', message: 'nothing to retry: ticket 42 is INJECTED and does not need attention' });
    assert.equal(ticketRetry({ ...HEALTHY.INJECTED, needsAttention: true }, '42').retried, false, 'no error to retry');
  });

  test('a new ticket awaits its injection', () => {
    assert.deepEqual(initialTicketState(NOW), { step: 'AWAITING_INJECTION', needsAttention: false, deletionPolls: 0, retries: 0, updatedAt: iso(NOW) });
  });
});
