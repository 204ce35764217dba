// Ticket deletion: the organizer's delete call puts a ticket in DELETION_PENDING; a timer confirms
// it (DELETED) once the deletion delay has passed, unless a fault holds every confirmation back.
import { deleteItemSchema, issuesToItemErrors, type TicketItemResult } from '../../tixngo/contract';
import { DELETED_STATES, idOf, namedErrors, notFound, nowIso, recordChange, setStatus, type SimStore } from './store';

export function deleteTickets(s: SimStore, raws: readonly Record<string, unknown>[]): { results: TicketItemResult[] } {
  const at = nowIso();
  const now = Date.now();
  const results = raws.map((raw, index): TicketItemResult => {
    const parsed = deleteItemSchema.safeParse(raw);
    if (!parsed.success) {
      const ticketId = idOf(raw, 'ticketId', index);
      return { ticketId, outcome: 'REJECTED', reason: 'INVALID', errors: namedErrors(ticketId, issuesToItemErrors(parsed.error)) };
    }
    const { ticketId, reason, showDeletedTicket } = parsed.data;
    const t = s.tickets.get(ticketId);
    if (!t) return notFound(ticketId);
    s.dirty = true;
    if (DELETED_STATES.has(t.status)) {
      // Repeat: idempotent. A changed reason or visibility (S-360 re-pushes on a reason change) is recorded.
      if (t.deletionReason !== reason || t.showDeletedTicket !== showDeletedTicket) {
        t.deletionReason = reason;
        t.showDeletedTicket = showDeletedTicket;
        recordChange(s, t, 'DELETE_UPDATE', at, `reason=${reason}`);
      }
      return { ticketId, outcome: 'ACCEPTED', status: t.status, version: t.version };
    }
    const from = t.status;
    t.deletionReason = reason;
    t.showDeletedTicket = showDeletedTicket;
    t.pendingTransferTo = null;
    t.deletionRequestedAt = now;
    s.pendingDeletions.set(ticketId, now);
    setStatus(s, t, 'DELETION_PENDING');
    recordChange(s, t, 'DELETE', at, `from ${from}; reason=${reason}`);
    return { ticketId, outcome: 'ACCEPTED', status: t.status, version: t.version };
  });
  scheduleDeletionSweep(s);
  return { results };
}

/** Confirms due deletions (DELETION_PENDING -> DELETED), then re-arms the timer. */
export function sweepDeletions(s: SimStore, now: number = Date.now()): number {
  if (s.deletionNeverConfirms) return 0;
  let confirmed = 0;
  const at = new Date(now).toISOString();
  for (const [ticketId, requestedAt] of s.pendingDeletions) {
    // Map order = request order, and the delay is the same for all: stop at the first not due.
    if (requestedAt + s.deletionDelayMs > now) break;
    s.pendingDeletions.delete(ticketId);
    // Held (fault deletionHeldTickets): never confirmed, it stays DELETION_PENDING.
    if (s.deletionHeld.has(ticketId)) continue;
    const t = s.tickets.get(ticketId);
    if (!t || t.status !== 'DELETION_PENDING') continue;
    setStatus(s, t, 'DELETED');
    recordChange(s, t, 'DELETION_CONFIRMED', at);
    confirmed++;
  }
  if (confirmed > 0) s.dirty = true;
  return confirmed;
}

export function scheduleDeletionSweep(s: SimStore): void {
  cancelDeletionSweep(s);
  if (s.deletionNeverConfirms || s.pendingDeletions.size === 0) return;
  const first = s.pendingDeletions.values().next().value as number;
  const wait = Math.max(0, first + s.deletionDelayMs - Date.now());
  s.sweepTimer = setTimeout(() => {
    s.sweepTimer = undefined;
    sweepDeletions(s);
    scheduleDeletionSweep(s);
  }, wait);
  s.sweepTimer.unref();
}

export function cancelDeletionSweep(s: SimStore): void {
  if (s.sweepTimer) clearTimeout(s.sweepTimer);
  s.sweepTimer = undefined;
}
