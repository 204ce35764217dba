// Fakes for unit tests of the activities (test/unit/activities-*.test.ts): an in-memory S-360 repository with just
// what the activities read and write, and a scripted TIXNGO client. No database, no server.
import crypto from 'node:crypto';
import { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type ActivityRepository, type TixngoClientFactory, type TixngoClientLike } from '../../activities';
import type { ActivityGroups } from '../../activities/types';
import type { TixngoStatus } from '../../common/domain';
import { secretKeyFromBytes } from '../../config/secrets';
import { DEFAULT_FUNCTION_SETTINGS, type FeedbackChange, type InterfaceCredentials, type InterfaceRow, type ItemErrorInput, type PushedItem, type TicketPayloadRow } from '../../db/types';
import type { DiffResponse, ItemError, ItemReason } from '../../tixngo/contract';

/** The interface's API key: no failure, log or result may ever show it. */
export const API_KEY = 'sk-live-7f3a9c1e5b2d4f60-unit';

export const IFACE: InterfaceRow = {
  id: 7,
  name: 'demo',
  type: 'TIXNGO',
  url: 'http://tixngo.invalid/organizer/tickets',
  loginEmail: 'organizer@example.org',
  notificationEmails: [],
  customParams: {},
  settings: { ...DEFAULT_FUNCTION_SETTINGS },
  timeZone: 'UTC',
  createdAt: '2026-01-01T00:00:00Z',
};

/** A complete S-360 ticket of event E1 on IFACE, valid for injection. */
export function ticket(id: string, over: Partial<TicketPayloadRow> = {}): TicketPayloadRow {
  return {
    id,
    taxNumber: `1000000000${id}`,
    barcode: `BC${id}`,
    status: 'NOT_PRINTED',
    invalidationReason: null,
    statusChangedAt: '2026-01-01T00:00:00Z',
    controlledAt: null,
    interfaceId: IFACE.id,
    shipmentMode: 'BLOCKCHAIN',
    block: 'B1',
    row: '3',
    seat: id,
    category: 'CAT1',
    tariff: 'ADULT',
    price: 55,
    currency: 'CHF',
    fileNumber: 'F1',
    holder: { title: 'Ms', firstName: 'Anna', lastName: 'Muster', email: 'anna@example.org', birthdate: null, idNumber: null, countryCode: 'CH', birthRegion: null, birthPlace: null },
    performance: {
      id: 1,
      code: 'E1',
      name: 'Final',
      productKind: 'match',
      venueSite: 'Stadium',
      addressLine1: null,
      city: 'Bern',
      zip: '3000',
      countryCode: 'CH',
      timezone: 'Europe/Zurich',
      startTime: '2026-06-01T18:00:00.000Z',
      endTime: null,
      comfortVariables: null,
    },
    replacedTicket: null,
    updatedAt: '2026-01-01T00:00:00Z',
    ...over,
  };
}

export interface FakeRepo {
  repo: ActivityRepository;
  /** markInjected / markPushed calls, in order. */
  marked: { fn: string; items: PushedItem[]; runId: string }[];
  /** recordItemErrors calls. */
  errors: { fn: string; itemKind: string; items: ItemErrorInput[]; runId: string }[];
  feedback: { changes: FeedbackChange[]; nextCursor: string | null }[];
  cursor: string | null;
}

const byId = (a: { id: string }, b: { id: string }) => Number(a.id) - Number(b.id);

