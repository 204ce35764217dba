// In-memory state of the TIXNGO simulator: tickets, events, privileges, the change log that feeds
// the diff endpoint, the monthly injection counters, and the V3 lifecycle rules (§6.1, §6.5).
//
// Everything is indexed (Maps, an append-only change log addressed by sequence number, per-status
// counters) so that no request scans all tickets: a bulk call costs O(items), a diff page O(limit).
import type { z } from 'zod';
import { TIXNGO_STATUSES, type TixngoStatus } from '../common/domain';
import {
  controlledItemSchema,
  deleteItemSchema,
  injectionTicketSchema,
  issuesToItemErrors,
  privilegeInstanceInputSchema,
  type DiffEntry,
  type DiffResponse,
  type Holder,
  type InjectionReport,
  type InjectPrivilegesResponse,
  type InjectResponse,
  type ItemError,
  type Person,
  type PrivilegeDefinition,
  type PrivilegeInstanceState,
  type PrivilegeItemResult,
  type SearchPrivilegesResponse,
  type SearchTicketsResponse,
  type TicketItemResult,
  type TixngoTicket,
} from '../tixngo/contract';

export type HistoryAction =
  | 'INJECT'
  | 'REINJECT'
  | 'DELETE'
  | 'DELETE_UPDATE'
  | 'DELETION_CONFIRMED'
  | 'CONTROL'
  | 'DOWNLOAD'
  | 'ACTIVATE'
  | 'ASSIGN'
  | 'TRANSFER'
  | 'TRANSFER_ACCEPTED'
  | 'TRANSFER_REJECTED';

export interface HistoryEntry {
  /** Ticket version after the action (unchanged when the action changed nothing visible). */
  version: number;
  /** Global change sequence of the diff entry written, when one was written. */
  sequence?: number;
  at: string;
  action: HistoryAction;
  status: TixngoStatus;
  detail?: string;
}

export interface SimTicket {
  ticketId: string;
  eventId: string;
  status: TixngoStatus;
  walletOwner: Person | null;
  ticketHolder: Holder | null;
  initialOwner: Person | null;
  previousOwner: Person | null;
  pendingTransferTo: Person | null;
  transferLevel: number;
  downloaded: boolean;
  injectedAt: string;
  updatedAt: string;
  controlledAt: string | null;
  version: number;
  showDeletedTicket?: boolean;
  deletionReason?: string;
  deletionRequestedAt?: number;
  injectCount: number;
  /** The last injected payload, minus ticketId and event (kept in the event). */
  data: Record<string, unknown>;
  history: HistoryEntry[];
}

export interface SimEvent {
  id: string;
  name: string | Record<string, string> | null;
  startTime: string | null;
  expirationDate: string | null;
  details: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  tickets: number;
}

interface SimDefinition extends PrivilegeDefinition {
  details: Record<string, unknown>;
}

interface SimInstance extends PrivilegeInstanceState {
  injectCount: number;
  data: Record<string, unknown>;
}

/** A refusal of an admin (wallet) action or of a whole request: HTTP status + message. */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: { ticketId?: string; field?: string; message: string }[],
  ) {
    super(message);
  }
}

const DELETED_STATES: ReadonlySet<TixngoStatus> = new Set(['DELETION_PENDING', 'DELETED']);
const ACTIVATED_STATES: ReadonlySet<TixngoStatus> = new Set(['ONLINE_ACTIVATED', 'OFFLINE_ACTIVATED', 'BT_ACTIVATED', 'MANUAL_ACTIVATED', 'ACTIVATED']);
/** In a wallet, not activated, not controlled, no transfer pending. */
const IN_WALLET_IDLE: ReadonlySet<TixngoStatus> = new Set(['DOWNLOADED', 'ASSIGNED', 'TRANSFERRED', 'FAILURE_TRANSFER', 'FAILURE', 'DEACTIVATED']);
export const ACTIVATION_METHODS = { ONLINE: 'ONLINE_ACTIVATED', OFFLINE: 'OFFLINE_ACTIVATED', BT: 'BT_ACTIVATED', MANUAL: 'MANUAL_ACTIVATED' } as const;
export type ActivationMethod = keyof typeof ACTIVATION_METHODS;

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

