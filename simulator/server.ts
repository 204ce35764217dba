// TIXNGO organizer API simulator: a real HTTP server (node:http, no framework) serving the
// contract of tixngo/contract.ts, with fault injection and an admin API under /__sim.
//
// Admin API (no API key; a stable contract other suites rely on):
//   GET    /__sim/health                      -> { ok: true }
//   GET    /__sim/stats                       -> { calls, tickets, events, privilegeInstances, reinjectedTickets }
//   GET    /__sim/tickets/:ticketId           -> { ticketId, eventId, status, walletOwner, ticketHolder, injectCount, history, ... }
//   GET    /__sim/faults                      -> current faults
//   POST   /__sim/faults                      -> merge faults (zod-validated; 400 names the bad field)
//   DELETE /__sim/faults                      -> clear faults
//   POST   /__sim/wallet/:ticketId/download|activate|assign|transfer|accept|reject
//   POST   /__sim/reset                       -> clear all state and faults
import http from 'node:http';
import { z } from 'zod';
import {
  controlledEnvelopeSchema,
  deleteEnvelopeSchema,
  diffQuerySchema,
  formatIssues,
  injectEnvelopeSchema,
  injectionReportQuerySchema,
  issuesToItemErrors,
  privilegesEnvelopeSchema,
  searchPrivilegesRequestSchema,
  searchTicketsRequestSchema,
  type ErrorBody,
} from '../tixngo/contract';
import { SimulatorState } from './state';
import { readStateFile, writeStateFile } from './state/persistence';
import { SimHttpError } from './state/store';
import { ACTIVATION_METHODS } from './state/wallet';

export { SimulatorState } from './state';

/** Organizer base path served by the simulator. */
export const ORGANIZER_BASE_PATH = '/v3/organizer';
/** Most bytes accepted in one request body (413 beyond). */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface SimulatorOptions {
  /** 0 (default) = a random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** When set, only this key is accepted; otherwise any non-empty key. */
  apiKey?: string;
  /** Delay before a DELETION_PENDING ticket becomes DELETED, default 2000 ms. */
  deletionDelayMs?: number;
  /** JSON file the state is loaded from at start and saved to periodically and on close. */
  persistFile?: string;
  /** One line per request (method, path, status, duration). Never receives the key. */
  log?: (line: string) => void;
}

export interface Simulator {
  /** http://host:port */
  url: string;
  /** url + /v3/organizer/tickets */
  interfaceUrl: string;
  port: number;
  close(): Promise<void>;
  state: SimulatorState;
  /** Current faults (read-only view). */
  faults(): Readonly<Faults>;
}

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

export const faultsSchema = z.strictObject({
  errorRate: z.number().min(0).max(1).nullable().optional(),
  errorStatus: z.number().int().min(400).max(599).nullable().optional(),
  latencyMs: z.number().int().min(0).max(600_000).nullable().optional(),
  rateLimitPerSecond: z.number().int().min(1).nullable().optional(),
  retryAfterSeconds: z.number().int().min(0).max(86_400).nullable().optional(),
  outageSeconds: z.number().min(0).max(86_400).nullable().optional(),
  deletionDelayMs: z.number().int().min(0).max(86_400_000).nullable().optional(),
  deletionNeverConfirms: z.boolean().nullable().optional(),
});
export type FaultsInput = z.infer<typeof faultsSchema>;

export interface Faults {
  errorRate?: number;
  errorStatus?: number;
  latencyMs?: number;
  rateLimitPerSecond?: number;
  retryAfterSeconds?: number;
  /** Epoch ms until which every organizer call answers 503. */
  outageUntil?: number;
  deletionDelayMs?: number;
  deletionNeverConfirms?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------

type Handler = (ctx: RequestContext) => Promise<Answer> | Answer;
interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Template relative to the organizer base, e.g. /tickets/diff or /privileges/definitions/:id. */
  template: string;
  regex: RegExp;
  handler: Handler;
}
interface RequestContext {
  req: http.IncomingMessage;
  url: URL;
  params: string[];
  body: () => Promise<unknown>;
}
interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const ok = (body: unknown): Answer => ({ status: 200, body });
const errorAnswer = (status: number, code: string, message: string, details?: ErrorBody['error']['details'], headers?: Record<string, string>): Answer => {
  const error: ErrorBody['error'] = { code, message };
  if (details?.length) error.details = details;
  const a: Answer = { status, body: { error } };
  if (headers) a.headers = headers;
  return a;
};

