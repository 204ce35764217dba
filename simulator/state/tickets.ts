// The organizer API's ticket side: injection (and re-injection, §6.1), read by id, control, the
// diff feed over the change log, and the monthly injection report.
import type { z } from 'zod';
import {
  controlledItemSchema,
  injectionTicketSchema,
  issuesToItemErrors,
  type DiffResponse,
  type Holder,
  type InjectionReport,
  type InjectResponse,
  type SearchTicketsResponse,
  type TicketItemResult,
  type TixngoTicket,
} from '../../tixngo/contract';
import {
  DELETED_STATES,
  SimHttpError,
  countStatus,
  idOf,
  namedErrors,
  notFound,
  nowIso,
  personOf,
  recordChange,
  setStatus,
  stateOf,
  type SimEvent,
  type SimStore,
  type SimTicket,
} from './store';

const PAGINATION_PREFIX = 'v1:';

export function encodePaginationKey(sequence: number): string {
  return Buffer.from(`${PAGINATION_PREFIX}${sequence}`, 'utf8').toString('base64url');
}
export function decodePaginationKey(key: string): number | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(key)) return undefined;
  const raw = Buffer.from(key, 'base64url').toString('utf8');
  if (!raw.startsWith(PAGINATION_PREFIX)) return undefined;
  const n = raw.slice(PAGINATION_PREFIX.length);
  if (!/^(0|[1-9]\d{0,15})$/.test(n)) return undefined;
  return Number(n);
}

const periodOf = (iso: string) => iso.slice(0, 7);
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function injectTickets(s: SimStore, raws: readonly Record<string, unknown>[]): InjectResponse {
  const results: TicketItemResult[] = [];
  const eventsCreated: string[] = [];
  const at = nowIso();
  raws.forEach((raw, index) => results.push(injectOne(s, raw, index, at, eventsCreated)));
  return { results, eventsCreated };
}

function injectOne(s: SimStore, raw: Record<string, unknown>, index: number, at: string, eventsCreated: string[]): TicketItemResult {
  const parsed = injectionTicketSchema.safeParse(raw);
  if (!parsed.success) {
    const ticketId = idOf(raw, 'ticketId', index);
    return { ticketId, outcome: 'REJECTED', reason: 'INVALID', errors: namedErrors(ticketId, issuesToItemErrors(parsed.error)) };
  }
  const t = parsed.data;
  const { ticketId, event, ...data } = t;
  const existing = s.tickets.get(ticketId);
  if (existing && DELETED_STATES.has(existing.status)) {
    return {
      ticketId,
      outcome: 'REJECTED',
      reason: 'CONFLICT',
      status: existing.status,
      errors: [{ field: 'ticketId', message: `ticket ${ticketId} is ${existing.status}: a deleted ticket cannot be re-injected; inject its replacement under a new ticketId` }],
    };
  }
  if (existing && existing.eventId !== event.id) {
    return {
      ticketId,
      outcome: 'REJECTED',
      reason: 'CONFLICT',
      status: existing.status,
      errors: [{ field: 'event.id', message: `ticket ${ticketId} belongs to event ${existing.eventId}; it cannot be moved to event ${event.id}` }],
    };
  }
  upsertEvent(s, event, at, eventsCreated);
  const spectator = personOf(t.spectatorDetails);
  const holder = (t.ticketHolder as Holder | undefined) ?? null;
  s.dirty = true;

  if (!existing) {
    const ticket: SimTicket = {
      ticketId,
      eventId: event.id,
      status: 'INJECTED',
      walletOwner: spectator,
      ticketHolder: holder,
      initialOwner: spectator,
      previousOwner: null,
      pendingTransferTo: null,
      transferLevel: 0,
      downloaded: false,
      injectedAt: at,
      updatedAt: at,
      controlledAt: null,
      version: 0,
      injectCount: 1,
      data,
      history: [],
    };
    s.tickets.set(ticketId, ticket);
    countStatus(s, undefined, 'INJECTED');
    s.events.get(event.id)!.tickets++;
    const period = periodOf(at);
    let byEvent = s.injections.get(period);
    if (!byEvent) s.injections.set(period, (byEvent = new Map()));
    byEvent.set(event.id, (byEvent.get(event.id) ?? 0) + 1);
    recordChange(s, ticket, 'INJECT', at);
    return { ticketId, outcome: 'ACCEPTED', status: ticket.status, version: ticket.version, created: true };
  }

  // Re-injection of a live ticket: update its data; the spectator (wallet owner) and the holder
  // only while the ticket has not reached a wallet yet.
  existing.data = data;
  existing.injectCount++;
  if (existing.injectCount === 2) s.reinjectedTickets++;
  let visibleChange = false;
  if (existing.status === 'INJECTED') {
    if (!sameJson(existing.walletOwner, spectator)) {
      existing.walletOwner = spectator;
      existing.initialOwner = spectator;
      visibleChange = true;
    }
    if (t.ticketHolder !== undefined && !sameJson(existing.ticketHolder, holder)) {
      existing.ticketHolder = holder;
      visibleChange = true;
    }
  }
  if (visibleChange) recordChange(s, existing, 'REINJECT', at, 'spectator/holder updated');
  else existing.history.push({ version: existing.version, at, action: 'REINJECT', status: existing.status, detail: 'ticket data updated' });
  return { ticketId, outcome: 'ACCEPTED', status: existing.status, version: existing.version, created: false };
}