const nowIso = () => new Date().toISOString();
const periodOf = (iso: string) => iso.slice(0, 7);
const personOf = (p: { email: string; firstName?: string | undefined; lastName?: string | undefined }): Person => {
  const out: Person = { email: p.email };
  if (p.firstName !== undefined) out.firstName = p.firstName;
  if (p.lastName !== undefined) out.lastName = p.lastName;
  return out;
};
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const idOf = (raw: unknown, key: string, index: number) => (isRecord(raw) && typeof raw[key] === 'string' && raw[key] !== '' ? raw[key] : `#${index}`);

export interface SimulatorStateOptions {
  deletionDelayMs?: number;
}

export interface PersistedState {
  format: 's360-tixngo-simulator/1';
  tickets: SimTicket[];
  events: SimEvent[];
  log: DiffEntry[];
  injections: [string, [string, number][]][];
  definitions: SimDefinition[];
  instances: SimInstance[];
}

export class SimulatorState {
  readonly tickets = new Map<string, SimTicket>();
  readonly events = new Map<string, SimEvent>();
  readonly definitions = new Map<string, SimDefinition>();
  readonly instances = new Map<string, SimInstance>();
  /** Append-only change log; entry i has sequence i + 1. Feeds the diff endpoint. */
  readonly log: DiffEntry[] = [];
  /** period (YYYY-MM) -> eventId -> tickets injected (first injections only). */
  readonly injections = new Map<string, Map<string, number>>();
  readonly statusCounts = new Map<TixngoStatus, number>();
  reinjectedTickets = 0;
  /** Pending deletions in request order: ticketId -> requestedAt (ms). */
  readonly pendingDeletions = new Map<string, number>();

  deletionDelayMs: number;
  deletionNeverConfirms = false;
  #sweepTimer: NodeJS.Timeout | undefined;
  #dirty = false;

  constructor(options: SimulatorStateOptions = {}) {
    this.deletionDelayMs = options.deletionDelayMs ?? 2000;
  }

  get dirty(): boolean {
    return this.#dirty;
  }
  markClean(): void {
    this.#dirty = false;
  }

  // ------------------------------------------------------------------------------------------
  // Tickets: injection
  // ------------------------------------------------------------------------------------------

  injectTickets(raws: readonly Record<string, unknown>[]): InjectResponse {
    const results: TicketItemResult[] = [];
    const eventsCreated: string[] = [];
    const at = nowIso();
    raws.forEach((raw, index) => results.push(this.#injectOne(raw, index, at, eventsCreated)));
    return { results, eventsCreated };
  }

  #injectOne(raw: Record<string, unknown>, index: number, at: string, eventsCreated: string[]): TicketItemResult {
    const parsed = injectionTicketSchema.safeParse(raw);
    if (!parsed.success) {
      const ticketId = idOf(raw, 'ticketId', index);
      return { ticketId, outcome: 'REJECTED', reason: 'INVALID', errors: namedErrors(ticketId, issuesToItemErrors(parsed.error)) };
    }
    const t = parsed.data;
    const { ticketId, event, ...data } = t;
    const existing = this.tickets.get(ticketId);
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
    this.#upsertEvent(event, at, eventsCreated);
    const spectator = personOf(t.spectatorDetails);
    const holder = (t.ticketHolder as Holder | undefined) ?? null;
    this.#dirty = true;

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
      this.tickets.set(ticketId, ticket);
      this.#countStatus(undefined, 'INJECTED');
      this.events.get(event.id)!.tickets++;
      const period = periodOf(at);
      let byEvent = this.injections.get(period);
      if (!byEvent) this.injections.set(period, (byEvent = new Map()));
      byEvent.set(event.id, (byEvent.get(event.id) ?? 0) + 1);
      this.#change(ticket, 'INJECT', at);
      return { ticketId, outcome: 'ACCEPTED', status: ticket.status, version: ticket.version, created: true };
    }

    // Re-injection of a live ticket: update its data; the spectator (wallet owner) and the holder
    // only while the ticket has not reached a wallet yet.
    existing.data = data;
    existing.injectCount++;
    if (existing.injectCount === 2) this.reinjectedTickets++;
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
    if (visibleChange) this.#change(existing, 'REINJECT', at, 'spectator/holder updated');
    else existing.history.push({ version: existing.version, at, action: 'REINJECT', status: existing.status, detail: 'ticket data updated' });
    return { ticketId, outcome: 'ACCEPTED', status: existing.status, version: existing.version, created: false };
  }

