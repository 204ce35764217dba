// The admin API under /__sim (no API key; a stable contract other suites rely on, listed in
// server.ts): health, stats, a ticket's full record, faults, reset, and the wallet actions.
import type http from 'node:http';
import { z } from 'zod';
import { formatIssues, issuesToItemErrors } from '../../tixngo/contract';
import { faultsSchema, type FaultInjector } from '../faults';
import { errorAnswer, matchRoute, ok, readBody, routeTable, type Answer } from '../http';
import type { SimulatorState } from '../state';
import { ACTIVATION_METHODS } from '../state/wallet';

export const ADMIN_BASE_PATH = '/__sim';

const transferBodySchema = z.object({
  to: z.object({
    email: z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'expected an e-mail address'),
    firstName: z.string().max(50).optional(),
    lastName: z.string().max(100).optional(),
  }),
});
const activateBodySchema = z.object({ method: z.enum(Object.keys(ACTIVATION_METHODS) as [keyof typeof ACTIVATION_METHODS]).optional() }).optional();
const rawStatusBodySchema = z.object({ status: z.string().min(1, 'required, must not be empty').max(64, 'at most 64 characters') });
const assignBodySchema = z.looseObject({ firstName: z.string().max(50).optional(), lastName: z.string().max(100).optional(), email: z.string().optional() });

export interface AdminApiDeps {
  state: SimulatorState;
  faults: FaultInjector;
  /** The organizer API's call counters (shown by /stats, cleared by /reset). */
  calls: Map<string, number>;
}

/** Answers a request whose path is under ADMIN_BASE_PATH. */
export function adminApi({ state, faults, calls }: AdminApiDeps): (req: http.IncomingMessage, url: URL, p: string) => Promise<Answer> {
  const routes = routeTable([
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
    [
      'POST',
      '/tickets/:ticketId/status',
      async (c) => {
        const r = rawStatusBodySchema.safeParse(await c.body());
        if (!r.success) return errorAnswer(400, 'BAD_REQUEST', `invalid body: ${formatIssues(r.error)}`, issuesToItemErrors(r.error));
        return ok(state.setRawStatus(c.params[0]!, r.data.status));
      },
    ],
    ['GET', '/faults', () => ok(faults.publicView())],
    [
      'POST',
      '/faults',
      async (c) => {
        const r = faultsSchema.safeParse(await c.body());
        if (!r.success) return errorAnswer(400, 'BAD_REQUEST', `invalid faults: ${formatIssues(r.error)}`, issuesToItemErrors(r.error));
        faults.merge(r.data);
        return ok(faults.publicView());
      },
    ],
    [
      'DELETE',
      '/faults',
      () => {
        faults.clear();
        return ok(faults.publicView());
      },
    ],
    [
      'POST',
      '/reset',
      () => {
        state.reset();
        calls.clear();
        faults.reset();
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
  ]);

  return async (req, url, p) => {
    const method = req.method ?? 'GET';
    const m = matchRoute(routes, method, p.slice(ADMIN_BASE_PATH.length) || '/');
    if (!m.route) {
      if (m.allowed.length) return errorAnswer(405, 'METHOD_NOT_ALLOWED', `${method} not allowed on ${p}`, undefined, { Allow: m.allowed.join(', ') });
      return errorAnswer(404, 'NOT_FOUND', `no such admin endpoint: ${method} ${p}`);
    }
    return m.route.handler({ req, url, params: m.params, body: readBody(req) });
  };
}
