// The TIXNGO organizer API (tixngo/contract.ts) under /v3/organizer: API key, gateway faults, then
// the endpoint. Every call is counted (GET /__sim/stats), faulted or not.
import type http from 'node:http';
import {
  controlledEnvelopeSchema,
  deleteEnvelopeSchema,
  diffQuerySchema,
  injectEnvelopeSchema,
  injectionReportQuerySchema,
  privilegesEnvelopeSchema,
  searchPrivilegesRequestSchema,
  searchTicketsRequestSchema,
} from '../../tixngo/contract';
import type { FaultInjector } from '../faults';
import { envelope, errorAnswer, matchRoute, ok, query, readBody, routeTable, type Answer } from '../http';
import type { SimulatorState } from '../state';

/** Organizer base path served by the simulator. */
export const ORGANIZER_BASE_PATH = '/v3/organizer';

export interface OrganizerApiDeps {
  state: SimulatorState;
  faults: FaultInjector;
  /** Calls per `METHOD path template`, shared with the admin API's stats and reset. */
  calls: Map<string, number>;
  /** When set, only this key is accepted; otherwise any non-empty key. */
  expectedKey: string | undefined;
}

/** Answers a request whose path is under ORGANIZER_BASE_PATH. */
export function organizerApi({ state, faults, calls, expectedKey }: OrganizerApiDeps): (req: http.IncomingMessage, url: URL, p: string) => Promise<Answer> {
  const routes = routeTable([
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
  ]);

  const authorized = (req: http.IncomingMessage): boolean => {
    const key = presentedKey(req);
    if (!key) return false;
    return expectedKey === undefined || timingSafeEqualString(key, expectedKey);
  };

  return async (req, url, p) => {
    const method = req.method ?? 'GET';
    const rel = p.slice(ORGANIZER_BASE_PATH.length) || '/';
    const m = matchRoute(routes, method, rel);
    const callKey = m.route ? `${method} ${ORGANIZER_BASE_PATH}${m.route.template}` : `${method} (unmatched)`;
    calls.set(callKey, (calls.get(callKey) ?? 0) + 1);

    // Gateway-level faults first: outage, rate limit.
    const gateway = faults.gateway(Date.now());
    if (gateway) return gateway;
    if (!authorized(req)) return errorAnswer(401, 'UNAUTHORIZED', 'missing or invalid API key', undefined, { 'WWW-Authenticate': 'Basic realm="tixngo"' });
    const simulated = faults.simulatedError(callKey);
    if (simulated) return simulated;
    if (!m.route) {
      if (m.allowed.length) return errorAnswer(405, 'METHOD_NOT_ALLOWED', `${method} not allowed on ${p}`, undefined, { Allow: m.allowed.join(', ') });
      return errorAnswer(404, 'NOT_FOUND', `no such endpoint: ${method} ${p}`);
    }
    return m.route.handler({ req, url, params: m.params, body: readBody(req) });
  };
}

/** The key from X-TIXNGO-KEY, or the password of HTTP Basic authentication. */
function presentedKey(req: http.IncomingMessage): string | undefined {
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
}

function timingSafeEqualString(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) return false;
  let diff = 0;
  for (let i = 0; i < ab.length; i++) diff |= ab[i]! ^ bb[i]!;
  return diff === 0;
}
