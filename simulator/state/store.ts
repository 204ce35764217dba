// The simulator's data and the few primitives every concern (tickets, privileges, wallet, deletion,
// persistence) writes through: status changes keep the per-status counters right, visible changes
// bump the ticket version and feed the change log behind the diff endpoint.
//
// Everything is indexed (Maps, an append-only change log addressed by sequence number, per-status
// counters) so that no request scans all tickets: a bulk call costs O(items), a diff page O(limit).
import type { TixngoStatus } from '../../common/domain';
import type { DiffEntry, Holder, ItemError, Person, PrivilegeDefinition, PrivilegeInstanceState, TicketItemResult, TixngoTicket } from '../../tixngo/contract';

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
  | 'TRANSFER_REJECTED'
  | 'RAW_STATUS';

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
  /**
   * A status the API reports instead of `status` (set through the admin API, to play a V4, legacy or future TIXNGO
   * status); the lifecycle keeps following `status`, and the next lifecycle change clears it.
   */
  rawStatus?: string;
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

export interface SimDefinition extends PrivilegeDefinition {
  details: Record<string, unknown>;
}

export interface SimInstance extends PrivilegeInstanceState {
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

export interface SimulatorStateOptions {
  deletionDelayMs?: number;
}

/** The simulator's data. Plain fields: the concern modules read and write them directly. */
export class SimStore {
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
  /** Tickets whose deletion is never confirmed (fault deletionHeldTickets): they stay DELETION_PENDING. */
  deletionHeld: ReadonlySet<string> = new Set();
  /** The next deletion confirmation; armed and cleared by deletion.ts only. */
  sweepTimer: NodeJS.Timeout | undefined;
  /** Changed since the last save. */
  dirty = false;

  constructor(options: SimulatorStateOptions = {}) {
    this.deletionDelayMs = options.deletionDelayMs ?? 2000;
  }
}

export const DELETED_STATES: ReadonlySet<TixngoStatus> = new Set(['DELETION_PENDING', 'DELETED']);

export function setStatus(s: SimStore, t: SimTicket, status: TixngoStatus): void {
  countStatus(s, t.status, status);
  t.status = status;
  delete t.rawStatus;
}

/** Makes the API report `status` for this ticket (admin API); its lifecycle status is unchanged. A visible change. */
export function setRawStatus(s: SimStore, ticketId: string, status: string): TixngoTicket {
  const t = s.tickets.get(ticketId);
  if (!t) throw new SimHttpError(404, 'NOT_FOUND', `ticket ${ticketId} not found`);
  t.rawStatus = status;
  recordChange(s, t, 'RAW_STATUS', nowIso(), `reported as ${status}`);
  s.dirty = true;
  return stateOf(t);
}

export function countStatus(s: SimStore, from: TixngoStatus | undefined, to: TixngoStatus): void {
  if (from !== undefined) s.statusCounts.set(from, (s.statusCounts.get(from) ?? 1) - 1);
  s.statusCounts.set(to, (s.statusCounts.get(to) ?? 0) + 1);
}

/** A visible change: bump the version, append to the change log and to the ticket's history. */
export function recordChange(s: SimStore, t: SimTicket, action: HistoryAction, at: string, detail?: string): void {
  t.version++;
  t.updatedAt = at;
  const sequence = s.log.length + 1;
  s.log.push({ ...stateOf(t), sequence });
  const h: HistoryEntry = { version: t.version, sequence, at, action, status: t.status };
  if (detail !== undefined) h.detail = detail;
  t.history.push(h);
}

/** The public state of a ticket (what read-by-id and the diff feed return). */
export function stateOf(t: SimTicket): TixngoTicket {
  const s: TixngoTicket = {
    ticketId: t.ticketId,
    eventId: t.eventId,
    status: t.rawStatus ?? t.status,
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

export const nowIso = () => new Date().toISOString();

export const personOf = (p: { email: string; firstName?: string | undefined; lastName?: string | undefined }): Person => {
  const out: Person = { email: p.email };
  if (p.firstName !== undefined) out.firstName = p.firstName;
  if (p.lastName !== undefined) out.lastName = p.lastName;
  return out;
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The item's id for an error report, or its position when the item has none. */
export const idOf = (raw: unknown, key: string, index: number) => (isRecord(raw) && typeof raw[key] === 'string' && raw[key] !== '' ? raw[key] : `#${index}`);

export function notFound(ticketId: string): TicketItemResult {
  return { ticketId, outcome: 'REJECTED', reason: 'NOT_FOUND', errors: [{ field: 'ticketId', message: `ticket ${ticketId} not found` }] };
}

/** Prefixes each message with the item so a log line names ticket and field on its own. */
export function namedErrors(id: string, errors: ItemError[], what = 'ticket'): ItemError[] {
  return errors.map((e) => ({ field: e.field ?? '(item)', message: `${what} ${id}: ${e.field ?? '(item)'}: ${e.message}` }));
}
