// The request checks and result bookkeeping of the TIXNGO client's calls: contract checks before sending,
// splitting a bulk call into what is sent and what is refused locally, and the per-item summary.
import type { Response } from 'node-fetch';
import type { z } from 'zod';
import { MAX_BATCH_ITEMS, ORGANIZER_PATHS, formatIssues, issuesToItemErrors, type Endpoints, type Operation } from './contract';
import { TixngoError } from './errors';

export interface BulkResult<R> {
  /** One result per input item, in input order. */
  results: R[];
  accepted: number;
  rejected: number;
}

export function pathTemplate(op: Operation, endpoints: Endpoints): string {
  const base = new URL(endpoints.organizerBase).pathname;
  return `${base}${ORGANIZER_PATHS[op]}`;
}

/** Names the target's host only: a Location's path or query may carry tokens. */
export function redirectError(op: Operation, label: string, res: Response): TixngoError {
  const location = res.headers.get('location');
  let target = 'no usable Location';
  if (location) {
    try {
      target = `to host ${new URL(location, res.url).host}`;
    } catch {
      // unparseable Location: say so, without echoing it
    }
  }
  return new TixngoError(
    'redirect',
    `${label}: HTTP ${res.status} redirect ${target} refused (redirects are not followed: the interface URL must be the API's final address)`,
    { operation: op, httpStatus: res.status },
  );
}

export function cancelled(signal: AbortSignal, label: string): Error {
  // Temporal sets the reason to a CancelledFailure: rethrow it so the activity reports a cancellation.
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new TixngoError('transient', `${label}: cancelled by the caller`);
}

export function snippet(text: string, max = 300): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function idOf(item: unknown, key: string, index: number): string {
  if (isRecord(item) && typeof item[key] === 'string' && item[key] !== '') return item[key];
  return `#${index}`;
}

export function checkBatchSize(operation: string, n: number): void {
  if (n > MAX_BATCH_ITEMS) {
    throw new TixngoError('rejected', `${operation}: ${n} items in one call, at most ${MAX_BATCH_ITEMS} are allowed; split the batch`, { operation });
  }
}

export function validateRequest<S extends z.ZodType>(operation: string, schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new TixngoError('rejected', `${operation}: invalid request: ${formatIssues(r.error)}`, {
      operation,
      itemErrors: issuesToItemErrors(r.error),
    });
  }
  return r.data;
}

export function partition<S extends z.ZodType, R>(
  items: readonly unknown[],
  schema: S,
  id: (item: unknown, index: number) => string,
  reject: (id: string, errors: { field?: string; message: string }[]) => R,
): { toSend: { index: number; value: z.output<S> }[]; results: (R | undefined)[] } {
  const toSend: { index: number; value: z.output<S> }[] = [];
  const results: (R | undefined)[] = new Array<R | undefined>(items.length);
  items.forEach((item, index) => {
    const r = schema.safeParse(item);
    if (r.success) toSend.push({ index, value: r.data });
    else results[index] = reject(id(item, index), issuesToItemErrors(r.error));
  });
  return { toSend, results };
}

export function checkResultOrder(operation: string, sent: readonly string[], got: readonly string[]): void {
  if (sent.length !== got.length) {
    throw new TixngoError('bad-response', `TIXNGO ${operation}: response does not match the contract: results: expected ${sent.length} results (one per item), got ${got.length}`, {
      operation,
    });
  }
  for (let i = 0; i < sent.length; i++) {
    if (sent[i] !== got[i]) {
      throw new TixngoError('bad-response', `TIXNGO ${operation}: response does not match the contract: results.${i}: expected the result of ${sent[i]}, got ${got[i]}`, {
        operation,
      });
    }
  }
}

export function summarize<R extends { outcome: 'ACCEPTED' | 'REJECTED' }>(results: R[]): BulkResult<R> {
  let accepted = 0;
  for (const r of results) if (r.outcome === 'ACCEPTED') accepted++;
  return { results, accepted, rejected: results.length - accepted };
}
