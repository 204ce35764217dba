// Maps TIXNGO client errors onto Temporal failures the workflows' retry policies understand.
import { ApplicationFailure } from '@temporalio/activity';
import { ERR_CONFIG, ERR_TIXNGO_TRANSIENT } from '../common/errors';
import { TixngoConfigError, TixngoError } from '../tixngo/client';

/** Kinds worth retrying automatically; the others need a person (data, credentials, state). */
const RETRYABLE = new Set(['transient', 'rate-limited', 'bad-response']);

/**
 * Converts an error thrown while talking to TIXNGO into an ApplicationFailure: typed (common/errors.ts),
 * non-retryable for 4xx, with `nextRetryDelay` from Retry-After on 429. Messages never carry the API key
 * (the client guarantees it; nothing here adds request data).
 */
export function toFailure(err: unknown, context: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
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
