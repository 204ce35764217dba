// In-memory state of the TIXNGO simulator: tickets, events, privileges, the change log that feeds
// the diff endpoint, the monthly injection counters, and the V3 lifecycle rules (§6.1, §6.5).
//
// SimulatorState is the one object the server holds; each concern lives in its own module
// (tickets, privileges, wallet, deletion, persistence) as functions over the shared SimStore.
import { TIXNGO_STATUSES } from '../../common/domain';
import type { Holder, Person, TixngoTicket } from '../../tixngo/contract';
import { cancelDeletionSweep, deleteTickets, scheduleDeletionSweep, sweepDeletions } from './deletion';
import { loadPersisted, toPersisted, type PersistedState } from './persistence';
import { getDefinition, injectPrivileges, searchPrivileges } from './privileges';
import { SimStore, setRawStatus, stateOf, type HistoryEntry } from './store';
import { diff, injectionReport, injectTickets, markControlled, searchTickets } from './tickets';
import { accept, activate, assign, download, reject, transfer, type ActivationMethod } from './wallet';

export class SimulatorState extends SimStore {
  // Organizer API
  readonly injectTickets = (raws: readonly Record<string, unknown>[]) => injectTickets(this, raws);
  readonly searchTickets = (ticketIds: readonly string[]) => searchTickets(this, ticketIds);
  readonly deleteTickets = (raws: readonly Record<string, unknown>[]) => deleteTickets(this, raws);
  readonly markControlled = (raws: readonly Record<string, unknown>[]) => markControlled(this, raws);
  readonly diff = (paginationKey: string | undefined, limit: number) => diff(this, paginationKey, limit);
  readonly injectionReport = (period: string, limit: number, offset: number) => injectionReport(this, period, limit, offset);
  readonly injectPrivileges = (raws: readonly Record<string, unknown>[]) => injectPrivileges(this, raws);
  readonly getDefinition = (id: string) => getDefinition(this, id);
  readonly searchPrivileges = (ids: readonly string[]) => searchPrivileges(this, ids);

  // Wallet side (admin API)
  readonly download = (ticketId: string) => download(this, ticketId);
  readonly activate = (ticketId: string, method?: ActivationMethod) => activate(this, ticketId, method);
  readonly assign = (ticketId: string, holder: Holder) => assign(this, ticketId, holder);
  readonly transfer = (ticketId: string, to: Person) => transfer(this, ticketId, to);
  readonly accept = (ticketId: string) => accept(this, ticketId);
  readonly reject = (ticketId: string) => reject(this, ticketId);
  readonly setRawStatus = (ticketId: string, status: string) => setRawStatus(this, ticketId, status);

  // Deletion confirmation
  readonly sweepDeletions = (now?: number) => sweepDeletions(this, now);
  readonly scheduleDeletionSweep = () => scheduleDeletionSweep(this);

  // Persistence
  readonly toPersisted = () => toPersisted(this);
  loadPersisted(p: PersistedState): void {
    this.reset();
    loadPersisted(this, p);
  }

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
    this.deletionHeld = new Set();
    cancelDeletionSweep(this);
    this.dirty = true;
  }

  dispose(): void {
    cancelDeletionSweep(this);
  }
}
