// The card lifecycle as a pure state machine, the ticket's (ticket-state.ts) with one step to make: injection.
// `reduceCard(state, event, ctx)` returns the next state and the commands the workflow runs, in order; no SDK,
// no clock, no I/O (tested in test/unit/privilege-state.test.ts). The command sequence is what recorded histories
// replay against: changing it needs `patched()` in the workflow.
import { ERR_NOT_ELIGIBLE } from '../common/errors';
import type { CardEvent, CardState, LifecycleError, RetryResult } from '../common/lifecycle';
import type { ItemError } from './ticket-state';

export interface CardContext {
  cardId: string;
  interfaceName: string;
  /** Workflow time of the transition, epoch milliseconds. */
  now: number;
}

export type CardInput =
  | CardEvent
  /** A person asked for a retry (signal or update) and the card is not injected yet. */
  | { type: 'retry' }
  /** Outcomes of the workflow's own injection of this card; success comes back as `injected`. */
  | { type: 'injectRejected'; error: ItemError }
  | { type: 'injectNotEligible' }
  | { type: 'injectFailed'; error: ItemError };

export type CardCommand =
  | { kind: 'upsertNeedsAttention'; value: boolean }
  | { kind: 'warn'; message: string; attrs: Record<string, string> }
  /** Inject this one card; feed `injected`, `injectRejected`, `injectNotEligible` or `injectFailed`. */
  | { kind: 'inject' };

export interface CardTransition {
  state: CardState;
  commands: CardCommand[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function initialCardState(now: number): CardState {
  return { step: 'AWAITING_INJECTION', needsAttention: false, retries: 0, updatedAt: iso(now) };
}

/** What `requestRetry` answers (and whether the `retry` signal does anything) in this state. */
export function cardRetry(state: CardState, cardId: string): RetryResult {
  if (!state.needsAttention) return { retried: false, message: `nothing to retry: card ${cardId} is ${state.step} and does not need attention` };
  return { retried: true, step: 'AWAITING_INJECTION', message: `retrying the injection of card ${cardId}` };
}

export function reduceCard(prev: CardState, event: CardInput, ctx: CardContext): CardTransition {
  const s: CardState = { ...prev };
  const commands: CardCommand[] = [];
  // An injected card has no later lifecycle in the interface: the workflow completes, nothing moves it back.
  if (s.step === 'INJECTED') return { state: s, commands };
  const now = iso(ctx.now);

  const attention = (err: Omit<LifecycleError, 'at'>) => {
    s.needsAttention = true;
    s.lastError = { ...err, at: now };
    s.updatedAt = now;
    commands.push({ kind: 'upsertNeedsAttention', value: true }, { kind: 'warn', message: 'card needs attention', attrs: { type: err.type } });
  };

  switch (event.type) {
    case 'injected':
      s.step = 'INJECTED';
      s.needsAttention = false;
      s.lastError = undefined;
      s.updatedAt = now;
      break;
    case 'injectionRejected':
      attention({ step: 'AWAITING_INJECTION', type: event.errorType, message: event.message, field: event.field });
      break;
    case 'retry':
      // lastError stays until the outcome replaces it: the state shows what is being retried.
      s.retries++;
      s.needsAttention = false;
      commands.push({ kind: 'upsertNeedsAttention', value: false }, { kind: 'inject' });
      break;
    case 'injectRejected':
    case 'injectFailed':
      attention({ step: 'AWAITING_INJECTION', type: event.error.type, message: event.error.message, field: event.error.field });
      break;
    case 'injectNotEligible':
      attention({ step: 'AWAITING_INJECTION', type: ERR_NOT_ELIGIBLE, message: `card ${ctx.cardId} is not NOT_PRINTED on interface ${ctx.interfaceName} in S-360` });
      break;
  }
  return { state: s, commands };
}