  #upsertEvent(event: z.infer<typeof injectionTicketSchema>['event'], at: string, eventsCreated: string[]): void {
    const { id, name, startTime, expirationDate, ...details } = event;
    const existing = this.events.get(id);
    if (!existing) {
      this.events.set(id, {
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

  // ------------------------------------------------------------------------------------------
  // Tickets: read, delete, control
  // ------------------------------------------------------------------------------------------

  searchTickets(ticketIds: readonly string[]): SearchTicketsResponse {
    const tickets: TixngoTicket[] = [];
    const notFound: string[] = [];
    const seen = new Set<string>();
    for (const id of ticketIds) {
      if (seen.has(id)) continue;
      seen.add(id);
      const t = this.tickets.get(id);
      if (t) tickets.push(stateOf(t));
      else notFound.push(id);
    }
    return { tickets, notFound };
  }

  deleteTickets(raws: readonly Record<string, unknown>[]): { results: TicketItemResult[] } {
    const at = nowIso();
    const now = Date.now();
    const results = raws.map((raw, index): TicketItemResult => {
      const parsed = deleteItemSchema.safeParse(raw);
      if (!parsed.success) {
        const ticketId = idOf(raw, 'ticketId', index);
        return { ticketId, outcome: 'REJECTED', reason: 'INVALID', errors: namedErrors(ticketId, issuesToItemErrors(parsed.error)) };
      }
      const { ticketId, reason, showDeletedTicket } = parsed.data;
      const t = this.tickets.get(ticketId);
      if (!t) return notFound(ticketId);
      this.#dirty = true;
      if (DELETED_STATES.has(t.status)) {
        // Repeat: idempotent. A changed reason or visibility (S-360 re-pushes on a reason change) is recorded.
        if (t.deletionReason !== reason || t.showDeletedTicket !== showDeletedTicket) {
          t.deletionReason = reason;
          t.showDeletedTicket = showDeletedTicket;
          this.#change(t, 'DELETE_UPDATE', at, `reason=${reason}`);
        }
        return { ticketId, outcome: 'ACCEPTED', status: t.status, version: t.version };
      }
      const from = t.status;
      t.deletionReason = reason;
      t.showDeletedTicket = showDeletedTicket;
      t.pendingTransferTo = null;
      t.deletionRequestedAt = now;
      this.pendingDeletions.set(ticketId, now);
      this.#setStatus(t, 'DELETION_PENDING');
      this.#change(t, 'DELETE', at, `from ${from}; reason=${reason}`);
      return { ticketId, outcome: 'ACCEPTED', status: t.status, version: t.version };
    });
    this.scheduleDeletionSweep();
    return { results };
  }

  markControlled(raws: readonly Record<string, unknown>[]): { results: TicketItemResult[] } {
    const at = nowIso();
    const results = raws.map((raw, index): TicketItemResult => {
      const parsed = controlledItemSchema.safeParse(raw);
      if (!parsed.success) {
        const ticketId = idOf(raw, 'ticketId', index);
        return { ticketId, outcome: 'REJECTED', reason: 'INVALID', errors: namedErrors(ticketId, issuesToItemErrors(parsed.error)) };
      }
      const { ticketId, controlledAt } = parsed.data;
      const t = this.tickets.get(ticketId);
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
      this.#dirty = true;
      const from = t.status;
      t.controlledAt = new Date(controlledAt).toISOString();
      t.pendingTransferTo = null;
      this.#setStatus(t, 'CONTROLLED');
      this.#change(t, 'CONTROL', at, `from ${from}`);
      return { ticketId, outcome: 'ACCEPTED', status: t.status, version: t.version };
    });
    return { results };
  }

  // ------------------------------------------------------------------------------------------
  // Diff feed
  // ------------------------------------------------------------------------------------------

  diff(paginationKey: string | undefined, limit: number): DiffResponse {
    let from = 0;
    if (paginationKey !== undefined && paginationKey !== '') {
      const seq = decodePaginationKey(paginationKey);
      if (seq === undefined || seq > this.log.length) {
        throw new SimHttpError(400, 'BAD_REQUEST', 'paginationKey: unknown or malformed pagination key (pass back the nextPaginationKey of the previous page, or none to start)', [
          { field: 'paginationKey', message: 'unknown or malformed pagination key' },
        ]);
      }
      from = seq;
    }
    const end = Math.min(this.log.length, from + limit);
    return {
      tickets: this.log.slice(from, end),
      nextPaginationKey: encodePaginationKey(end),
      hasMore: end < this.log.length,
    };
  }

  // ------------------------------------------------------------------------------------------
  // Report
  // ------------------------------------------------------------------------------------------

  injectionReport(period: string, limit: number, offset: number): InjectionReport {
    const byEvent = this.injections.get(period);
    if (!byEvent) return { total: 0, grandTotal: 0, events: [] };
    const ids = [...byEvent.keys()].sort();
    let grandTotal = 0;
    for (const n of byEvent.values()) grandTotal += n;
    const events = ids.slice(offset, offset + limit).map((eventId) => {
      const e = this.events.get(eventId);
      return {
        eventId,
        eventName: e ? displayName(e.name) : null,
        startTime: e?.startTime ?? null,
        injected: byEvent.get(eventId) ?? 0,
      };
    });
    return { total: ids.length, grandTotal, events };
  }

  // ------------------------------------------------------------------------------------------
  // Privileges
  // ------------------------------------------------------------------------------------------

  injectPrivileges(raws: readonly Record<string, unknown>[]): InjectPrivilegesResponse {
    const at = nowIso();
    const definitionsCreated: string[] = [];
    const results = raws.map((raw, index): PrivilegeItemResult => {
      const parsed = privilegeInstanceInputSchema.safeParse(raw);
      if (!parsed.success) {
        const instanceId = idOf(raw, 'instanceId', index);
        return { instanceId, outcome: 'REJECTED', reason: 'INVALID', errors: namedErrors(instanceId, issuesToItemErrors(parsed.error), 'instance') };
      }
      const { instanceId, privilegeDefinition, holder, linkedTicketIds, ...data } = parsed.data;
      const existing = this.instances.get(instanceId);
      if (existing && existing.definitionId !== privilegeDefinition.id) {
        return {
          instanceId,
          outcome: 'REJECTED',
          reason: 'CONFLICT',
          status: existing.status,
          errors: [{ field: 'privilegeDefinition.id', message: `instance ${instanceId} belongs to privilege definition ${existing.definitionId}` }],
        };
      }
      this.#dirty = true;
      const definitionCreated = this.#upsertDefinition(privilegeDefinition, at);
      if (definitionCreated) definitionsCreated.push(privilegeDefinition.id);
      if (!existing) {
        this.instances.set(instanceId, {
          instanceId,
          definitionId: privilegeDefinition.id,
          status: 'INJECTED',
          holder: personOf(holder),
          linkedTicketIds: linkedTicketIds ?? [],
          injectedAt: at,
          updatedAt: at,
          version: 1,
          injectCount: 1,
          data,
        });
        this.definitions.get(privilegeDefinition.id)!.instanceCount++;
        return { instanceId, outcome: 'ACCEPTED', status: 'INJECTED', created: true, definitionCreated };
      }
      existing.injectCount++;
      existing.data = data;
      existing.linkedTicketIds = linkedTicketIds ?? existing.linkedTicketIds;
      existing.holder = personOf(holder);
      existing.updatedAt = at;
      existing.version++;
      return { instanceId, outcome: 'ACCEPTED', status: existing.status, created: false, definitionCreated };
    });
    return { results, definitionsCreated };
  }

  #upsertDefinition(def: z.infer<typeof privilegeInstanceInputSchema>['privilegeDefinition'], at: string): boolean {
    const { id, name, description, kind, validFrom, validUntil, imageUrl, ...details } = def;
    const existing = this.definitions.get(id);
    const fields = { name, description, kind, validFrom, validUntil, imageUrl };
    if (!existing) {
      const created: SimDefinition = { id, name, instanceCount: 0, createdAt: at, updatedAt: at, version: 1, details };
      assignDefined(created, fields);
      this.definitions.set(id, created);
      return true;
    }
    // "Later runs create nothing new unless the digital privilege itself changed" (§3.5): update in place.
    const before = JSON.stringify([existing.name, existing.description, existing.kind, existing.validFrom, existing.validUntil, existing.imageUrl, existing.details]);
    assignDefined(existing, fields);
    existing.details = details;
    const after = JSON.stringify([existing.name, existing.description, existing.kind, existing.validFrom, existing.validUntil, existing.imageUrl, existing.details]);
    if (before !== after) {
      existing.version++;
      existing.updatedAt = at;
    }
    return false;
  }

  getDefinition(id: string): PrivilegeDefinition | undefined {
    const d = this.definitions.get(id);
    if (!d) return undefined;
    const { details: _details, ...pub } = d;
    return pub;
  }

  searchPrivileges(ids: readonly string[]): SearchPrivilegesResponse {
    const instances: PrivilegeInstanceState[] = [];
    const notFoundIds: string[] = [];
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      const i = this.instances.get(id);
      if (!i) {
        notFoundIds.push(id);
        continue;
      }
      const { injectCount: _c, data: _d, ...pub } = i;
      instances.push(pub);
    }
    return { instances, notFound: notFoundIds };
  }

  // ------------------------------------------------------------------------------------------
  // Wallet side (driven through the admin API)
  // ------------------------------------------------------------------------------------------

  #walletTicket(ticketId: string, action: string): SimTicket {
    const t = this.tickets.get(ticketId);
    if (!t) throw new SimHttpError(404, 'NOT_FOUND', `ticket ${ticketId} not found`);
    if (DELETED_STATES.has(t.status)) throw refused(t, action, 'the ticket is deleted');
    return t;
  }

