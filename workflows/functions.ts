// The five interface functions, as S-360 starts them (one run at a time per function and interface).
//
// Shape: "function workflows batch, ticket workflows follow" (DESIGN-NOTES). Each batch is ONE activity that
// selects a page in S-360, makes ONE bulk TIXNGO call and records the outcome in ONE S-360 transaction (so the
// tickets are PRINTED as soon as TIXNGO accepted them). Notifying the ticket workflows of a batch (start or
// signal-with-start, bounded concurrency, own task queue) is scheduled without waiting, so it overlaps the next
// batches instead of delaying them; for injection, the ticket workflows of accepted tickets are created only once
// the batches are done, by a child workflow (see injectTickets and workflows/fanout.ts): on two cores, creating
// thousands of workflows next to the injection slowed it several-fold (docs/benchmarks.md). A ticket that fails is recorded (S-360 error log + its workflow in needs attention)
// while the rest of its batch proceeds; the run then ends with outcome ERROR, as S-360 does, until it is fixed.
import {
  ApplicationFailure,
  ContinueAsNew,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  setHandler,
  startChild,
  workflowInfo,
  log,
} from '@temporalio/workflow';
import { deletionWaiterWorkflowId, injectionFanoutWorkflowId } from '../common/ids';
import { InterfaceNameKey } from '../common/search-attributes';
import { deletionWaiter } from './deletion-waiter';
import { injectionFanout } from './fanout';
import type { BatchResultBase, InterfaceInfo, NotifyRunOutcomeInput } from '../activities/types';
import type { InterfaceFunction, ExecutionOutcome } from '../common/domain';
import { ERR_KILL_RATIO } from '../common/errors';
import type { FunctionCounts, FunctionProgress, FunctionRunInput, FunctionRunSummary } from '../common/functions';
import type { TicketEvent } from '../common/lifecycle';
import { getProgressQuery } from './messages';
import { activities, continueAsNewDue, extractError, nowIso } from './support';
import { checkInput } from './validate';

const MAX_REPORTED_FAILURES = 100;

type Acts = ReturnType<typeof activities>;

/**
 * Patch id of the deferred injection fan-out: the injection's batches no longer notify the ticket workflows of
 * accepted tickets as they go; one child workflow (injectionFanout) starts them once the batches are done.
 * Histories recorded before it replay with the per-batch notifications.
 */
export const DEFERRED_FANOUT_PATCH = 'deferred-injection-fanout';

/** Patch id of the error e-mail at the end of a run (histories recorded before it replay without the activity). */
export const NOTIFY_RUN_OUTCOME_PATCH = 'notify-run-outcome';

/**
 * Patch id of silent simulations: a run in simulation mode notifies no ticket or card workflow (its rejections are
 * what the call would refuse, not facts about the tickets). Histories recorded before it replay with the notifications.
 */
export const SILENT_SIMULATION_PATCH = 'simulation-notifies-no-workflow';

/** Whether this run is a simulation whose batches must not notify ticket or card workflows. */
function silentSimulation(input: FunctionRunInput): boolean {
  return input.params?.simulationMode === true && patched(SILENT_SIMULATION_PATCH);
}

/**
 * Patch id of the run's outcome counting the open errors of its ticket workflows (finishExecution returns the
 * outcome it recorded). Histories recorded before it replay with the outcome of the run's own items.
 */
export const OPEN_WORKFLOW_ERRORS_PATCH = 'open-workflow-errors';

/** E-mails the interface's recipients about a run that needs a person; a failure is logged, never rethrown. */
async function notifyRunOutcome(acts: Acts, input: NotifyRunOutcomeInput): Promise<void> {
  if (!patched(NOTIFY_RUN_OUTCOME_PATCH)) return;
  try {
    await acts.notify.notifyRunOutcome(input);
  } catch (err) {
    log.warn('run outcome e-mail not sent; the run goes on', { fn: input.fn, outcome: input.outcome, error: extractError(err).message });
  }
}

interface BatchContext {
  acts: Acts;
  iface: InterfaceInfo;
  input: FunctionRunInput;
  afterId?: string;
  limit: number;
  executionId: string;
  /** Schedule follow-up work (ticket notifications) without waiting for it. */
  background(p: Promise<unknown>): void;
}

