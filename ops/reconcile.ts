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

export async function reconcileEvent(opts: {
  repo: Repository;
  secretKey: SecretKey | readonly SecretKey[];
  interfaceName: string;
  eventCode: string;
  tixngo?: { auth?: 'header' | 'basic'; keyHeader?: string; timeoutMs?: number };
  pageSize?: number;
}): Promise<ReconcileReport> {
  const iface = await opts.repo.getInterfaceByName(opts.interfaceName);
  if (!iface) throw new Error(`unknown interface '${opts.interfaceName}'`);
  const cred = await opts.repo.getInterfaceCredentials(iface.id, opts.secretKey);
  const client = new TixngoClient({ url: cred.url, login: cred.login, apiKey: cred.apiKey, ...opts.tixngo });
  const report: ReconcileReport = { eventCode: opts.eventCode, interfaceName: iface.name, checked: 0, divergences: [], tixngoCalls: 0 };
  let afterId: string | undefined;
  for (;;) {
    const page = await opts.repo.listTickets({ eventCode: opts.eventCode, afterId, limit: opts.pageSize ?? 1000 });
    if (page.length === 0) break;
    afterId = page[page.length - 1]!.id;
    const mine = page.filter((t) => t.interfaceId === iface.id);
    if (mine.length === 0) continue;
    const res = await client.getTickets(mine.map((t) => t.id));
    report.tixngoCalls++;
    const status = new Map(res.tickets.map((t) => [t.ticketId, t.status]));
    for (const t of mine) {
      report.checked++;
      const reported = status.get(t.id);
      const tx = reported === undefined ? 'ABSENT' : toTixngoStatus(reported);
      if (tx === undefined) {
        const raw = boundedStatus(reported!);
        report.divergences.push({ ticketId: t.id, s360Status: t.status, tixngoStatus: raw, problem: `TIXNGO status ${raw} is unknown to S-360` });
        continue;
      }
      const problem = judge(t.status, tx);
      if (problem) report.divergences.push({ ticketId: t.id, s360Status: t.status, tixngoStatus: tx, problem });
    }
  }
  return report;
}
