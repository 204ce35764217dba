// Feedback: one page of TIXNGO's change feed (diff) applied to S-360 with its cursor, in one transaction.
import { ApplicationFailure, log } from '@temporalio/activity';
import type { TixngoStatus } from '../common/domain';
import { ERR_INVALID_TICKET_DATA } from '../common/errors';
import { splitTicketRefs } from '../contract/function-params';
import { FeedbackTicketError } from '../db/repo/feedback';
import { boundedStatus, toTixngoStatus } from '../tixngo/statuses';
import type { TixngoTicket } from '../tixngo/contract';
import type { ActivityContext, TixngoClientLike } from './context';
import { toFailure } from './failures';
import { skipper } from './params';
import type { Activities } from './types';

/** What S-360's mobile view stores of a ticket TIXNGO reported (feedback and the deletion waiter store the same). */
export function ticketChange(t: TixngoTicket) {
  return {
    ticketId: t.ticketId,
    tixngoStatus: toTixngoStatus(t.status) ?? null,
    rawStatus: boundedStatus(t.status) || '(empty)',
    walletOwner: t.walletOwner,
    ticketHolder: t.ticketHolder,
    details: { updatedAt: t.updatedAt, transferLevel: t.transferLevel, pendingTransferTo: t.pendingTransferTo ?? null, deletionReason: t.deletionReason },
    version: t.version,
    updatedAt: t.updatedAt,
  };
}

/** At most this many ticket ids are named in one log line. */
const LOGGED_IDS = 20;

export function createFeedbackActivities(ctx: ActivityContext): Pick<Activities, 'syncFeedbackPage'> {
  const { repo } = ctx;
  return {
    async syncFeedbackPage({ interfaceName, limit, params, executionId }) {
      const row = await ctx.iface(interfaceName);
      const client = await ctx.tixngo(row);
      const cursor = await repo.getFeedbackCursor(row.id);
      let page: DiffPage;
      try {
        // File to upload (§3.0; the force list): those tickets, read by id, as if TIXNGO had returned them.
        page = params?.forceTickets ? await forcedPage(ctx, row.id, client, params.forceTickets, limit, cursor) : await client.getDiff({ paginationKey: cursor ?? undefined, limit });
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
      // doContinueInCaseOfSyncError (§3.2, §4; default true, as the reference requires it): a ticket S-360 cannot
      // store is recorded and the cursor moves past it; with false the page is not stored and the run stops on it.
      const continueOnError = row.customParams.doContinueInCaseOfSyncError !== false && row.customParams.doContinueInCaseOfSyncError !== 'false';
      const changes = tickets.map(ticketChange);
      // Cursor and changes in one transaction: the cursor only moves once the page is stored (a file leaves it).
      const next = params?.forceTickets ? cursor : page.nextPaginationKey;
      const res = await applyOrStop(() => repo.applyFeedbackPage(row.id, changes, next, { continueOnError, executionId }), row.name);
      const rejected = (res.failed ?? []).map((f) => ({ itemId: f.ticketId, eventCode: eventOf.get(f.ticketId) ?? '', type: ERR_INVALID_TICKET_DATA, message: `ticket ${f.ticketId}: feedback not stored: ${f.message}` }));
      await ctx.recordFailures(row, 'FEEDBACK', 'ticket', rejected, executionId ?? 'manual');
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
        ...(rejected.length ? { rejected } : {}),
        received: page.tickets.length,
        hasMore: page.hasMore,
        tixngoCalls: page.calls ?? 1,
      };
    },
  };
}

/** doContinueInCaseOfSyncError=false: the run stops on the first ticket S-360 could not store, naming it. */
async function applyOrStop<T>(apply: () => Promise<T>, interfaceName: string): Promise<T> {
  try {
    return await apply();
  } catch (err) {
    if (!(err instanceof FeedbackTicketError)) throw err;
    throw ApplicationFailure.create({
      type: ERR_INVALID_TICKET_DATA,
      message: `feedback on interface '${interfaceName}' stopped (doContinueInCaseOfSyncError=false; the cursor stays at this page): ${err.message}`,
      nonRetryable: true,
    });
  }
}

type DiffPage = Awaited<ReturnType<TixngoClientLike['getDiff']>> & { calls?: number };

/**
 * The force list (or the file given with --file) as one feedback page: the tickets read from TIXNGO by id, `limit` at
 * a time, applied like a diff page that leaves the cursor where it is (its "next" key is the current one).
 */
async function forcedPage(ctx: ActivityContext, interfaceId: number, client: TixngoClientLike, refs: readonly string[], limit: number, cursor: string | null): Promise<DiffPage> {
  const { ids } = await ctx.forcedPage(interfaceId, refs, undefined, Number.MAX_SAFE_INTEGER);
  const tickets: DiffPage['tickets'] = [];
  let calls = 0;
  for (let i = 0; i < ids.length; i += limit) {
    const found = await client.getTickets(ids.slice(i, i + limit));
    calls++;
    tickets.push(...found.tickets.map((t, k) => ({ ...t, sequence: i + k + 1 })));
  }
  return { tickets, nextPaginationKey: cursor ?? '-', hasMore: false, calls };
}
