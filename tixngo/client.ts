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
  OPERATION_METHODS,
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
import { TixngoConfigError, TixngoError, errorKindForStatus, parseRetryAfter, type TixngoErrorInit, type TixngoItemError } from './errors';
import {
  cancelled,
  checkBatchSize,
  checkResultOrder,
  idOf,
  isRecord,
  partition,
  pathTemplate,
  redirectError,
  snippet,
  summarize,
  validateRequest,
  type BulkResult,
} from './call-helpers';

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