type BatchStep = (ctx: BatchContext) => Promise<{ res: BatchResultBase; succeeded: number }>;

interface AfterBatchesContext {
  iface: InterfaceInfo;
  input: FunctionRunInput;
  executionId: string;
  counts: FunctionCounts;
}
/** The follow-up workflows a run started after its batches, named in its summary. */
type FollowUp = Pick<FunctionRunSummary, 'lifecycleFanoutWorkflowId' | 'deletionWaiterWorkflowId'>;
/** Work after the batches, on success and on failure (the tickets a failed run did inject still need it). */
type AfterBatches = (ctx: AfterBatchesContext) => Promise<FollowUp | undefined>;

function emptyCounts(): FunctionCounts {
  return { processed: 0, succeeded: 0, failed: 0, skipped: 0, batches: 0, tixngoCalls: 0 };
}

async function runFunction(fn: InterfaceFunction, input: FunctionRunInput, step: BatchStep, afterBatches?: AfterBatches): Promise<FunctionRunSummary> {
  const acts = activities();
  const progress: FunctionProgress = input.progress ?? { counts: emptyCounts(), failures: [], startedAt: nowIso() };
  setHandler(getProgressQuery, () => progress.counts);

  let iface: InterfaceInfo;
  try {
    iface = await acts.db.resolveInterface(input.interfaceName);
  } catch (err) {
    const x = extractError(err);
    throw ApplicationFailure.create({ type: x.type, message: `${fn}: ${x.message}`, nonRetryable: true });
  }
  const limit = input.batchSize ?? iface.batchSizes[fn];
  const info = workflowInfo();
  progress.executionId ??= await acts.db.startExecution({ interfaceName: iface.name, fn, workflowId: info.workflowId, runId: info.runId });
  const executionId = progress.executionId;

  const pending: Promise<unknown>[] = [];
  const background = (p: Promise<unknown>) => {
    pending.push(
      p.catch((err) => {
        // Notifications retry without limit; reaching here means the run is being torn down.
        log.error('background step failed', { fn, error: extractError(err).message });
      }),
    );
  };

  try {
    for (;;) {
      const { res, succeeded } = await step({ acts, iface, input, afterId: progress.afterId, limit, executionId, background });
      const c = progress.counts;
      c.processed += res.selected;
      c.succeeded += succeeded;
      c.failed += res.rejected.length;
      c.skipped += res.skipped;
      if (res.unknown !== undefined) c.unknown = (c.unknown ?? 0) + res.unknown;
      if (res.waiting) c.waiting = (c.waiting ?? 0) + res.waiting;
      c.batches += 1;
      c.tixngoCalls += res.tixngoCalls;
      for (const f of res.rejected) {
        if (progress.failures.length < MAX_REPORTED_FAILURES) progress.failures.push({ itemId: f.itemId, type: f.type, message: f.message, field: f.field });
      }
      if (res.lastId !== undefined) progress.afterId = res.lastId;
      // killRatio (§4): stop a run whose failure ratio shows that something is wrong for everybody.
      if (iface.killRatio !== undefined && c.processed > 0 && c.failed / c.processed > iface.killRatio) {
        throw ApplicationFailure.create({
          type: ERR_KILL_RATIO,
          message: `${c.failed} of ${c.processed} tickets failed, above killRatio ${iface.killRatio}`,
          nonRetryable: true,
        });
      }
      if (res.done) break;
      if (continueAsNewDue(input.options?.maxHistoryEvents)) {
        await Promise.all(pending);
        await condition(allHandlersFinished);
        return await continueAsNew<(i: FunctionRunInput) => Promise<FunctionRunSummary>>({ ...input, progress });
      }
    }
    await Promise.all(pending);
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err; // not a failure: the run goes on in the next execution
    const x = extractError(err);
    await acts.db.finishExecution({ executionId, outcome: 'ERROR', counts: progress.counts, error: x.message });
    await afterBatches?.({ iface, input, executionId, counts: progress.counts });
    const message = `${fn} on interface ${iface.name} stopped after ${progress.counts.succeeded} succeeded: ${x.message}`;
    await notifyRunOutcome(acts, { ...notifyKey(), interfaceName: iface.name, fn, executionId, outcome: 'FAILED', counts: progress.counts, eventCode: input.eventCode, error: message });
    throw ApplicationFailure.create({ type: x.type, message, nonRetryable: true });
  }

  const c = progress.counts;
  const ownOutcome: ExecutionOutcome = c.failed > 0 ? 'ERROR' : c.skipped > 0 ? 'WARNING' : 'OK';
  // The function also answers for the open errors its ticket workflows recorded (§3.0: it keeps reporting an error
  // until they are fixed or skipped); the activity counts them. Histories recorded before replay without the marker.
  const withOpenErrors = patched(OPEN_WORKFLOW_ERRORS_PATCH);
  const finished = await acts.db.finishExecution({
    executionId,
    outcome: ownOutcome,
    counts: c,
    ...(withOpenErrors ? { openErrors: { interfaceName: iface.name, fn, eventCode: input.eventCode, skipTickets: input.params?.skipTickets } } : {}),
  });
  const outcome: ExecutionOutcome = withOpenErrors && finished ? finished.outcome : ownOutcome;
  const followUp = await afterBatches?.({ iface, input, executionId, counts: c });
  if (outcome !== 'OK') await notifyRunOutcome(acts, { ...notifyKey(), interfaceName: iface.name, fn, executionId, outcome, counts: c, eventCode: input.eventCode });
  await condition(allHandlersFinished);
  return {
    function: fn,
    interfaceName: iface.name,
    eventCode: input.eventCode,
    outcome,
    ...c,
    durationMs: Date.now() - Date.parse(progress.startedAt),
    failures: progress.failures,
    ...followUp,
  };
}

