// Errors of the TIXNGO client: a `kind` that says what a caller can do about a failed call, mapped to the
// error type constants of common/errors.ts. They carry no request data, headers or credentials.
import {
  ERR_CONFIG,
  ERR_TIXNGO_BAD_RESPONSE,
  ERR_TIXNGO_CONFLICT,
  ERR_TIXNGO_NOT_FOUND,
  ERR_TIXNGO_RATE_LIMITED,
  ERR_TIXNGO_REJECTED,
  ERR_TIXNGO_TRANSIENT,
  ERR_TIXNGO_UNAUTHORIZED,
} from '../common/errors';

export const TIXNGO_ERROR_KINDS = ['transient', 'rate-limited', 'rejected', 'unauthorized', 'not-found', 'conflict', 'bad-response', 'redirect'] as const;
export type TixngoErrorKind = (typeof TIXNGO_ERROR_KINDS)[number];

const ERROR_TYPES: Record<TixngoErrorKind, string> = {
  transient: ERR_TIXNGO_TRANSIENT,
  'rate-limited': ERR_TIXNGO_RATE_LIMITED,
  rejected: ERR_TIXNGO_REJECTED,
  unauthorized: ERR_TIXNGO_UNAUTHORIZED,
  'not-found': ERR_TIXNGO_NOT_FOUND,
  conflict: ERR_TIXNGO_CONFLICT,
  'bad-response': ERR_TIXNGO_BAD_RESPONSE,
  // A redirect means the configured URL is not the API's own address: a person fixes the interface URL.
  redirect: ERR_CONFIG,
};

export interface TixngoItemError {
  ticketId?: string;
  field?: string;
  message: string;
}

export interface TixngoErrorInit {
  httpStatus?: number;
  retryAfterMs?: number;
  itemErrors?: TixngoItemError[];
  /** Client operation, e.g. `injectTickets`. */
  operation?: string;
}

/** A failed call to TIXNGO. Carries no request data, headers or credentials. */
export class TixngoError extends Error {
  override name = 'TixngoError';
  readonly kind: TixngoErrorKind;
  readonly httpStatus?: number;
  readonly retryAfterMs?: number;
  readonly itemErrors?: TixngoItemError[];
  readonly operation?: string;

  constructor(kind: TixngoErrorKind, message: string, init: TixngoErrorInit = {}) {
    super(message);
    this.kind = kind;
    if (init.httpStatus !== undefined) this.httpStatus = init.httpStatus;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.itemErrors !== undefined) this.itemErrors = init.itemErrors;
    if (init.operation !== undefined) this.operation = init.operation;
  }

  /** The common/errors.ts constant for this kind (ApplicationFailure.type, retry policies). */
  get errorType(): string {
    return ERROR_TYPES[this.kind];
  }

  /** Whether retrying the same call later can help. */
  get retryable(): boolean {
    return this.kind === 'transient' || this.kind === 'rate-limited' || this.kind === 'bad-response';
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      kind: this.kind,
      errorType: this.errorType,
      message: this.message,
      httpStatus: this.httpStatus,
      retryAfterMs: this.retryAfterMs,
      itemErrors: this.itemErrors,
      operation: this.operation,
    };
  }
}

/** Bad client options (URL, login, key, header name, timeout). Never echoes the key. */
export class TixngoConfigError extends Error {
  override name = 'TixngoConfigError';
  readonly errorType = ERR_CONFIG;
}

/** Error kind for a non-2xx HTTP status. */
export function errorKindForStatus(status: number): TixngoErrorKind {
  if (status === 429) return 'rate-limited';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 408 || status >= 500) return 'transient';
  if (status >= 400) return 'rejected';
  return 'bad-response';
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