function upsertEvent(s: SimStore, event: z.infer<typeof injectionTicketSchema>['event'], at: string, eventsCreated: string[]): void {
  const { id, name, startTime, expirationDate, ...details } = event;
  const existing = s.events.get(id);
  if (!existing) {
    s.events.set(id, {
      id,
      name: name ?? null,
      startTime: startTime ?? null,
      expirationDate: expirationDate ?? null,
      details,
      createdAt: at,
      updatedAt: at,
      tickets: 0,
    });
    eventsCreated.push(id);
    return;
  }
  // Name, address, website, group and metadata follow the latest injection; dates are kept as
  // first injected (domain reference §5.4: dates are not overwritable by a new injection).
  if (name !== undefined) existing.name = name;
  existing.details = details;
  existing.updatedAt = at;
}

export function searchTickets(s: SimStore, ticketIds: readonly string[]): SearchTicketsResponse {
  const tickets: TixngoTicket[] = [];
  const notFoundIds: string[] = [];
  const seen = new Set<string>();
  for (const id of ticketIds) {
    if (seen.has(id)) continue;
    seen.add(id);
    const t = s.tickets.get(id);
    if (t) tickets.push(stateOf(t));
    else notFoundIds.push(id);
  }
  return { tickets, notFound: notFoundIds };
}

export function markControlled(s: SimStore, raws: readonly Record<string, unknown>[]): { results: TicketItemResult[] } {
  const at = nowIso();
  const results = raws.map((raw, index): TicketItemResult => {
    const parsed = controlledItemSchema.safeParse(raw);
    if (!parsed.success) {
      const ticketId = idOf(raw, 'ticketId', index);
      return { ticketId, outcome: 'REJECTED', reason: 'INVALID', errors: namedErrors(ticketId, issuesToItemErrors(parsed.error)) };
    }
    const { ticketId, controlledAt } = parsed.data;
    const t = s.tickets.get(ticketId);
    if (!t) return notFound(ticketId);
    if (DELETED_STATES.has(t.status)) {
      return {
        ticketId,
        outcome: 'REJECTED',
        reason: 'CONFLICT',
        status: t.status,
        errors: [{ field: 'ticketId', message: `ticket ${ticketId} is ${t.status}: a deleted ticket cannot be controlled` }],
      };
    }
    if (t.status === 'CONTROLLED') return { ticketId, outcome: 'ACCEPTED', status: t.status, version: t.version };
    s.dirty = true;
    const from = t.status;
    t.controlledAt = new Date(controlledAt).toISOString();
    t.pendingTransferTo = null;
    setStatus(s, t, 'CONTROLLED');
    recordChange(s, t, 'CONTROL', at, `from ${from}`);
    return { ticketId, outcome: 'ACCEPTED', status: t.status, version: t.version };
  });
  return { results };
}

export function diff(s: SimStore, paginationKey: string | undefined, limit: number): DiffResponse {
  let from = 0;
  if (paginationKey !== undefined && paginationKey !== '') {
    const seq = decodePaginationKey(paginationKey);
    if (seq === undefined || seq > s.log.length) {
      throw new SimHttpError(400, 'BAD_REQUEST', 'paginationKey: unknown or malformed pagination key (pass back the nextPaginationKey of the previous page, or none to start)', [
        { field: 'paginationKey', message: 'unknown or malformed pagination key' },
      ]);
    }
    from = seq;
  }
  const end = Math.min(s.log.length, from + limit);
  return {
    tickets: s.log.slice(from, end),
    nextPaginationKey: encodePaginationKey(end),
    hasMore: end < s.log.length,
  };
}

export function injectionReport(s: SimStore, period: string, limit: number, offset: number): InjectionReport {
  const byEvent = s.injections.get(period);
  if (!byEvent) return { total: 0, grandTotal: 0, events: [] };
  const ids = [...byEvent.keys()].sort();
  let grandTotal = 0;
  for (const n of byEvent.values()) grandTotal += n;
  const events = ids.slice(offset, offset + limit).map((eventId) => {
    const e = s.events.get(eventId);
    return {
      eventId,
      eventName: e ? displayName(e.name) : null,
      startTime: e?.startTime ?? null,
      injected: byEvent.get(eventId) ?? 0,
    };
  });
  return { total: ids.length, grandTotal, events };
}

function displayName(name: SimEvent['name']): string | null {
  if (name === null) return null;
  if (typeof name === 'string') return name;
  return name.en ?? Object.values(name)[0] ?? null;
}