/** The idempotency key of a run's e-mail: the workflow and the first run of its chain (the execution row's run). */
function notifyKey(): { workflowId: string; runId: string } {
  const info = workflowInfo();
  return { workflowId: info.workflowId, runId: info.firstExecutionRunId };
}

function notifyTickets(ctx: BatchContext, items: { ticketId: string; eventCode: string; event: TicketEvent }[]) {
  if (items.length === 0 || silentSimulation(ctx.input)) return;
  ctx.background(ctx.acts.fanout.notifyTicketWorkflows({ interfaceName: ctx.iface.name, items, lifecycleOptions: ctx.input.options?.lifecycle }));
}

/**
 * Starts the child that creates the ticket workflows of the tickets this execution injected (ABANDON: the run
 * does not wait for it). Returns its workflow id, or undefined when nothing was injected.
 */
async function startInjectionFanout(ctx: AfterBatchesContext): Promise<FollowUp | undefined> {
  if (ctx.counts.succeeded === 0) return undefined;
  const workflowId = injectionFanoutWorkflowId(ctx.iface.name, ctx.executionId);
  try {
    await startChild(injectionFanout, {
      workflowId,
      args: [{ interfaceName: ctx.iface.name, executionId: ctx.executionId, lifecycleOptions: ctx.input.options?.lifecycle }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    // Already started (same execution): it does the work. Anything else is logged; the run's outcome stands.
    log.warn('injection fan-out not started', { workflowId, error: extractError(err).message });
  }
  return { lifecycleFanoutWorkflowId: workflowId };
}

/**
 * Patch id of the bulk deletion confirmation: a push-cancelled run tells its ticket workflows that its deletion waiter
 * (workflows/deletion-waiter.ts, a child with parent-close ABANDON) confirms their deletions, and starts that waiter
 * after its batches. Histories recorded before it replay with the tickets polling TIXNGO themselves.
 */
export const BULK_DELETION_PATCH = 'bulk-deletion-confirmation';

/** Patch id of feedback waking the deletion waiters of its interface when a page shows deletions. */
export const FEEDBACK_WAKES_WAITERS_PATCH = 'feedback-wakes-deletion-waiters';

/** Starts the deletion waiter of a push-cancelled execution (ABANDON: the run does not wait for it). */
async function startDeletionWaiter(ctx: AfterBatchesContext): Promise<FollowUp | undefined> {
  if (ctx.counts.succeeded === 0) return undefined;
  const workflowId = deletionWaiterWorkflowId(ctx.iface.name, ctx.executionId);
  try {
    await startChild(deletionWaiter, {
      workflowId,
      args: [{ interfaceName: ctx.iface.name, executionId: ctx.executionId, lifecycleOptions: ctx.input.options?.lifecycle }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [{ key: InterfaceNameKey, value: ctx.iface.name }],
    });
  } catch (err) {
    log.warn('deletion waiter not started', { workflowId, error: extractError(err).message });
  }
  return { deletionWaiterWorkflowId: workflowId };
}

/** Tickets injection: NOT_PRINTED tickets of the interface -> TIXNGO INJECTED, S-360 PRINTED + processed. */
export async function injectTickets(input: FunctionRunInput): Promise<FunctionRunSummary> {
  checkInput('injectTickets', input);
  // Ticket workflows of accepted tickets: after the batches (child workflow), so that creating them never slows
  // the injection; rejected tickets are notified at once (their workflow shows NEEDS ATTENTION).
  const deferred = patched(DEFERRED_FANOUT_PATCH);
  return runFunction(
    'INJECTION',
    input,
    async (ctx) => {
      const res = await ctx.acts.tixngo.injectTicketBatch({
        interfaceName: ctx.iface.name,
        eventCode: ctx.input.eventCode,
        afterId: ctx.afterId,
        limit: ctx.limit,
        executionId: ctx.executionId,
        params: ctx.input.params,
        ...(deferred ? { countAcceptedOnly: true } : {}),
      });
      notifyTickets(ctx, [
        ...(deferred ? [] : res.accepted.map((a) => ({ ticketId: a.ticketId, eventCode: a.eventCode, event: { type: 'injected' } as const }))),
        ...res.rejected.map((r) => ({ ticketId: r.itemId, eventCode: r.eventCode, event: { type: 'injectionRejected', errorType: r.type, message: r.message, field: r.field } as const })),
      ]);
      return { res, succeeded: res.acceptedCount ?? res.accepted.length };
    },
    deferred ? startInjectionFanout : undefined,
  );
}

/** Push cancelled: cancelled/invalidated, injected tickets -> TIXNGO DELETION_PENDING (then DELETED). */
export async function pushCancelled(input: FunctionRunInput): Promise<FunctionRunSummary> {
  checkInput('pushCancelled', input);
  // Deletions confirmed in bulk by the run's waiter, not by each ticket workflow polling TIXNGO (issue #13).
  const bulk = patched(BULK_DELETION_PATCH);
  return runFunction(
    'PUSH_CANCELLED',
    input,
    async (ctx) => {
    const res = await ctx.acts.tixngo.pushCancelledBatch({
      interfaceName: ctx.iface.name,
      eventCode: ctx.input.eventCode,
      afterId: ctx.afterId,
      limit: ctx.limit,
      executionId: ctx.executionId,
      notifySpectator: ctx.input.notifySpectator,
      params: ctx.input.params,
    });
    notifyTickets(ctx, [
      ...res.pushed.map((p) => ({
        ticketId: p.ticketId,
        eventCode: p.eventCode,
        event: {
          type: 'cancelPushed',
          reason: p.reason,
          tixngoStatus: p.tixngoStatus,
          showDeletedTicket: p.showDeletedTicket,
          s360Status: p.s360Status,
          ...(bulk ? { confirmedBy: deletionWaiterWorkflowId(ctx.iface.name, ctx.executionId) } : {}),
        } as const,
      })),
      ...res.rejected.map((r) => ({ ticketId: r.itemId, eventCode: r.eventCode, event: { type: 'cancelRejected', errorType: r.type, message: r.message } as const })),
    ]);
    return { res, succeeded: res.pushed.length };
    },
    bulk ? startDeletionWaiter : undefined,
  );
}

/** Push controlled: tickets controlled at S-360 access control -> TIXNGO CONTROLLED. */
export async function pushControlled(input: FunctionRunInput): Promise<FunctionRunSummary> {
  checkInput('pushControlled', input);
  return runFunction('PUSH_CONTROLLED', input, async (ctx) => {
    const res = await ctx.acts.tixngo.pushControlledBatch({ interfaceName: ctx.iface.name, eventCode: ctx.input.eventCode, afterId: ctx.afterId, limit: ctx.limit, executionId: ctx.executionId, params: ctx.input.params });
    notifyTickets(ctx, [
      ...res.pushed.map((p) => ({ ticketId: p.ticketId, eventCode: p.eventCode, event: { type: 'controlPushed', tixngoStatus: p.tixngoStatus } as const })),
      ...res.rejected.map((r) => ({ ticketId: r.itemId, eventCode: r.eventCode, event: { type: 'controlRejected', errorType: r.type, message: r.message } as const })),
    ]);
    return { res, succeeded: res.pushed.length };
  });
}

/**
 * Feedback: pages the TIXNGO diff feed from the stored cursor; each page and the next cursor are written in one
 * S-360 transaction (by the activity), so a crash re-reads at most one page and writes no duplicate history.
 * Its workflow id (`feedback-<interface>`) makes a second concurrent run impossible.
 */
export async function feedbackSync(input: FunctionRunInput): Promise<FunctionRunSummary> {
  checkInput('feedbackSync', input);
  let pages = input.progress?.counts.batches ?? 0;
  // Deletions seen: the push runs' deletion waiters poll at once instead of at their next backoff step (once per run).
  let wakeWaiters = patched(FEEDBACK_WAKES_WAITERS_PATCH);
  return runFunction('FEEDBACK', input, async (ctx) => {
    const page = await ctx.acts.tixngo.syncFeedbackPage({ interfaceName: ctx.iface.name, limit: ctx.limit, params: ctx.input.params, executionId: ctx.executionId });
    pages++;
    notifyTickets(
      ctx,
      page.changed.map((c) => ({ ticketId: c.ticketId, eventCode: c.eventCode, event: { type: 'feedback', tixngoStatus: c.tixngoStatus, version: c.version } as const })),
    );
    if (wakeWaiters && page.changed.some((c) => c.tixngoStatus === 'DELETED' || c.tixngoStatus === 'DELETION_PENDING')) {
      wakeWaiters = false;
      ctx.background(ctx.acts.db.wakeDeletionWaiters({ interfaceName: ctx.iface.name }));
    }
    // Skipped (a WARNING): the skip list, and tickets stored with a status S-360 does not know (each has an open
    // error). Tickets S-360 does not know are counted apart and leave the outcome alone: the feed is organiser-wide.
    // A result recorded before `skipped` was returned counted the skip list in `unknown`, and is read as it was.
    const unknownStatus = Object.values(page.unknownStatuses ?? {}).reduce((a, b) => a + b, 0);
    const skipped = page.skipped === undefined ? page.unknown : page.skipped + unknownStatus;
    const unknown = page.skipped === undefined ? 0 : page.unknown;
    const res: BatchResultBase = {
      selected: page.received,
      rejected: page.rejected ?? [],
      skipped,
      unknown,
      done: !page.hasMore || (ctx.input.maxPages !== undefined && pages >= ctx.input.maxPages),
      tixngoCalls: page.tixngoCalls,
    };
    return { res, succeeded: page.received - skipped - unknown - res.rejected.length };
  });
}

/** Privileges injection: NOT_PRINTED membership/season cards -> TIXNGO privilege instances INJECTED, card PRINTED. */
export async function injectPrivileges(input: FunctionRunInput): Promise<FunctionRunSummary> {
  checkInput('injectPrivileges', input);
  return runFunction('PRIVILEGES_INJECTION', input, async (ctx) => {
    const res = await ctx.acts.tixngo.injectPrivilegeBatch({ interfaceName: ctx.iface.name, afterId: ctx.afterId, limit: ctx.limit, executionId: ctx.executionId, params: ctx.input.params });
    const items = [
      ...res.accepted.map((a) => ({ cardId: a.cardId, productCode: a.productCode, event: { type: 'injected' } as const })),
      ...res.rejected.map((r) => ({ cardId: r.itemId, productCode: r.eventCode, event: { type: 'injectionRejected', errorType: r.type, message: r.message, field: r.field } as const })),
    ];
    if (items.length && !silentSimulation(ctx.input)) ctx.background(ctx.acts.fanout.notifyCardWorkflows({ interfaceName: ctx.iface.name, items }));
    return { res, succeeded: res.accepted.length };
  });
}