/** S-360 with IFACE and these tickets. Methods the tested activities do not need throw. */
export function fakeRepo(tickets: TicketPayloadRow[], opts: { cursor?: string | null; credentials?: () => InterfaceCredentials } = {}): FakeRepo {
  const unexpected = (name: string) => async (): Promise<never> => {
    throw new Error(`fake repository: ${name} not expected here`);
  };
  const page = (statuses: string[], afterId: string | undefined, limit: number) =>
    tickets
      .filter((t) => statuses.includes(t.status) && (afterId === undefined || Number(t.id) > Number(afterId)))
      .sort(byId)
      .slice(0, limit);
  const state: FakeRepo = {
    marked: [],
    errors: [],
    feedback: [],
    cursor: opts.cursor ?? null,
    repo: {
      getInterfaceByName: async (name) => (name === IFACE.name ? IFACE : undefined),
      listInterfaces: async () => [IFACE],
      getInterfaceCredentials: async () => opts.credentials?.() ?? { url: IFACE.url, login: IFACE.loginEmail, apiKey: API_KEY },
      loadTicketsForPayload: async (ids) => tickets.filter((t) => ids.includes(t.id)),
      selectInjectionCandidates: async (_iface, o) => page(['NOT_PRINTED'], o.afterId, o.limit).map((t) => t.id),
      selectPushCancelledCandidates: async (_iface, o) =>
        page(['CANCELLED', 'INVALIDATED'], o.afterId, o.limit).map((t) => ({ id: t.id, status: t.status as 'CANCELLED' | 'INVALIDATED', reason: t.invalidationReason })),
      selectPushControlledCandidates: async (_iface, o) => page(['CONTROLLED'], o.afterId, o.limit).map((t) => ({ id: t.id, controlledAt: t.controlledAt })),
      markInjected: async (_iface, ids, runId) => {
        state.marked.push({ fn: 'INJECTION', items: ids.map((id) => ({ id })), runId });
        return [...ids];
      },
      markPushed: async (_iface, fn, items, runId) => {
        state.marked.push({ fn, items: [...items], runId });
        return items.map((i) => i.id);
      },
      recordItemErrors: async (_iface, fn, itemKind, items, runId) => {
        state.errors.push({ fn, itemKind, items: [...items], runId });
        return items.length;
      },
      getFeedbackCursor: async () => state.cursor,
      applyFeedbackPage: async (_iface, changes, nextCursor) => {
        state.feedback.push({ changes: [...changes], nextCursor });
        state.cursor = nextCursor;
        const known = changes.filter((c) => tickets.some((t) => t.id === c.ticketId));
        return {
          changed: known.flatMap((c) => (c.tixngoStatus === null ? [] : [{ ticketId: c.ticketId, tixngoStatus: c.tixngoStatus }])),
          unknown: changes.filter((c) => !known.includes(c)).map((c) => c.ticketId),
        };
      },
      ticketTaxNumbers: async (ids) => new Map(tickets.filter((t) => ids.includes(t.id)).map((t) => [t.id, t.taxNumber])),
      resolveTicketRefs: unexpected('resolveTicketRefs'),
      selectChangedSince: unexpected('selectChangedSince'),
      startExclusiveExecution: unexpected('startExclusiveExecution'),
      finishExecution: unexpected('finishExecution'),
      resolveErrors: unexpected('resolveErrors'),
      listWorkflowErrors: unexpected('listWorkflowErrors'),
      selectPrivilegeCandidates: unexpected('selectPrivilegeCandidates'),
      loadCardsForPayload: unexpected('loadCardsForPayload'),
      markCardsInjected: unexpected('markCardsInjected'),
      selectInjectedInRun: unexpected('selectInjectedInRun'),
      selectPendingDeletionsInRun: unexpected('selectPendingDeletionsInRun'),
      countPushedInRun: unexpected('countPushedInRun'),
      applyTicketStates: unexpected('applyTicketStates'),
      cancelTickets: unexpected('cancelTickets'),
      controlTickets: unexpected('controlTickets'),
      getExecutionNotification: unexpected('getExecutionNotification'),
      listExecutionErrors: unexpected('listExecutionErrors'),
      markExecutionNotified: unexpected('markExecutionNotified'),
    },
  };
  return state;
}

export interface FakeTixngo {
  factory: TixngoClientFactory;
  /** Each call: the operation and the ticket ids (or the diff query). */
  calls: { op: string; ids: string[]; body?: unknown }[];
  /** Credentials the factory was given. */
  credentials: InterfaceCredentials[];
}

