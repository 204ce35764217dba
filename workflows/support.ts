// Pieces shared by the workflows: activity proxies with their retry policies, error extraction,
// the continue-as-new test hook and the lifecycles' retry handlers. Workflow-sandbox safe.
import { ActivityFailure, ApplicationFailure, TimeoutFailure, proxyActivities, setHandler, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/types';
import { NON_RETRYABLE_ERROR_TYPES } from '../common/errors';
import { fanoutTaskQueue } from '../common/ids';
import type { RetryResult } from '../common/lifecycle';
import { requestRetryUpdate, retrySignal } from './messages';
import { ERR_NOTHING_TO_RETRY } from '../common/errors';

/** S-360 database work: short, retried quickly. */
const dbOptions: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
};

/**
 * TIXNGO calls (with their S-360 writes). Transient errors and 429 retry with backoff (429 honours Retry-After
 * through nextRetryDelay); validation/auth errors are non-retryable. Bounded by schedule-to-close, after which the
 * failure surfaces (function: run error; ticket: needs attention).
 */
const tixngoOptions: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30s',
  scheduleToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
};

/**
 * The error e-mail of a run: a few quick attempts, then the workflow carries on without it (a failing SMTP server
 * never fails a function run).
 */
const notifyOptions: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
};

export function activities() {
  return {
    db: proxyActivities<Activities>(dbOptions),
    tixngo: proxyActivities<Activities>(tixngoOptions),
    notify: proxyActivities<Activities>(notifyOptions),
    /** Starting/signalling ticket workflows runs on its own task queue so it never takes the injection's slots. */
    fanout: proxyActivities<Activities>({
      taskQueue: fanoutTaskQueue(workflowInfo().taskQueue),
      startToCloseTimeout: '15 minutes',
      heartbeatTimeout: '30s',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
    }),
  };
}

export interface ExtractedError {
  type: string;
  message: string;
  nonRetryable: boolean;
  field?: string;
}

/** The business error behind an activity failure (type from common/errors.ts, message without secrets). */
export function extractError(err: unknown): ExtractedError {
  let e: unknown = err;
  if (e instanceof ActivityFailure && e.cause) e = e.cause;
  if (e instanceof ApplicationFailure) {
    const details = e.details?.[0] as { field?: string } | undefined;
    return { type: e.type ?? 'Error', message: e.message, nonRetryable: e.nonRetryable === true, field: details?.field };
  }
  if (e instanceof TimeoutFailure) {
    const last = e.cause ? extractError(e.cause) : undefined;
    return { type: 'Timeout', message: `gave up after the retry bound${last ? `: ${last.message}` : ''}`, nonRetryable: false };
  }
  if (e instanceof Error) return { type: e.name, message: e.message, nonRetryable: false };
  return { type: 'Error', message: String(e), nonRetryable: false };
}

/** Whether the run should continue as new now (Temporal's suggestion, or a test-only lower bound). */
export function continueAsNewDue(maxHistoryEvents?: number): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= (maxHistoryEvents ?? 5_000);
}

/**
 * The one retry path of a ticket or card workflow: the `retry` signal and the `requestRetry` update run the same
 * code. `decide` says what a retry would do in the current state; `request` wakes the workflow to do it.
 * The update's validator refuses when there is nothing to retry, so a refused update leaves no event in history;
 * the `retried: false` answer remains for the signal, which has no validator.
 */
export function setRetryHandlers(decide: () => RetryResult, request: () => void): void {
  const retry = (): RetryResult => {
    const r = decide();
    if (r.retried) request();
    return r;
  };
  setHandler(retrySignal, () => void retry());
  setHandler(requestRetryUpdate, retry, {
    validator: () => {
      const r = decide();
      if (!r.retried) throw ApplicationFailure.create({ type: ERR_NOTHING_TO_RETRY, message: r.message, details: [r], nonRetryable: true });
    },
  });
}

export const nowIso = (): string => new Date().toISOString();
