// Compares the two systems of record directly (not the workflows' cached state): S-360's ticket status against
// what TIXNGO holds for the same ticket id. One bulk TIXNGO read per page of tickets.
import type { S360TicketStatus, TixngoStatus } from '../common/domain';
import type { Repository } from '../db/repo';
import type { SecretKey } from '../config/secrets';
import { TixngoClient } from '../tixngo/client';
import { boundedStatus, toTixngoStatus } from '../tixngo/statuses';

export interface Divergence {
  ticketId: string;
  s360Status: S360TicketStatus;
  /** A TixngoStatus, `ABSENT`, or the status as TIXNGO reported it when S-360 does not know it (`problem` says so). */
  tixngoStatus: string;
  problem: string;
}

export interface ReconcileReport {
  eventCode: string;
  interfaceName: string;
  checked: number;
  divergences: Divergence[];
  tixngoCalls: number;
}

const LIVE_DELETION = new Set(['DELETION_PENDING', 'DELETED']);

/** The disagreement between one S-360 status and one TIXNGO status, or undefined when they agree. */
export function judge(s360: S360TicketStatus, tixngo: TixngoStatus | 'ABSENT'): string | undefined {
  switch (s360) {
    case 'NOT_PRINTED':
      return tixngo === 'ABSENT' || LIVE_DELETION.has(tixngo) ? undefined : 'in TIXNGO but NOT_PRINTED in S-360';
    case 'PRINTED':
      if (tixngo === 'ABSENT') return 'PRINTED in S-360 but missing in TIXNGO';
      if (LIVE_DELETION.has(tixngo)) return 'deleted in TIXNGO but still PRINTED in S-360';
      return undefined;
    case 'CONTROLLED':
      if (tixngo === 'ABSENT') return 'CONTROLLED in S-360 but missing in TIXNGO';
      if (LIVE_DELETION.has(tixngo)) return 'deleted in TIXNGO but CONTROLLED in S-360';
      return tixngo === 'CONTROLLED' ? undefined : 'CONTROLLED in S-360, not yet CONTROLLED in TIXNGO';
    case 'CANCELLED':
    case 'INVALIDATED':
      // Never injected: nothing to delete (TIXNGO status NA, §3.6).
      return tixngo === 'ABSENT' || LIVE_DELETION.has(tixngo) ? undefined : `${s360} in S-360 but still ${tixngo} in TIXNGO`;
  }
}

export interface ReconcileOptions {
  repo: Repository;
  secretKey: SecretKey | readonly SecretKey[];
  interfaceName: string;
  /** Only this event; every event of the interface when absent. */
  eventCode?: string | undefined;
  tixngo?: { auth?: 'header' | 'basic'; keyHeader?: string; timeoutMs?: number };
  /** Tickets per S-360 page and per TIXNGO read (default 1000, the TIXNGO bulk limit). */
  pageSize?: number;
  /** At most this many divergences are kept in the report (all are counted): a whole interface stays in bounded memory. */
  maxListed?: number;
  /** Called once with the number of tickets to check, then after each page. */
  onProgress?: (p: { checked: number; total: number; divergences: number }) => void;
}

export interface InterfaceReconcileReport {
  interfaceName: string;
  /** The event checked, or null: every event of the interface. */
  eventCode: string | null;
  checked: number;
  /** All divergences found; `divergences` lists the first `maxListed` of them. */
  divergenceCount: number;
  divergences: (Divergence & { eventCode: string })[];
  /** Per event with at least one ticket checked: how many and how many diverge. */
  events: { eventCode: string; checked: number; divergences: number }[];
  tixngoCalls: number;
}

/**
 * Compares every ticket of the interface (or of one event) in S-360 with TIXNGO, page by page: one S-360 page of
 * ids and statuses, one bulk TIXNGO read of the same ids. Memory is bounded by the page size, the number of events
 * and `maxListed`, not by the number of tickets.
 */
export async function reconcileInterface(opts: ReconcileOptions): Promise<InterfaceReconcileReport> {
  const iface = await opts.repo.getInterfaceByName(opts.interfaceName);
  if (!iface) throw new Error(`unknown interface '${opts.interfaceName}'`);
  const cred = await opts.repo.getInterfaceCredentials(iface.id, opts.secretKey);
  const client = new TixngoClient({ url: cred.url, login: cred.login, apiKey: cred.apiKey, ...opts.tixngo });
  const pageSize = opts.pageSize ?? 1000;
  const maxListed = opts.maxListed ?? 10_000;
  const total = await opts.repo.countInterfaceTickets(iface.id, opts.eventCode);
  const report: InterfaceReconcileReport = { interfaceName: iface.name, eventCode: opts.eventCode ?? null, checked: 0, divergenceCount: 0, divergences: [], events: [], tixngoCalls: 0 };
  const events = new Map<string, { eventCode: string; checked: number; divergences: number }>();
  opts.onProgress?.({ checked: 0, total, divergences: 0 });
  let afterId: string | undefined;
  for (;;) {
    const page = await opts.repo.listInterfaceTickets({ interfaceId: iface.id, eventCode: opts.eventCode, afterId, limit: pageSize });
    if (page.length === 0) break;
    afterId = page[page.length - 1]!.id;
    const res = await client.getTickets(page.map((t) => t.id));
    report.tixngoCalls++;
    const status = new Map(res.tickets.map((t) => [t.ticketId, t.status]));
    for (const t of page) {
      report.checked++;
      let ev = events.get(t.eventCode);
      if (!ev) events.set(t.eventCode, (ev = { eventCode: t.eventCode, checked: 0, divergences: 0 }));
      ev.checked++;
      const reported = status.get(t.id);
      const tx = reported === undefined ? 'ABSENT' : toTixngoStatus(reported);
      if (tx === undefined) {
        const raw = boundedStatus(reported!);
        ev.divergences++;
        report.divergenceCount++;
        if (report.divergences.length < maxListed) report.divergences.push({ ticketId: t.id, eventCode: t.eventCode, s360Status: t.status, tixngoStatus: raw, problem: `TIXNGO status ${raw} is unknown to S-360` });
        continue;
      }
      const problem = judge(t.status, tx);
      if (!problem) continue;
      ev.divergences++;
      report.divergenceCount++;
      if (report.divergences.length < maxListed) report.divergences.push({ ticketId: t.id, eventCode: t.eventCode, s360Status: t.status, tixngoStatus: tx, problem });
    }
    opts.onProgress?.({ checked: report.checked, total: Math.max(total, report.checked), divergences: report.divergenceCount });
  }
  report.events = [...events.values()].sort((a, b) => a.eventCode.localeCompare(b.eventCode));
  return report;
}

/** One event of an interface (the report of the integration tests and of `reconcile --event`). */
export async function reconcileEvent(opts: ReconcileOptions & { eventCode: string }): Promise<ReconcileReport> {
  const r = await reconcileInterface({ ...opts, maxListed: Number.MAX_SAFE_INTEGER });
  return {
    eventCode: opts.eventCode,
    interfaceName: r.interfaceName,
    checked: r.checked,
    divergences: r.divergences.map(({ eventCode: _e, ...d }) => d),
    tixngoCalls: r.tixngoCalls,
  };
}