/**
 * A TIXNGO that accepts every ticket except those in `reject`, holds `held` already, answers the diff feed with
 * `diff`, and throws `fail` (e.g. a TixngoError 401) from every bulk call when set.
 */
export function fakeTixngo(opts: {
  reject?: Record<string, { reason: ItemReason; errors?: ItemError[] }>;
  held?: string[];
  diff?: DiffResponse;
  fail?: Error;
} = {}): FakeTixngo {
  const calls: FakeTixngo['calls'] = [];
  const credentials: InterfaceCredentials[] = [];
  const outcome = (ticketId: string, status: TixngoStatus) => {
    const r = opts.reject?.[ticketId];
    return r ? { ticketId, outcome: 'REJECTED' as const, reason: r.reason, errors: r.errors } : { ticketId, outcome: 'ACCEPTED' as const, status };
  };
  const bulk = (results: ReturnType<typeof outcome>[]) => ({
    results,
    accepted: results.filter((r) => r.outcome === 'ACCEPTED').length,
    rejected: results.filter((r) => r.outcome === 'REJECTED').length,
  });
  const call = (op: string, ids: string[], body?: unknown) => {
    calls.push({ op, ids, body });
    if (opts.fail) throw opts.fail;
  };
  const client: TixngoClientLike = {
    async injectTickets(tickets) {
      call('injectTickets', tickets.map((t) => t.ticketId), tickets);
      return { ...bulk(tickets.map((t) => outcome(t.ticketId, 'INJECTED'))), eventsCreated: [] };
    },
    async getTickets(ids) {
      call('getTickets', [...ids]);
      const held = ids.filter((id) => opts.held?.includes(id));
      return {
        tickets: held.map((ticketId) => ({ ticketId, eventId: 'E1', status: 'INJECTED' as const, walletOwner: null, ticketHolder: null, updatedAt: '2026-01-01T00:00:00Z', version: 1 })),
        notFound: ids.filter((id) => !held.includes(id)),
      };
    },
    async deleteTickets(items) {
      call('deleteTickets', items.map((i) => i.ticketId), items);
      return bulk(items.map((i) => outcome(i.ticketId, 'DELETION_PENDING')));
    },
    async markControlled(items) {
      call('markControlled', items.map((i) => i.ticketId), items);
      return bulk(items.map((i) => outcome(i.ticketId, 'CONTROLLED')));
    },
    async getDiff(query) {
      call('getDiff', [], query);
      return opts.diff ?? { tickets: [], nextPaginationKey: query.paginationKey ?? 'k-0', hasMore: false };
    },
    async injectPrivileges() {
      throw new Error('fake TIXNGO: injectPrivileges not expected here');
    },
    async getPrivilegeInstances() {
      throw new Error('fake TIXNGO: getPrivilegeInstances not expected here');
    },
  };
  const factory: TixngoClientFactory = (cred) => {
    credentials.push(cred);
    return client;
  };
  return { factory, calls, credentials };
}

/** The activities over these fakes; the Temporal client is never called by the non-fan-out activities. */
export function activitiesWith(repo: ActivityRepository, tixngo: TixngoClientFactory, now?: () => Date): ActivityGroups {
  return createActivities({
    repo,
    secretKey: secretKeyFromBytes(crypto.randomBytes(32)),
    tixngo,
    client: new Client(),
    taskQueue: 'unit',
    now,
    interfaceCacheMs: 0,
  });
}

export interface ActivityEnv {
  /** Runs one activity in the mock environment (typed: MockActivityEnvironment.run infers no result type). */
  run<A, R>(fn: (input: A) => Promise<R>, input: A): Promise<R>;
  heartbeats: unknown[];
}

/** An activity environment (attempt 1 unless told) that keeps the heartbeats it receives. */
export function activityEnv(info: { attempt?: number; heartbeatDetails?: unknown } = {}): ActivityEnv {
  const env = new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => heartbeats.push(d));
  return { run: (fn, input) => env.run(fn, input), heartbeats };
}