  download(ticketId: string): TixngoTicket {
    const t = this.#walletTicket(ticketId, 'download');
    const at = nowIso();
    if (t.status === 'INJECTED') {
      t.downloaded = true;
      this.#setStatus(t, 'DOWNLOADED');
      this.#change(t, 'DOWNLOAD', at);
    } else if (t.status === 'CONTROLLED' && !t.downloaded) {
      // Controlled before download: the ticket reaches the wallet with its QR code hidden.
      t.downloaded = true;
      t.history.push({ version: t.version, at, action: 'DOWNLOAD', status: t.status, detail: 'downloaded after control' });
    } else {
      throw refused(t, 'download', t.downloaded ? 'the ticket is already in a wallet' : 'only an INJECTED ticket can be downloaded');
    }
    this.#dirty = true;
    return stateOf(t);
  }

  activate(ticketId: string, method: ActivationMethod = 'ONLINE'): TixngoTicket {
    const t = this.#walletTicket(ticketId, 'activate');
    if (!IN_WALLET_IDLE.has(t.status)) {
      const why =
        t.status === 'INJECTED'
          ? 'the ticket is not in a wallet yet'
          : t.status === 'CONTROLLED'
            ? 'a controlled ticket cannot be activated'
            : ACTIVATED_STATES.has(t.status)
              ? 'the ticket is already activated'
              : t.status === 'PENDING_TRANSFER'
                ? 'a transfer is pending'
                : 'not allowed in this status';
      throw refused(t, 'activate', why);
    }
    this.#setStatus(t, ACTIVATION_METHODS[method]);
    this.#change(t, 'ACTIVATE', nowIso(), method);
    this.#dirty = true;
    return stateOf(t);
  }

