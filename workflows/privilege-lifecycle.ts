// One workflow per membership/season card (id `card-<cardId>`), same shape as the ticket lifecycle:
// the privileges-injection function injects cards in bulk and notifies these workflows; a card TIXNGO
// rejected waits in NEEDS ATTENTION for a fix and `retry`. A card has no later lifecycle in the
// interface (no feedback, cancel or control for privileges), so the workflow completes once INJECTED.
// The transitions are the pure reducer in privilege-state.ts; this function runs the commands it returns.
import { allHandlersFinished, condition, continueAsNew, setHandler, upsertSearchAttributes, log } from '@temporalio/workflow';
import { LifecycleStepKey, NeedsAttentionKey } from '../common/search-attributes';
import type { CardEvent, CardState, PrivilegeLifecycleInput } from '../common/lifecycle';
import { cardEventSignal, getCardStateQuery } from './messages';
import { cardRetry, initialCardState, reduceCard, type CardInput } from './privilege-state';
import { activities, continueAsNewDue, extractError, setRetryHandlers } from './support';
import { checkInput, checkedSignal } from './validate';

export async function privilegeLifecycle(input: PrivilegeLifecycleInput): Promise<CardState> {
  checkInput('privilegeLifecycle', input);
  const { cardId, interfaceName } = input;
  let state: CardState = input.state ?? initialCardState(Date.now());
  const inbox: CardEvent[] = [...(input.pendingEvents ?? [])];
  let retryRequested = false;
  const { tixngo } = activities();

  setHandler(cardEventSignal, checkedSignal<CardEvent>('cardEvent', (e) => void inbox.push(e)));
  setRetryHandlers(
    () => cardRetry(state, cardId),
    () => (retryRequested = true),
  );
  setHandler(getCardStateQuery, () => state);

  /** Applies one event and runs its commands in order. */
  async function dispatch(event: CardInput): Promise<void> {
    const t = reduceCard(state, event, { cardId, interfaceName, now: Date.now() });
    state = t.state;
    for (const c of t.commands) {
      switch (c.kind) {
        case 'upsertNeedsAttention':
          upsertSearchAttributes([{ key: NeedsAttentionKey, value: c.value }]);
          break;
        case 'warn':
          log.warn(c.message, { cardId, ...c.attrs });
          break;
        case 'inject':
          await dispatch(await injectOne());
          break;
      }
    }
  }

  async function injectOne(): Promise<CardInput> {
    try {
      const r = await tixngo.injectPrivilegeBatch({ interfaceName, itemIds: [cardId], limit: 1 });
      const rej = r.rejected[0];
      if (r.accepted.length) return { type: 'injected' };
      if (rej) return { type: 'injectRejected', error: { type: rej.type, message: rej.message, field: rej.field } };
      return { type: 'injectNotEligible' };
    } catch (err) {
      const x = extractError(err);
      return { type: 'injectFailed', error: { type: x.type, message: x.message, field: x.field } };
    }
  }

  // A function, not an inline comparison: TypeScript would otherwise narrow state.step inside the loop.
  const done = () => state.step === 'INJECTED';
  while (!done()) {
    await condition(() => inbox.length > 0 || retryRequested || continueAsNewDue(input.options?.maxHistoryEvents));
    while (inbox.length && !done()) await dispatch(inbox.shift()!);
    if (retryRequested && !done()) {
      retryRequested = false;
      await dispatch({ type: 'retry' });
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
