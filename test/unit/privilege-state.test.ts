// The card lifecycle reducer, without a server: every step (healthy, needing attention) × every event.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ERR_NOT_ELIGIBLE, ERR_TIXNGO_REJECTED } from '../../common/errors';
import type { CardState, CardStep } from '../../common/lifecycle';
import { cardRetry, initialCardState, reduceCard, type CardCommand, type CardContext, type CardInput } from '../../workflows/privilege-state';
import type { ItemError } from '../../workflows/ticket-state';

const iso = (ms: number) => new Date(ms).toISOString();
const T0 = Date.parse('2026-05-01T10:00:00.000Z');
const NOW = T0 + 60_000;
const ctx: CardContext = { cardId: '7', interfaceName: 'demo', now: NOW };

const EARLIER = { step: 'AWAITING_INJECTION' as const, type: ERR_TIXNGO_REJECTED, message: 'failed before', at: iso(T0) };
/** Each step a card can be in, as the table's rows name them. */
const STATES: Record<string, CardState> = {
  awaiting: { step: 'AWAITING_INJECTION', needsAttention: false, retries: 0, updatedAt: iso(T0) },
  'awaiting, needs attention': { step: 'AWAITING_INJECTION', needsAttention: true, lastError: EARLIER, retries: 1, updatedAt: iso(T0) },
  injected: { step: 'INJECTED', needsAttention: false, retries: 1, updatedAt: iso(T0) },
};

const REJ: ItemError = { type: ERR_TIXNGO_REJECTED, message: 'card 7: holder email is required', field: 'holder.email' };
const FAIL: ItemError = { type: 'Timeout', message: 'gave up after the retry bound', field: 'x' };
const NOT_ELIGIBLE = 'card 7 is not NOT_PRINTED on interface demo in S-360';

const EVENTS: Record<string, CardInput> = {
  injected: { type: 'injected' },
  injectionRejected: { type: 'injectionRejected', errorType: REJ.type, message: REJ.message, field: REJ.field },
  retry: { type: 'retry' },
  injectRejected: { type: 'injectRejected', error: REJ },
  injectNotEligible: { type: 'injectNotEligible' },
  injectFailed: { type: 'injectFailed', error: FAIL },
};

interface Expect {
  step: CardStep;
  needsAttention: boolean;
  /** The error after the event (undefined: none). */
  lastError?: Omit<NonNullable<CardState['lastError']>, 'at'> & { at?: string };
  commands: CardCommand[];
  retries: number;
  touched: boolean;
}

const flag: CardCommand[] = [{ kind: 'upsertNeedsAttention', value: true }];
const warn = (type: string): CardCommand => ({ kind: 'warn', message: 'card needs attention', attrs: { type } });
const raised = (retries: number, err: ItemError): Expect => ({
  step: 'AWAITING_INJECTION',
  needsAttention: true,
  lastError: { step: 'AWAITING_INJECTION', ...err, at: iso(NOW) },
  commands: [...flag, warn(err.type)],
  retries,
  touched: true,
});
const unchanged = (s: CardState): Expect => ({ step: s.step, needsAttention: s.needsAttention, lastError: s.lastError, commands: [], retries: s.retries, touched: false });
const retrying = (s: CardState): Expect => ({
  step: 'AWAITING_INJECTION',
  needsAttention: false,
  // The error stays until the injection's outcome replaces it.
  lastError: s.lastError,
  commands: [{ kind: 'upsertNeedsAttention', value: false }, { kind: 'inject' }],
  retries: s.retries + 1,
  touched: false,
});
const injected = (retries: number): Expect => ({ step: 'INJECTED', needsAttention: false, lastError: undefined, commands: [], retries, touched: true });

const TABLE: Record<string, Record<keyof typeof EVENTS, Expect>> = {
  awaiting: {
    injected: injected(0),
    injectionRejected: raised(0, REJ),
    retry: retrying(STATES.awaiting!),
    injectRejected: raised(0, REJ),
    injectNotEligible: raised(0, { type: ERR_NOT_ELIGIBLE, message: NOT_ELIGIBLE }),
    injectFailed: raised(0, FAIL),
  },
  'awaiting, needs attention': {
    injected: injected(1),
    injectionRejected: raised(1, REJ),
    retry: retrying(STATES['awaiting, needs attention']!),
    injectRejected: raised(1, REJ),
    injectNotEligible: raised(1, { type: ERR_NOT_ELIGIBLE, message: NOT_ELIGIBLE }),
    injectFailed: raised(1, FAIL),
  },
  // Injected is final: nothing moves the card back, nothing is published again.
  injected: Object.fromEntries(Object.keys(EVENTS).map((e) => [e, unchanged(STATES.injected!)])) as Record<keyof typeof EVENTS, Expect>,
};

describe('card reducer: every state × every event', () => {
  for (const [name, from] of Object.entries(STATES)) {
    test(name, () => {
      for (const [eventName, event] of Object.entries(EVENTS)) {
        const where = `${name} + ${eventName}`;
        const expect = TABLE[name]![eventName]!;
        const before = structuredClone(from);
        const { state, commands } = reduceCard(from, event, ctx);
        assert.deepEqual(from, before, `${where}: the reducer changed its input`);
        assert.equal(state.step, expect.step, `${where}: step`);
        assert.equal(state.needsAttention, expect.needsAttention, `${where}: needsAttention`);
        assert.deepEqual(state.lastError, expect.lastError, `${where}: lastError`);
        assert.deepEqual(commands, expect.commands, `${where}: commands`);
        assert.equal(state.retries, expect.retries, `${where}: retries`);
        assert.equal(state.updatedAt, expect.touched ? iso(NOW) : from.updatedAt, `${where}: updatedAt`);
      }
    });
  }
  test('the table covers every event type', () => {
    const all: CardInput['type'][] = ['injected', 'injectionRejected', 'retry', 'injectRejected', 'injectNotEligible', 'injectFailed'];
    assert.deepEqual(Object.values(EVENTS).map((e) => e.type).sort(), [...all].sort());
  });
});

describe('card retry answer', () => {
  test('retries the injection when the card needs attention, says why not otherwise', () => {
    assert.deepEqual(cardRetry(STATES['awaiting, needs attention']!, '7'), { retried: true, step: 'AWAITING_INJECTION', message: 'retrying the injection of card 7' });
    assert.deepEqual(cardRetry(STATES.awaiting!, '7'), { retried: false, message: 'nothing to retry: card 7 is AWAITING_INJECTION and does not need attention' });
    assert.deepEqual(cardRetry(STATES.injected!, '7'), { retried: false, message: 'nothing to retry: card 7 is INJECTED and does not need attention' });
  });

  test('a new card awaits its injection', () => {
    assert.deepEqual(initialCardState(NOW), { step: 'AWAITING_INJECTION', needsAttention: false, retries: 0, updatedAt: iso(NOW) });
  });
});
