// Maps TIXNGO client errors and S-360 lookup errors onto Temporal failures the workflows' retry policies understand.
import { ApplicationFailure } from '@temporalio/activity';
import { ERR_CONFIG, ERR_INVALID_INPUT, ERR_NOT_FOUND, ERR_TIXNGO_TRANSIENT } from '../common/errors';
import { NotFoundError, ValidationError } from '../db/validation';
import { TixngoConfigError, TixngoError } from '../tixngo/errors';

/**
 * The non-retryable failure of an S-360 error that no retry can fix, else undefined: something asked for by name
 * that S-360 does not have (an unknown event code: NotFoundError), or a value the repository refuses
 * (ValidationError). Retried like an outage, they held the run (and its interface's execution lock) for the whole
 * retry bound; failing at once lets the run record its failure and release the lock in seconds.
 */
export function s360Failure(err: unknown): ApplicationFailure | undefined {
  if (err instanceof NotFoundError) return ApplicationFailure.create({ type: ERR_NOT_FOUND, message: err.message, nonRetryable: true });
  if (err instanceof ValidationError) return ApplicationFailure.create({ type: ERR_INVALID_INPUT, message: err.message, nonRetryable: true, details: [{ field: err.field }] });
  return undefined;
}

/** Applies s360Failure to whatever each activity of the group throws; the rest is rethrown as it is. */
export function withS360Failures<T extends object>(group: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(group)) {
    wrapped[name] =
      typeof fn === 'function'
        ? async (...args: unknown[]) => {
            try {
              return (await (fn as (...a: unknown[]) => Promise<unknown>).apply(group, args)) as unknown;
            } catch (err) {
              throw s360Failure(err) ?? err;
            }
          }
        : fn;
  }
  // Same keys, same signatures: only the errors thrown change.
  return wrapped as T;
}

/** Kinds worth retrying automatically; the others need a person (data, credentials, state). */
const RETRYABLE = new Set(['transient', 'rate-limited', 'bad-response']);

/**
 * Converts an error thrown while talking to TIXNGO into an ApplicationFailure: typed (common/errors.ts),
 * non-retryable for 4xx, with `nextRetryDelay` from Retry-After on 429. Messages never carry the API key
 * (the client guarantees it; nothing here adds request data).
 */
export function toFailure(err: unknown, context: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const s360 = s360Failure(err);
  if (s360) return s360;
  if (err instanceof TixngoError) {
    const first = err.itemErrors?.[0];
    return ApplicationFailure.create({
      type: err.errorType,
      message: `${context}: ${err.message}`,
      nonRetryable: !RETRYABLE.has(err.kind),
      nextRetryDelay: err.kind === 'rate-limited' && err.retryAfterMs !== undefined ? Math.max(err.retryAfterMs, 100) : undefined,
      details: first?.field ? [{ field: first.field }] : undefined,
    });
  }
  if (err instanceof TixngoConfigError) {
    return ApplicationFailure.create({ type: ERR_CONFIG, message: `${context}: ${err.message}`, nonRetryable: true });
  }
  const e = err as Error;
  return ApplicationFailure.create({ type: ERR_TIXNGO_TRANSIENT, message: `${context}: ${e?.message ?? String(err)}`, nonRetryable: false });
}