  assign(ticketId: string, holder: Holder): TixngoTicket {
    const t = this.#walletTicket(ticketId, 'assign');
    if (!IN_WALLET_IDLE.has(t.status)) throw refused(t, 'assign', t.status === 'INJECTED' ? 'the ticket is not in a wallet yet' : 'not allowed in this status');
    t.ticketHolder = holder;
    this.#setStatus(t, 'ASSIGNED');
    this.#change(t, 'ASSIGN', nowIso());
    this.#dirty = true;
    return stateOf(t);
  }

  transfer(ticketId: string, to: Person): TixngoTicket {
    const t = this.#walletTicket(ticketId, 'transfer');
    if (t.status === 'CONTROLLED') throw refused(t, 'transfer', 'a controlled ticket cannot be transferred');
    if (t.status === 'INJECTED') throw refused(t, 'transfer', 'the ticket is not in a wallet yet');
    if (t.status === 'PENDING_TRANSFER') throw refused(t, 'transfer', 'a transfer is already pending');
    if (!IN_WALLET_IDLE.has(t.status) && !ACTIVATED_STATES.has(t.status)) throw refused(t, 'transfer', 'not allowed in this status');
    if (t.walletOwner && t.walletOwner.email.toLowerCase() === to.email.toLowerCase()) throw refused(t, 'transfer', 'the recipient already owns the ticket');
    t.pendingTransferTo = to;
    this.#setStatus(t, 'PENDING_TRANSFER');
    this.#change(t, 'TRANSFER', nowIso(), `to ${to.email}`);
    this.#dirty = true;
    return stateOf(t);
  }

