// The deletion waiter: one per push-cancelled execution (id `deletions-<interface>-<executionId>`), started by the
// run once its batches are done. It confirms the run's deletions in bulk instead of every ticket workflow polling
// TIXNGO for itself: each round reads the run's tickets still not DELETED in S-360 (their PUSH_CANCELLED markers,
// page by page, so no ticket list goes through this history), asks TIXNGO for them with one `tickets/search` call
// per 1,000, signals only the ticket workflows whose TIXNGO status changed, and stores the statuses in S-360's mobile
// view as feedback would. Rounds follow the ticket workflows' backoff (deletionPollInitialMs, doubling up to
// deletionPollMaxMs); `wakeDeletionWaiter` (sent by feedback when it sees deletions) starts a round at once.
//
// It ends when every ticket is DELETED, or at deletionConfirmTimeoutMs after its start: each ticket workflow keeps
// its own deadline and needs attention by itself when it passes (the waiter reports them as never confirmed).
// Ops: query `getDeletionProgress` (pending / confirmed / never confirmed, rounds, TIXNGO calls).
import { condition, continueAsNew, setHandler } from '@temporalio/workflow';
import type { DeletionWaiterInput, DeletionWaiterProgress } from '../common/functions';
import { getDeletionProgressQuery, wakeDeletionWaiterSignal } from './messages';
import { activities, continueAsNewDue, nowIso } from './support';
import { LIFECYCLE_DEFAULTS } from './ticket-state';
import { checkInput } from './validate';

export async function deletionWaiter(input: DeletionWaiterInput): Promise<DeletionWaiterProgress> {
  checkInput('deletionWaiter', input);
  const { tixngo } = activities();
  const timings = { ...LIFECYCLE_DEFAULTS, ...input.lifecycleOptions };
  const progress: DeletionWaiterProgress = input.progress ?? {
    total: 0,
    pending: 0,
    confirmed: 0,
    neverConfirmed: 0,
    rounds: 0,
    tixngoCalls: 0,
    signalled: 0,
    startedAt: nowIso(),
    done: false,
  };
  let wake = false;
  setHandler(wakeDeletionWaiterSignal, () => void (wake = true));
  setHandler(getDeletionProgressQuery, () => progress);
  const deadline = Date.parse(progress.startedAt) + timings.deletionConfirmTimeoutMs;

  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      // Each ticket workflow has needed attention by itself at its own deadline; the waiter only reports them.
      progress.neverConfirmed = progress.pending;
      break;
    }
    const delay = Math.max(1, Math.min(timings.deletionPollInitialMs * 2 ** Math.min(progress.rounds, 20), timings.deletionPollMaxMs, remaining));
    progress.nextRoundAt = new Date(Date.now() + delay).toISOString();
    await condition(() => wake, delay);
    wake = false;
    progress.nextRoundAt = undefined;

    // One round: every pending ticket of the run, maxTicketsPerActivity per activity.
    let afterId: string | undefined;
    let pending = 0;
    for (;;) {
      const r = await tixngo.pollDeletions({ interfaceName: input.interfaceName, executionId: input.executionId, afterId, maxTickets: input.maxTicketsPerActivity, countTotal: afterId === undefined });
      if (r.total !== undefined) progress.total = r.total;
      pending += r.pending;
      progress.tixngoCalls += r.tixngoCalls;
      progress.signalled += r.signalled;
      afterId = r.lastId ?? afterId;
      if (r.done) break;
    }
    progress.rounds++;
    progress.pending = pending;
    progress.confirmed = Math.max(0, progress.total - pending);
    progress.lastRoundAt = nowIso();
    if (pending === 0) break;
    if (continueAsNewDue(input.lifecycleOptions?.maxHistoryEvents)) {
      return continueAsNew<typeof deletionWaiter>({ ...input, progress });
    }
  }
  progress.done = true;
  return progress;
}