function compile(template: string): RegExp {
  const src = template
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '([^/]+)' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${src}$`);
}

/** Parses a JSON body against an envelope schema; a structural failure is a 400 naming the field. */
function envelope<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body);
  if (!r.success) {
    throw new SimHttpError(400, 'BAD_REQUEST', `invalid request body: ${formatIssues(r.error)}`, issuesToItemErrors(r.error));
  }
  return r.data;
}

function query<S extends z.ZodType>(schema: S, url: URL): z.output<S> {
  const raw: Record<string, string> = {};
  for (const [k, v] of url.searchParams) raw[k] = v;
  const r = schema.safeParse(raw);
  if (!r.success) throw new SimHttpError(400, 'BAD_REQUEST', `invalid query: ${formatIssues(r.error)}`, issuesToItemErrors(r.error));
  return r.data;
}

const transferBodySchema = z.object({
  to: z.object({
    email: z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'expected an e-mail address'),
    firstName: z.string().max(50).optional(),
    lastName: z.string().max(100).optional(),
  }),
});
const activateBodySchema = z.object({ method: z.enum(Object.keys(ACTIVATION_METHODS) as [keyof typeof ACTIVATION_METHODS]).optional() }).optional();
const assignBodySchema = z.looseObject({ firstName: z.string().max(50).optional(), lastName: z.string().max(100).optional(), email: z.string().optional() });

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log;
  const baseDeletionDelay = opts.deletionDelayMs ?? 2000;
  const state = new SimulatorState({ deletionDelayMs: baseDeletionDelay });
  if (opts.apiKey !== undefined && opts.apiKey === '') throw new Error('apiKey must not be empty when given');
  const expectedKey = opts.apiKey;

  const saved = opts.persistFile ? readStateFile(opts.persistFile) : undefined;
  if (saved) {
    state.loadPersisted(saved);
    log?.(`loaded state from ${opts.persistFile}: ${state.tickets.size} tickets`);
  }

  let faults: Faults = {};
  const calls = new Map<string, number>();
  let rateWindow = 0;
  let rateCount = 0;

  const applyDeletionFaults = () => {
    state.deletionDelayMs = faults.deletionDelayMs ?? baseDeletionDelay;
    const never = faults.deletionNeverConfirms ?? false;
    state.deletionNeverConfirms = never;
    state.scheduleDeletionSweep();
  };

  const publicFaults = () => {
    const out: Record<string, unknown> = { ...faults };
    delete out.outageUntil;
    if (faults.outageUntil !== undefined) {
      const left = (faults.outageUntil - Date.now()) / 1000;
      if (left > 0) out.outageSeconds = Math.round(left * 1000) / 1000;
    }
    return out;
  };

  // -- organizer API ----------------------------------------------------------------------
  const organizerRoutes: Route[] = (
    [
      ['POST', '/tickets', async (c) => ok(state.injectTickets(envelope(injectEnvelopeSchema, await c.body()).tickets))],
      ['POST', '/tickets/search', async (c) => ok(state.searchTickets(envelope(searchTicketsRequestSchema, await c.body()).ticketIds))],
      ['POST', '/tickets/delete', async (c) => ok(state.deleteTickets(envelope(deleteEnvelopeSchema, await c.body()).tickets))],
      ['POST', '/tickets/controlled', async (c) => ok(state.markControlled(envelope(controlledEnvelopeSchema, await c.body()).tickets))],
      [
        'GET',
        '/tickets/diff',
        (c) => {
          const q = query(diffQuerySchema, c.url);
          return ok(state.diff(q.paginationKey, q.limit));
        },
      ],
      [
        'GET',
        '/reports/injections',
        (c) => {
          const q = query(injectionReportQuerySchema, c.url);
          return ok(state.injectionReport(q.period, q.limit, q.offset));
        },
      ],
      ['POST', '/privileges', async (c) => ok(state.injectPrivileges(envelope(privilegesEnvelopeSchema, await c.body()).instances))],
      [
        'GET',
        '/privileges/definitions/:id',
        (c) => {
          const id = c.params[0]!;
          const d = state.getDefinition(id);
          return d ? ok(d) : errorAnswer(404, 'NOT_FOUND', `privilege definition ${id} not found`);
        },
      ],
      ['POST', '/privileges/search', async (c) => ok(state.searchPrivileges(envelope(searchPrivilegesRequestSchema, await c.body()).instanceIds))],
    ] as [Route['method'], string, Handler][]
  ).map(([method, template, handler]) => ({ method, template, regex: compile(template), handler }));

  // -- admin API -------------------------------------------------------------------------
  const adminRoutes: Route[] = (
    [
      ['GET', '/health', () => ok({ ok: true })],
      [
        'GET',
        '/stats',
        () =>
          ok({
            calls: Object.fromEntries(calls),
            tickets: state.ticketCounts(),
            events: state.events.size,
            privilegeInstances: state.instances.size,
            reinjectedTickets: state.reinjectedTickets,
          }),
      ],
      [
        'GET',
        '/tickets/:ticketId',
        (c) => {
          const t = state.adminTicket(c.params[0]!);
          return t ? ok(t) : errorAnswer(404, 'NOT_FOUND', `ticket ${c.params[0]!} not found`);
        },
      ],
      ['GET', '/faults', () => ok(publicFaults())],
      [
        'POST',
        '/faults',
        async (c) => {
          const r = faultsSchema.safeParse(await c.body());
          if (!r.success) return errorAnswer(400, 'BAD_REQUEST', `invalid faults: ${formatIssues(r.error)}`, issuesToItemErrors(r.error));
          const next: Faults = { ...faults };
          for (const [k, v] of Object.entries(r.data) as [keyof FaultsInput, unknown][]) {
            if (v === undefined) continue;
            if (k === 'outageSeconds') {
              if (v === null || v === 0) delete next.outageUntil;
              else next.outageUntil = Date.now() + (v as number) * 1000;
              continue;
            }
            if (v === null) delete next[k];
            else (next as Record<string, unknown>)[k] = v;
          }
          faults = next;
          applyDeletionFaults();
          return ok(publicFaults());
        },
      ],
      [
        'DELETE',
        '/faults',
        () => {
          faults = {};
          applyDeletionFaults();
          return ok(publicFaults());
        },
      ],
      [
        'POST',
        '/reset',
        () => {
          state.reset();
          faults = {};
          calls.clear();
          rateCount = 0;
          applyDeletionFaults();
          return ok({ ok: true });
        },
      ],
      ['POST', '/wallet/:ticketId/download', (c) => ok(state.download(c.params[0]!))],
      [
        'POST',
        '/wallet/:ticketId/activate',
        async (c) => {
          const b = await c.body();
          const r = activateBodySchema.safeParse(b === undefined || b === null ? undefined : b);
          if (!r.success) return errorAnswer(400, 'BAD_REQUEST', `invalid body: ${formatIssues(r.error)}`);
          return ok(state.activate(c.params[0]!, r.data?.method));
        },
      ],
      [
        'POST',
        '/wallet/:ticketId/assign',
        async (c) => {
          const r = assignBodySchema.safeParse(await c.body());
          if (!r.success) return errorAnswer(400, 'BAD_REQUEST', `invalid body: ${formatIssues(r.error)}`);
          return ok(state.assign(c.params[0]!, r.data));
        },
      ],
      [
        'POST',
        '/wallet/:ticketId/transfer',
        async (c) => {
          const r = transferBodySchema.safeParse(await c.body());
          if (!r.success) return errorAnswer(400, 'BAD_REQUEST', `invalid body: ${formatIssues(r.error)}`, issuesToItemErrors(r.error));
          const to: { email: string; firstName?: string; lastName?: string } = { email: r.data.to.email };
          if (r.data.to.firstName !== undefined) to.firstName = r.data.to.firstName;
          if (r.data.to.lastName !== undefined) to.lastName = r.data.to.lastName;
          return ok(state.transfer(c.params[0]!, to));
        },
      ],
      ['POST', '/wallet/:ticketId/accept', (c) => ok(state.accept(c.params[0]!))],
      ['POST', '/wallet/:ticketId/reject', (c) => ok(state.reject(c.params[0]!))],
    ] as [Route['method'], string, Handler][]
  ).map(([method, template, handler]) => ({ method, template, regex: compile(template), handler }));

  const match = (routes: Route[], method: string, p: string): { route?: Route; params: string[]; allowed: string[] } => {
    const allowed: string[] = [];
    for (const r of routes) {
      const m = r.regex.exec(p);
      if (!m) continue;
      if (r.method === method) {
        let params: string[];
        try {
          params = m.slice(1).map((s) => decodeURIComponent(s));
        } catch {
          params = m.slice(1);
        }
        return { route: r, params, allowed };
      }
      allowed.push(r.method);
    }
    return { params: [], allowed };
  };

  // -- authentication ---------------------------------------------------------------------
  const presentedKey = (req: http.IncomingMessage): string | undefined => {
    const h = req.headers['x-tixngo-key'];
    const headerKey = Array.isArray(h) ? h[0] : h;
    if (headerKey) return headerKey;
    const auth = req.headers.authorization;
    if (auth && /^basic\s+/i.test(auth)) {
      const decoded = Buffer.from(auth.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return decoded.slice(colon + 1) || undefined;
    }
    return undefined;
  };
  const authorized = (req: http.IncomingMessage): boolean => {
    const key = presentedKey(req);
    if (!key) return false;
    return expectedKey === undefined || timingSafeEqualString(key, expectedKey);
  };

  // -- request handling -------------------------------------------------------------------
  const readBody = (req: http.IncomingMessage): (() => Promise<unknown>) => {
    let cached: Promise<unknown> | undefined;
    return () =>
      (cached ??= new Promise<unknown>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let tooLarge = false;
        req.on('data', (chunk: Buffer) => {
          if (tooLarge) return;
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            tooLarge = true;
            reject(new SimHttpError(413, 'PAYLOAD_TOO_LARGE', `request body larger than ${MAX_BODY_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        req.on('error', reject);
        req.on('end', () => {
          if (tooLarge) return;
          const text = Buffer.concat(chunks).toString('utf8');
          if (text.trim() === '') return resolve(undefined);
          try {
            resolve(JSON.parse(text));
          } catch (err) {
            reject(new SimHttpError(400, 'BAD_REQUEST', `request body is not valid JSON: ${(err as Error).message}`));
          }
        });
      }));
  };

  const send = (res: http.ServerResponse, a: Answer) => {
    if (res.headersSent || res.destroyed) return;
    const payload = JSON.stringify(a.body);
    res.writeHead(a.status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(payload),
      ...a.headers,
    });
    res.end(payload);
  };

  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

  const handleOrganizer = async (req: http.IncomingMessage, url: URL, p: string): Promise<Answer> => {
    const method = req.method ?? 'GET';
    const rel = p.slice(ORGANIZER_BASE_PATH.length) || '/';
    const m = match(organizerRoutes, method, rel);
    const callKey = m.route ? `${method} ${ORGANIZER_BASE_PATH}${m.route.template}` : `${method} (unmatched)`;
    calls.set(callKey, (calls.get(callKey) ?? 0) + 1);

    // Gateway-level faults first: outage, rate limit.
    const now = Date.now();
    if (faults.outageUntil !== undefined) {
      if (now < faults.outageUntil) return errorAnswer(503, 'UNAVAILABLE', 'service unavailable (simulated outage)');
      delete faults.outageUntil;
    }
    if (faults.rateLimitPerSecond !== undefined) {
      const w = Math.floor(now / 1000);
      if (w !== rateWindow) {
        rateWindow = w;
        rateCount = 0;
      }
      if (rateCount >= faults.rateLimitPerSecond) {
        const retry = String(faults.retryAfterSeconds ?? 1);
        return errorAnswer(429, 'RATE_LIMITED', `rate limit of ${faults.rateLimitPerSecond} calls per second exceeded`, undefined, { 'Retry-After': retry });
      }
      rateCount++;
    }
    if (!authorized(req)) return errorAnswer(401, 'UNAUTHORIZED', 'missing or invalid API key', undefined, { 'WWW-Authenticate': 'Basic realm="tixngo"' });
    if (faults.errorRate !== undefined && faults.errorRate > 0 && Math.random() < faults.errorRate) {
      const status = faults.errorStatus ?? 503;
      const headers = status === 429 ? { 'Retry-After': String(faults.retryAfterSeconds ?? 1) } : undefined;
      return errorAnswer(status, status === 429 ? 'RATE_LIMITED' : status >= 500 ? 'INTERNAL' : 'BAD_REQUEST', `simulated error ${status}`, undefined, headers);
    }
    if (!m.route) {
      if (m.allowed.length) return errorAnswer(405, 'METHOD_NOT_ALLOWED', `${method} not allowed on ${p}`, undefined, { Allow: m.allowed.join(', ') });
      return errorAnswer(404, 'NOT_FOUND', `no such endpoint: ${method} ${p}`);
    }
    return m.route.handler({ req, url, params: m.params, body: readBody(req) });
  };

  const handleAdmin = async (req: http.IncomingMessage, url: URL, p: string): Promise<Answer> => {
    const method = req.method ?? 'GET';
    const m = match(adminRoutes, method, p.slice('/__sim'.length) || '/');
    if (!m.route) {
      if (m.allowed.length) return errorAnswer(405, 'METHOD_NOT_ALLOWED', `${method} not allowed on ${p}`, undefined, { Allow: m.allowed.join(', ') });
      return errorAnswer(404, 'NOT_FOUND', `no such admin endpoint: ${method} ${p}`);
    }
    return m.route.handler({ req, url, params: m.params, body: readBody(req) });
  };

  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://simulator');
    const p = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const isAdmin = p === '/__sim' || p.startsWith('/__sim/');
    const isOrganizer = p === ORGANIZER_BASE_PATH || p.startsWith(`${ORGANIZER_BASE_PATH}/`);
    const work = async (): Promise<Answer> => {
      try {
        if (isAdmin) return await handleAdmin(req, url, p);
        if (isOrganizer) return await handleOrganizer(req, url, p);
        return errorAnswer(404, 'NOT_FOUND', `no such endpoint: ${req.method ?? 'GET'} ${p}`);
      } catch (err) {
        if (err instanceof SimHttpError) return errorAnswer(err.status, err.code, err.message, err.details);
        log?.(`internal error on ${req.method ?? 'GET'} ${p}: ${(err as Error).stack ?? String(err)}`);
        return errorAnswer(500, 'INTERNAL', 'internal simulator error');
      }
    };
    void work()
      .then(async (answer) => {
        // Drain an unread body so keep-alive connections stay usable.
        if (!req.readableEnded) req.resume();
        if (isOrganizer && faults.latencyMs) await sleep(faults.latencyMs);
        send(res, answer);
        if (log) {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          log(`${req.method ?? 'GET'} ${p} ${answer.status} ${ms.toFixed(1)}ms`);
        }
      })
      .catch((err: unknown) => {
        log?.(`could not answer ${req.method ?? 'GET'} ${p}: ${(err as Error).message}`);
        res.destroy();
      });
  });
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 35_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('simulator: no TCP address');
  const port = address.port;
  const urlHost = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;

  // -- persistence ------------------------------------------------------------------------
  const persist = () => {
    if (opts.persistFile) writeStateFile(state, opts.persistFile);
  };
  let persistTimer: NodeJS.Timeout | undefined;
  if (opts.persistFile) {
    persistTimer = setInterval(() => {
      if (!state.dirty) return;
      try {
        persist();
      } catch (err) {
        log?.(`could not persist state: ${(err as Error).message}`);
      }
    }, 10_000);
    persistTimer.unref();
  }

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((resolve, reject) => {
      if (persistTimer) clearInterval(persistTimer);
      state.dispose();
      server.close((err) => {
        try {
          persist();
        } catch (e) {
          reject(e as Error);
          return;
        }
        if (err) reject(err);
        else resolve();
      });
      server.closeAllConnections();
    }));

  return { url, interfaceUrl: `${url}${ORGANIZER_BASE_PATH}/tickets`, port, close, state, faults: () => ({ ...faults }) };
}

function timingSafeEqualString(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) return false;
  let diff = 0;
  for (let i = 0; i < ab.length; i++) diff |= ab[i]! ^ bb[i]!;
  return diff === 0;
}