  accept(ticketId: string): TixngoTicket {
    const t = this.#walletTicket(ticketId, 'accept');
    if (t.status !== 'PENDING_TRANSFER' || !t.pendingTransferTo) throw refused(t, 'accept', 'no transfer is pending');
    const to = t.pendingTransferTo;
    t.previousOwner = t.walletOwner;
    t.walletOwner = to;
    const holder: Holder = { email: to.email };
    if (to.firstName !== undefined) holder.firstName = to.firstName;
    if (to.lastName !== undefined) holder.lastName = to.lastName;
    t.ticketHolder = holder;
    t.pendingTransferTo = null;
    t.transferLevel++;
    this.#setStatus(t, 'TRANSFERRED');
    this.#change(t, 'TRANSFER_ACCEPTED', nowIso(), `owner ${to.email}`);
    this.#dirty = true;
    return stateOf(t);
  }

  reject(ticketId: string): TixngoTicket {
    const t = this.#walletTicket(ticketId, 'reject');
    if (t.status !== 'PENDING_TRANSFER') throw refused(t, 'reject', 'no transfer is pending');
    t.pendingTransferTo = null;
    this.#setStatus(t, 'FAILURE_TRANSFER');
    this.#change(t, 'TRANSFER_REJECTED', nowIso());
    this.#dirty = true;
    return stateOf(t);
  }

  // ------------------------------------------------------------------------------------------
  // Deletion confirmation
  // ------------------------------------------------------------------------------------------

  /** Confirms due deletions (DELETION_PENDING -> DELETED), then re-arms the timer. */
  sweepDeletions(now: number = Date.now()): number {
    if (this.deletionNeverConfirms) return 0;
    let confirmed = 0;
    const at = new Date(now).toISOString();
    for (const [ticketId, requestedAt] of this.pendingDeletions) {
      // Map order = request order, and the delay is the same for all: stop at the first not due.
      if (requestedAt + this.deletionDelayMs > now) break;
      this.pendingDeletions.delete(ticketId);
      const t = this.tickets.get(ticketId);
      if (!t || t.status !== 'DELETION_PENDING') continue;
      this.#setStatus(t, 'DELETED');
      this.#change(t, 'DELETION_CONFIRMED', at);
      confirmed++;
    }
    if (confirmed > 0) this.#dirty = true;
    return confirmed;
  }

