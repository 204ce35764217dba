// Feedback: one page of TIXNGO's change feed (diff) applied to S-360 with its cursor, in one transaction.
import { log } from '@temporalio/activity';
import type { TixngoStatus } from '../common/domain';
import { splitTicketRefs } from '../contract/function-params';
import { boundedStatus, toTixngoStatus } from '../tixngo/statuses';
import type { ActivityContext } from './context';
import { toFailure } from './failures';
import { skipper } from './params';
import type { Activities } from './types';

/** At most this many ticket ids are named in one log line. */
const LOGGED_IDS = 20;

export function createFeedbackActivities(ctx: ActivityContext): Pick<Activities, 'syncFeedbackPage'> {
  const { repo } = ctx;
  return {
    async syncFeedbackPage({ interfaceName, limit, params, executionId }) {
      const row = await ctx.iface(interfaceName);
      const client = await ctx.tixngo(row);
      const cursor = await repo.getFeedbackCursor(row.id);
      let page;
      try {
        page = await client.getDiff({ paginationKey: cursor ?? undefined, limit });
      } catch (err) {
        throw toFailure(err, `feedback on interface '${row.name}'`);
      }
      // Skip list (§3.0): ignored even when TIXNGO returns them; the cursor still moves past them. TIXNGO reports
      // S-360 ticket ids, so ticket numbers (tax numbers) are looked up in S-360, and only when the list has some.
      const isSkipped = skipper(params);
      const taxOf = splitTicketRefs(params?.skipTickets).taxNumbers.length ? await repo.ticketTaxNumbers(page.tickets.map((t) => t.ticketId)) : new Map<string, string>();
      const skipsTicket = (ticketId: string) => isSkipped({ id: ticketId, taxNumber: taxOf.get(ticketId) });
      const skippedTickets = page.tickets.filter((t) => skipsTicket(t.ticketId));
      const tickets = page.tickets.filter((t) => !skipsTicket(t.ticketId));
      const eventOf = new Map(tickets.map((t) => [t.ticketId, t.eventId]));
      const versionOf = new Map(tickets.map((t) => [t.ticketId, t.version]));
      // The status each ticket ends the page with: a ticket whose latest status is not known is flagged (below).
      const latest = new Map<string, { version: number; status: string }>();
      for (const t of tickets) if ((latest.get(t.ticketId)?.version ?? -1) < t.version) latest.set(t.ticketId, { version: t.version, status: t.status });
      // Cursor and changes in one transaction: the cursor only moves once the page is stored.
      const res = await repo.applyFeedbackPage(
        row.id,
        tickets.map((t) => ({
          ticketId: t.ticketId,
          tixngoStatus: toTixngoStatus(t.status) ?? null,
          rawStatus: boundedStatus(t.status) || '(empty)',
          walletOwner: t.walletOwner,
          ticketHolder: t.ticketHolder,
          details: { updatedAt: t.updatedAt, transferLevel: t.transferLevel, pendingTransferTo: t.pendingTransferTo ?? null, deletionReason: t.deletionReason },
          version: t.version,
          updatedAt: t.updatedAt,
        })),
        page.nextPaginationKey,
        executionId,
      );
      const notInS360 = new Set(res.unknown);
      const unknownStatus = [...latest].filter(([id, l]) => !notInS360.has(id) && toTixngoStatus(l.status) === undefined).map(([ticketId, l]) => ({ ticketId, status: boundedStatus(l.status) }));
      if (res.unknown.length) log.warn('feedback: tickets unknown to S-360 ignored', { interface: row.name, count: res.unknown.length, ticketIds: res.unknown.slice(0, LOGGED_IDS) });
      const unknownStatuses: Record<string, number> = {};
      for (const u of unknownStatus) {
        unknownStatuses[u.status] = (unknownStatuses[u.status] ?? 0) + 1;
        log.warn('feedback: unknown TIXNGO status; raw status stored, ticket workflow not told', { interface: row.name, ticketId: u.ticketId, status: u.status });
      }
      return {
        changed: res.changed.map((c) => ({ ticketId: c.ticketId, eventCode: eventOf.get(c.ticketId) ?? '', tixngoStatus: c.tixngoStatus as TixngoStatus, version: versionOf.get(c.ticketId) ?? 0 })),
        unknown: res.unknown.length,
        skipped: skippedTickets.length,
        unknownStatuses,
        received: page.tickets.length,
        hasMore: page.hasMore,
        tixngoCalls: 1,
      };
    },
  };
}
