// One workflow per membership/season card (id `card-<cardId>`), same shape as the ticket lifecycle:
// the privileges-injection function injects cards in bulk and notifies these workflows; a card TIXNGO
// rejected waits in NEEDS ATTENTION for a fix and `retry`. A card has no later lifecycle in the
// interface (no feedback, cancel or control for privileges), so the workflow completes once INJECTED.
import { allHandlersFinished, condition, continueAsNew, setHandler, upsertSearchAttributes, log } from '@temporalio/workflow';
import { ERR_NOT_ELIGIBLE } from '../common/errors';
import { LifecycleStepKey, NeedsAttentionKey } from '../common/search-attributes';
import type { CardEvent, CardState, LifecycleError, PrivilegeLifecycleInput, RetryResult } from '../common/lifecycle';
import { cardEventSignal, getCardStateQuery, requestRetryUpdate, retrySignal } from './messages';
import { activities, continueAsNewDue, extractError, nowIso } from './support';

export async function privilegeLifecycle(input: PrivilegeLifecycleInput): Promise<CardState> {
  const { cardId, interfaceName } = input;
  const state: CardState = input.state ?? { step: 'AWAITING_INJECTION', needsAttention: false, retries: 0, updatedAt: nowIso() };
  const inbox: CardEvent[] = [...(input.pendingEvents ?? [])];
  let retryRequested = false;
  const { tixngo } = activities();

  setHandler(cardEventSignal, (e) => void inbox.push(e));
  setHandler(retrySignal, () => {
    if (state.needsAttention) retryRequested = true;
  });
  setHandler(getCardStateQuery, () => state);
  setHandler(requestRetryUpdate, (): RetryResult => {
    if (!state.needsAttention) return { retried: false, message: `nothing to retry: card ${cardId} is ${state.step} and does not need attention` };
    retryRequested = true;
    return { retried: true, step: 'AWAITING_INJECTION', message: `retrying the injection of card ${cardId}` };
  });

  const attention = (err: Omit<LifecycleError, 'at'>) => {
    state.needsAttention = true;
    state.lastError = { ...err, at: nowIso() };
    state.updatedAt = nowIso();
    upsertSearchAttributes([{ key: NeedsAttentionKey, value: true }]);
    log.warn('card needs attention', { cardId, type: err.type });
  };
  const injected = () => {
    state.step = 'INJECTED';
    state.needsAttention = false;
    state.lastError = undefined;
    state.updatedAt = nowIso();
  };

  // A function, not an inline comparison: TypeScript would otherwise narrow state.step inside the loop.
  const done = () => state.step === 'INJECTED';
  while (!done()) {
    await condition(() => inbox.length > 0 || retryRequested || continueAsNewDue(input.options?.maxHistoryEvents));
    while (inbox.length && !done()) {
      const e = inbox.shift()!;
      if (e.type === 'injected') injected();
      else attention({ step: 'AWAITING_INJECTION', type: e.errorType, message: e.message, field: e.field });
    }
    if (retryRequested && !done()) {
      retryRequested = false;
      state.retries++;
      state.needsAttention = false;
      upsertSearchAttributes([{ key: NeedsAttentionKey, value: false }]);
      try {
        const r = await tixngo.injectPrivilegeBatch({ interfaceName, itemIds: [cardId], limit: 1 });
        const rej = r.rejected[0];
        if (r.accepted.length) injected();
        else if (rej) attention({ step: 'AWAITING_INJECTION', type: rej.type, message: rej.message, field: rej.field });
        else attention({ step: 'AWAITING_INJECTION', type: ERR_NOT_ELIGIBLE, message: `card ${cardId} is not NOT_PRINTED on interface ${interfaceName} in S-360` });
      } catch (err) {
        const x = extractError(err);
        attention({ step: 'AWAITING_INJECTION', type: x.type, message: x.message, field: x.field });
      }
    }
    if (!done() && continueAsNewDue(input.options?.maxHistoryEvents)) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof privilegeLifecycle>({ ...input, state, pendingEvents: inbox });
    }
  }
  upsertSearchAttributes([
    { key: LifecycleStepKey, value: 'INJECTED' },
    { key: NeedsAttentionKey, value: false },
  ]);
  await condition(allHandlersFinished);
  return state;
}