  scheduleDeletionSweep(): void {
    if (this.#sweepTimer) clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
    if (this.deletionNeverConfirms || this.pendingDeletions.size === 0) return;
    const first = this.pendingDeletions.values().next().value as number;
    const wait = Math.max(0, first + this.deletionDelayMs - Date.now());
    this.#sweepTimer = setTimeout(() => {
      this.#sweepTimer = undefined;
      this.sweepDeletions();
      this.scheduleDeletionSweep();
    }, wait);
    this.#sweepTimer.unref();
  }

  // ------------------------------------------------------------------------------------------
  // Admin views
  // ------------------------------------------------------------------------------------------

  adminTicket(ticketId: string): (TixngoTicket & { injectCount: number; history: HistoryEntry[] }) | undefined {
    const t = this.tickets.get(ticketId);
    if (!t) return undefined;
    return { ...stateOf(t), injectCount: t.injectCount, history: t.history };
  }

  ticketCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of TIXNGO_STATUSES) {
      const n = this.statusCounts.get(s);
      if (n) out[s] = n;
    }
    return out;
  }

  reset(): void {
    this.tickets.clear();
    this.events.clear();
    this.definitions.clear();
    this.instances.clear();
    this.log.length = 0;
    this.injections.clear();
    this.statusCounts.clear();
    this.pendingDeletions.clear();
    this.reinjectedTickets = 0;
    this.deletionNeverConfirms = false;
    if (this.#sweepTimer) clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
    this.#dirty = true;
  }

  dispose(): void {
    if (this.#sweepTimer) clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
  }

  // ------------------------------------------------------------------------------------------
  // Persistence
  // ------------------------------------------------------------------------------------------

  toPersisted(): PersistedState {
    return {
      format: 's360-tixngo-simulator/1',
      tickets: [...this.tickets.values()],
      events: [...this.events.values()],
      log: this.log,
      injections: [...this.injections].map(([p, m]) => [p, [...m]]),
      definitions: [...this.definitions.values()],
      instances: [...this.instances.values()],
    };
  }

  loadPersisted(p: PersistedState): void {
    this.reset();
    if (p.format !== 's360-tixngo-simulator/1') throw new Error(`unknown simulator state format: ${String(p.format)}`);
    for (const t of p.tickets) {
      this.tickets.set(t.ticketId, t);
      this.#countStatus(undefined, t.status);
      if (t.injectCount > 1) this.reinjectedTickets++;
      if (t.status === 'DELETION_PENDING') this.pendingDeletions.set(t.ticketId, t.deletionRequestedAt ?? Date.now());
    }
    for (const e of p.events) this.events.set(e.id, e);
    for (const entry of p.log) this.log.push(entry);
    for (const [period, entries] of p.injections) this.injections.set(period, new Map(entries));
    for (const d of p.definitions) this.definitions.set(d.id, d);
    for (const i of p.instances) this.instances.set(i.instanceId, i);
    // Keep request order of pending deletions.
    const pending = [...this.pendingDeletions].sort((a, b) => a[1] - b[1]);
    this.pendingDeletions.clear();
    for (const [id, at] of pending) this.pendingDeletions.set(id, at);
    this.#dirty = false;
    this.scheduleDeletionSweep();
  }

  // ------------------------------------------------------------------------------------------
  // Internals
  // ------------------------------------------------------------------------------------------

  #setStatus(t: SimTicket, status: TixngoStatus): void {
    this.#countStatus(t.status, status);
    t.status = status;
  }

  #countStatus(from: TixngoStatus | undefined, to: TixngoStatus): void {
    if (from !== undefined) this.statusCounts.set(from, (this.statusCounts.get(from) ?? 1) - 1);
    this.statusCounts.set(to, (this.statusCounts.get(to) ?? 0) + 1);
  }

  /** A visible change: bump the version, append to the change log and to the ticket's history. */
  #change(t: SimTicket, action: HistoryAction, at: string, detail?: string): void {
    t.version++;
    t.updatedAt = at;
    const sequence = this.log.length + 1;
    this.log.push({ ...stateOf(t), sequence });
    const h: HistoryEntry = { version: t.version, sequence, at, action, status: t.status };
    if (detail !== undefined) h.detail = detail;
    t.history.push(h);
  }
}

/** The public state of a ticket (what read-by-id and the diff feed return). */
export function stateOf(t: SimTicket): TixngoTicket {
  const s: TixngoTicket = {
    ticketId: t.ticketId,
    eventId: t.eventId,
    status: t.status,
    walletOwner: t.walletOwner,
    ticketHolder: t.ticketHolder,
    initialOwner: t.initialOwner,
    previousOwner: t.previousOwner,
    pendingTransferTo: t.pendingTransferTo,
    transferLevel: t.transferLevel,
    injectedAt: t.injectedAt,
    controlledAt: t.controlledAt,
    updatedAt: t.updatedAt,
    version: t.version,
  };
  if (t.showDeletedTicket !== undefined) s.showDeletedTicket = t.showDeletedTicket;
  if (t.deletionReason !== undefined) s.deletionReason = t.deletionReason;
  return s;
}

function refused(t: SimTicket, action: string, why: string): SimHttpError {
  return new SimHttpError(409, 'CONFLICT', `cannot ${action} ticket ${t.ticketId}: ${why} (status ${t.status})`);
}

function notFound(ticketId: string): TicketItemResult {
  return { ticketId, outcome: 'REJECTED', reason: 'NOT_FOUND', errors: [{ field: 'ticketId', message: `ticket ${ticketId} not found` }] };
}

/** Prefixes each message with the item so a log line names ticket and field on its own. */
function namedErrors(id: string, errors: ItemError[], what = 'ticket'): ItemError[] {
  return errors.map((e) => ({ field: e.field ?? '(item)', message: `${what} ${id}: ${e.field ?? '(item)'}: ${e.message}` }));
}

function displayName(name: SimEvent['name']): string | null {
  if (name === null) return null;
  if (typeof name === 'string') return name;
  return name.en ?? Object.values(name)[0] ?? null;
}

function assignDefined<T extends object>(target: T, fields: Partial<T>): void {
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) (target as Record<string, unknown>)[k] = v;
}
