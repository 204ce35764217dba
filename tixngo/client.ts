// Typed client of the TIXNGO organizer API (V3), used by Temporal activities only.
//
// - Every request is validated against tixngo/contract.ts before it is sent, every response after
//   it is received. Bulk calls report per-item outcomes (accepted / rejected with field and
//   message) and never throw for an item; items that fail the contract locally are reported as
//   rejected (`local: true`) and are not sent.
// - Failures of a whole call throw a TixngoError whose `kind` says what a caller can do about it
//   and whose `errorType` is the matching constant of common/errors.ts.
// - Redirects are never followed: following one would re-send the key and the ticket payload to whatever host
//   the answer names. A 3xx fails the call ('redirect', non-retryable), naming only the target host.
// - The API key lives in a private field; it is never logged, never part of a message, of an
//   error object, of `toString`/JSON/inspect output. Text coming back from the server is scrubbed
//   of it before it is put into an error, in case a server echoes it.
import http from 'node:http';
import https from 'node:https';
import { inspect } from 'node:util';
import fetch, { type Response } from 'node-fetch';
import type { z } from 'zod';
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
import {
  MAX_BATCH_ITEMS,
  OPERATION_METHODS,
  ORGANIZER_PATHS,
  buildEndpoints,
  controlledItemSchema,
  deleteItemSchema,
  diffQuerySchema,
  diffResponseSchema,
  errorBodySchema,
  formatIssues,
  injectResponseSchema,
  injectionReportQuerySchema,
  injectionReportResponseSchema,
  injectionTicketIdentitySchema,
  injectionTicketSchema,
  injectPrivilegesResponseSchema,
  issuesToItemErrors,
  bulkTicketResponseSchema,
  privilegeDefinitionSchema,
  privilegeInstanceInputSchema,
  searchPrivilegesRequestSchema,
  searchPrivilegesResponseSchema,
  searchTicketsRequestSchema,
  searchTicketsResponseSchema,
  type ControlledItem,
  type DeleteItem,
  type DiffQuery,
  type DiffResponse,
  type Endpoints,
  type InjectionReport,
  type InjectionReportQuery,
  type InjectionTicketInput,
  type Operation,
  type PrivilegeDefinition,
  type PrivilegeInstanceInput,
  type PrivilegeItemResult,
  type SearchPrivilegesResponse,
  type SearchTicketsResponse,
  type TicketItemResult,
} from './contract';

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Options and results
// ---------------------------------------------------------------------------------------------

export interface TixngoClientOptions {
  /** Interface URL, ends with organizer/tickets. */
  url: string;
  /** Organizer ADMIN e-mail. */
  login: string;
  /** Secret: never logged, never echoed, never in an error message or error object. */
  apiKey: string;
  /** Default 'header'. */
  auth?: 'header' | 'basic';
  /** Default 'X-TIXNGO-KEY'. */
  keyHeader?: string;
  /** Per request, default 30000. */
  timeoutMs?: number;
  /** Optional outer cancellation (Temporal activity cancellation). */
  signal?: AbortSignal;
}

/** A per-item result; `local` marks items refused by the client's own contract check (not sent). */
export type TicketOutcome = TicketItemResult & { local?: boolean };
export type PrivilegeOutcome = PrivilegeItemResult & { local?: boolean };

export interface BulkResult<R> {
  /** One result per input item, in input order. */
  results: R[];
  accepted: number;
  rejected: number;
}
export interface InjectTicketsResult extends BulkResult<TicketOutcome> {
  eventsCreated: string[];
}
export interface InjectPrivilegesResult extends BulkResult<PrivilegeOutcome> {
  definitionsCreated: string[];
}

export const DEFAULT_KEY_HEADER = 'X-TIXNGO-KEY';
export const DEFAULT_TIMEOUT_MS = 30_000;

// Keep-alive agents (node-fetch v2 sends `Connection: close` when no agent is given).
const httpAgent = new http.Agent({ keepAlive: true });
const httpsAgent = new https.Agent({ keepAlive: true });

const USER_AGENT = 's360-tixngo';

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

export class TixngoClient {
  readonly endpoints: Endpoints;
  readonly login: string;
  readonly auth: 'header' | 'basic';
  readonly keyHeader: string;
  readonly timeoutMs: number;
  readonly #apiKey: string;
  readonly #authHeaderName: string;
  readonly #authHeaderValue: string;
  readonly #signal: AbortSignal | undefined;

  constructor(options: TixngoClientOptions) {
    try {
      this.endpoints = buildEndpoints(options.url);
    } catch (err) {
      throw new TixngoConfigError((err as Error).message);
    }
    if (typeof options.login !== 'string' || options.login.trim() === '') throw new TixngoConfigError('the TIXNGO login (organizer ADMIN e-mail) is empty');
    if (typeof options.apiKey !== 'string' || options.apiKey === '') throw new TixngoConfigError('the TIXNGO API key is empty');
    if (!/^[\u0021-\u007e]+$/.test(options.apiKey)) {
      throw new TixngoConfigError('the TIXNGO API key contains whitespace, control or non-ASCII characters (value not shown)');
    }
    this.auth = options.auth ?? 'header';
    if (this.auth !== 'header' && this.auth !== 'basic') throw new TixngoConfigError(`auth must be 'header' or 'basic', got ${String(this.auth)}`);
    this.keyHeader = options.keyHeader ?? DEFAULT_KEY_HEADER;
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(this.keyHeader)) throw new TixngoConfigError(`keyHeader is not a valid HTTP header name: ${this.keyHeader}`);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) throw new TixngoConfigError(`timeoutMs must be a positive number, got ${this.timeoutMs}`);
    this.login = options.login.trim();
    if (this.auth === 'basic' && this.login.includes(':')) throw new TixngoConfigError('the TIXNGO login must not contain ":" with HTTP Basic auth');
    this.#apiKey = options.apiKey;
    this.#signal = options.signal;
    if (this.auth === 'basic') {
      this.#authHeaderName = 'Authorization';
      this.#authHeaderValue = `Basic ${Buffer.from(`${this.login}:${options.apiKey}`, 'utf8').toString('base64')}`;
    } else {
      this.#authHeaderName = this.keyHeader;
      this.#authHeaderValue = options.apiKey;
    }
  }

  // -- tickets -----------------------------------------------------------------------------

  /**
   * Bulk injection (POST …/organizer/tickets). Creates events on first sight; re-injection updates. Items failing the
   * contract are refused locally (`local: true`), unless `enforceMandatoryParameters` is false: then only a valid
   * ticketId is required and TIXNGO judges the rest (§3.1.3).
   */
  async injectTickets(tickets: readonly InjectionTicketInput[], options: { enforceMandatoryParameters?: boolean } = {}): Promise<InjectTicketsResult> {
    checkBatchSize('injectTickets', tickets.length);
    const schema = options.enforceMandatoryParameters === false ? injectionTicketIdentitySchema : injectionTicketSchema;
    const { toSend, results } = partition<typeof schema, TicketOutcome>(tickets, schema, (t, i) => idOf(t, 'ticketId', i), (ticketId, errors) => ({
      ticketId,
      outcome: 'REJECTED' as const,
      reason: 'INVALID' as const,
      errors,
      local: true,
    }));
    let eventsCreated: string[] = [];
    if (toSend.length > 0) {
      const body = { tickets: toSend.map((s) => s.value) };
      const res = await this.#call('injectTickets', this.endpoints.injectTickets, body, injectResponseSchema);
      checkResultOrder('injectTickets', toSend.map((s) => s.value.ticketId), res.results.map((r) => r.ticketId));
      toSend.forEach((s, k) => (results[s.index] = res.results[k]!));
      eventsCreated = res.eventsCreated;
    }
    return { ...summarize(results as TicketOutcome[]), eventsCreated };
  }

  /** Bulk read by ticket id (POST …/tickets/search): state of the found ones and the ids not found. */
  async getTickets(ticketIds: readonly string[]): Promise<SearchTicketsResponse> {
    if (ticketIds.length === 0) return { tickets: [], notFound: [] };
    checkBatchSize('getTickets', ticketIds.length);
    const body = validateRequest('getTickets', searchTicketsRequestSchema, { ticketIds: [...ticketIds] });
    return this.#call('searchTickets', this.endpoints.searchTickets, body, searchTicketsResponseSchema);
  }

  /** Bulk deletion (POST …/tickets/delete): DELETION_PENDING, later DELETED. Idempotent per ticket. */
  async deleteTickets(items: readonly DeleteItem[]): Promise<BulkResult<TicketOutcome>> {
    return this.#bulkTickets('deleteTickets', items, deleteItemSchema, this.endpoints.deleteTickets);
  }

  /** Bulk control (POST …/tickets/controlled): CONTROLLED. Idempotent; refused (CONFLICT) for deleted tickets. */
  async markControlled(items: readonly ControlledItem[]): Promise<BulkResult<TicketOutcome>> {
    return this.#bulkTickets('markControlled', items, controlledItemSchema, this.endpoints.markControlled);
  }

  /** One page of the diff feed (GET …/tickets/diff). Store `nextPaginationKey` for the next call. */
  async getDiff(query: DiffQuery): Promise<DiffResponse> {
    const q = validateRequest('getDiff', diffQuerySchema, query);
    const params = new URLSearchParams();
    if (q.paginationKey) params.set('paginationKey', q.paginationKey);
    params.set('limit', String(q.limit));
    return this.#call('diff', `${this.endpoints.diff}?${params.toString()}`, undefined, diffResponseSchema);
  }

  // -- reporting ---------------------------------------------------------------------------

  /** Monthly injection report (GET …/reports/injections?period=&limit=&offset=). */
  async getInjectionReport(query: InjectionReportQuery): Promise<InjectionReport> {
    const q = validateRequest('getInjectionReport', injectionReportQuerySchema, query);
    const params = new URLSearchParams({ period: q.period, limit: String(q.limit), offset: String(q.offset) });
    return this.#call('injectionReport', `${this.endpoints.injectionReport}?${params.toString()}`, undefined, injectionReportResponseSchema);
  }

  // -- privileges --------------------------------------------------------------------------

  /** Bulk privilege injection (POST …/privileges): definitions created on first sight, instances INJECTED. */
  async injectPrivileges(instances: readonly PrivilegeInstanceInput[]): Promise<InjectPrivilegesResult> {
    checkBatchSize('injectPrivileges', instances.length);
    const { toSend, results } = partition<typeof privilegeInstanceInputSchema, PrivilegeOutcome>(instances, privilegeInstanceInputSchema, (t, i) => idOf(t, 'instanceId', i), (instanceId, errors) => ({
      instanceId,
      outcome: 'REJECTED' as const,
      reason: 'INVALID' as const,
      errors,
      local: true,
    }));
    let definitionsCreated: string[] = [];
    if (toSend.length > 0) {
      const body = { instances: toSend.map((s) => s.value) };
      const res = await this.#call('injectPrivileges', this.endpoints.injectPrivileges, body, injectPrivilegesResponseSchema);
      checkResultOrder('injectPrivileges', toSend.map((s) => s.value.instanceId), res.results.map((r) => r.instanceId));
      toSend.forEach((s, k) => (results[s.index] = res.results[k]!));
      definitionsCreated = res.definitionsCreated;
    }
    return { ...summarize(results as PrivilegeOutcome[]), definitionsCreated };
  }

  /** A privilege definition by id (GET …/privileges/definitions/:id); TixngoError 'not-found' if unknown. */
  async getPrivilegeDefinition(id: string): Promise<PrivilegeDefinition> {
    if (typeof id !== 'string' || id.trim() === '' || id.length > 256) {
      throw new TixngoError('rejected', 'getPrivilegeDefinition: id must be a non-empty string of at most 256 characters', { operation: 'getPrivilegeDefinition' });
    }
    return this.#call('privilegeDefinition', this.endpoints.privilegeDefinition(id), undefined, privilegeDefinitionSchema);
  }

  /** Bulk read of privilege instances (POST …/privileges/search). */
  async getPrivilegeInstances(instanceIds: readonly string[]): Promise<SearchPrivilegesResponse> {
    if (instanceIds.length === 0) return { instances: [], notFound: [] };
    checkBatchSize('getPrivilegeInstances', instanceIds.length);
    const body = validateRequest('getPrivilegeInstances', searchPrivilegesRequestSchema, { instanceIds: [...instanceIds] });
    return this.#call('searchPrivileges', this.endpoints.searchPrivileges, body, searchPrivilegesResponseSchema);
  }

  // -- safe printing -----------------------------------------------------------------------

  toJSON(): Record<string, unknown> {
    return { url: this.endpoints.interfaceUrl, login: this.login, auth: this.auth, keyHeader: this.keyHeader, timeoutMs: this.timeoutMs, apiKey: '[redacted]' };
  }
  toString(): string {
    return `TixngoClient(${this.endpoints.interfaceUrl}, login=${this.login}, auth=${this.auth})`;
  }
  [inspect.custom](): string {
    return this.toString();
  }

  // -- internals ---------------------------------------------------------------------------

  async #bulkTickets(
    operation: 'deleteTickets' | 'markControlled',
    items: readonly unknown[],
    schema: z.ZodType<{ ticketId: string }>,
    url: string,
  ): Promise<BulkResult<TicketOutcome>> {
    checkBatchSize(operation, items.length);
    const { toSend, results } = partition<typeof schema, TicketOutcome>(items, schema, (t, i) => idOf(t, 'ticketId', i), (ticketId, errors) => ({
      ticketId,
      outcome: 'REJECTED' as const,
      reason: 'INVALID' as const,
      errors,
      local: true,
    }));
    if (toSend.length > 0) {
      const res = await this.#call(operation, url, { tickets: toSend.map((s) => s.value) }, bulkTicketResponseSchema);
      checkResultOrder(operation, toSend.map((s) => s.value.ticketId), res.results.map((r) => r.ticketId));
      toSend.forEach((s, k) => (results[s.index] = res.results[k]!));
    }
    return summarize(results as TicketOutcome[]);
  }

  /** Scrubs the key (and the Basic credentials) from text that came from elsewhere. */
  #redact(text: string): string {
    let out = text.split(this.#apiKey).join('[redacted]');
    if (this.auth === 'basic') out = out.split(this.#authHeaderValue.slice('Basic '.length)).join('[redacted]');
    return out;
  }

  async #call<T>(op: Operation, url: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
    const method = OPERATION_METHODS[op];
    const label = `TIXNGO ${method} ${pathTemplate(op, this.endpoints)}`;
    const outer = this.#signal;
    if (outer?.aborted) throw cancelled(outer, label);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const onOuterAbort = () => controller.abort();
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': USER_AGENT,
      [this.#authHeaderName]: this.#authHeaderValue,
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        agent: (u: URL) => (u.protocol === 'http:' ? httpAgent : httpsAgent),
        compress: true,
        redirect: 'manual',
      });
      text = await res.text();
    } catch (err) {
      if (outer?.aborted) throw cancelled(outer, label);
      if (timedOut) throw new TixngoError('transient', `${label}: no complete answer within ${this.timeoutMs} ms (timeout)`, { operation: op });
      const e = err as Error & { code?: string };
      throw new TixngoError('transient', `${label}: network error: ${this.#redact(`${e.code ? `${e.code} ` : ''}${e.message}`)}`, { operation: op });
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    }

    if (res.status >= 300 && res.status < 400) throw redirectError(op, label, res);
    if (res.status < 200 || res.status >= 300) throw this.#httpError(op, label, res, text);

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new TixngoError('bad-response', `${label}: HTTP ${res.status} with a body that is not JSON (${(err as Error).message}): ${this.#redact(snippet(text))}`, {
        operation: op,
        httpStatus: res.status,
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new TixngoError('bad-response', `${label}: response does not match the contract: ${this.#redact(formatIssues(parsed.error))}`, {
        operation: op,
        httpStatus: res.status,
      });
    }
    return parsed.data;
  }

  #httpError(op: Operation, label: string, res: Response, text: string): TixngoError {
    const kind = errorKindForStatus(res.status);
    let serverMessage: string;
    let itemErrors: TixngoItemError[] | undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const body = errorBodySchema.safeParse(json);
    if (body.success) {
      serverMessage = body.data.error.message;
      if (body.data.error.details?.length) {
        itemErrors = body.data.error.details.map((d) => {
          const e: TixngoItemError = { message: this.#redact(d.message) };
          if (d.ticketId !== undefined) e.ticketId = this.#redact(d.ticketId);
          if (d.field !== undefined) e.field = this.#redact(d.field);
          return e;
        });
      }
    } else if (isRecord(json) && typeof json.message === 'string') {
      serverMessage = json.message;
    } else {
      serverMessage = snippet(text);
    }
    const retryAfterMs = res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get('retry-after')) : undefined;
    const what =
      kind === 'unauthorized' ? 'login or API key refused' : kind === 'rate-limited' ? 'rate limited' : kind === 'transient' ? 'server unavailable' : kind;
    let message = `${label}: HTTP ${res.status} ${what}`;
    if (serverMessage) message += `: ${this.#redact(serverMessage)}`;
    if (itemErrors?.length) {
      message += ` [${itemErrors
        .slice(0, 5)
        .map((e) => [e.ticketId && `ticket ${e.ticketId}`, e.field, e.message].filter(Boolean).join(': '))
        .join('; ')}${itemErrors.length > 5 ? `; +${itemErrors.length - 5} more` : ''}]`;
    }
    if (retryAfterMs !== undefined) message += ` (retry after ${retryAfterMs} ms)`;
    const init: TixngoErrorInit = { operation: op, httpStatus: res.status };
    if (retryAfterMs !== undefined) init.retryAfterMs = retryAfterMs;
    if (itemErrors) init.itemErrors = itemErrors;
    return new TixngoError(kind, message, init);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function pathTemplate(op: Operation, endpoints: Endpoints): string {
  const base = new URL(endpoints.organizerBase).pathname;
  return `${base}${ORGANIZER_PATHS[op]}`;
}

/** Names the target's host only: a Location's path or query may carry tokens. */
function redirectError(op: Operation, label: string, res: Response): TixngoError {
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

function cancelled(signal: AbortSignal, label: string): Error {
  // Temporal sets the reason to a CancelledFailure: rethrow it so the activity reports a cancellation.
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new TixngoError('transient', `${label}: cancelled by the caller`);
}

function snippet(text: string, max = 300): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function idOf(item: unknown, key: string, index: number): string {
  if (isRecord(item) && typeof item[key] === 'string' && item[key] !== '') return item[key];
  return `#${index}`;
}

function checkBatchSize(operation: string, n: number): void {
  if (n > MAX_BATCH_ITEMS) {
    throw new TixngoError('rejected', `${operation}: ${n} items in one call, at most ${MAX_BATCH_ITEMS} are allowed; split the batch`, { operation });
  }
}

function validateRequest<S extends z.ZodType>(operation: string, schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new TixngoError('rejected', `${operation}: invalid request: ${formatIssues(r.error)}`, {
      operation,
      itemErrors: issuesToItemErrors(r.error),
    });
  }
  return r.data;
}

function partition<S extends z.ZodType, R>(
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

function checkResultOrder(operation: string, sent: readonly string[], got: readonly string[]): void {
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

function summarize<R extends { outcome: 'ACCEPTED' | 'REJECTED' }>(results: R[]): BulkResult<R> {
  let accepted = 0;
  for (const r of results) if (r.outcome === 'ACCEPTED') accepted++;
  return { results, accepted, rejected: results.length - accepted };
}
