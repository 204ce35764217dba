// Push cancelled / invalidated tickets (TIXNGO deletes them) and push controlled tickets: one page of S-360
// tickets, one bulk TIXNGO call, one S-360 write of the outcome.
import type { S360TicketStatus, TixngoStatus } from '../common/domain';
import type { InterfaceRow } from '../db/types';
import { describeRejection, eligibleTickets, failureType, type ActivityContext, type ItemFailureOut } from './context';
import { toFailure } from './failures';
import { matchesFilters, skipper } from './params';
import { showDeletedTicketFor } from './payload';
import type { Activities, BatchInput } from './types';

export function createPushActivities(ctx: ActivityContext): Pick<Activities, 'pushCancelledBatch' | 'pushControlledBatch'> {
  const { repo } = ctx;
  return {
    async pushCancelledBatch(input) {
      const row = await ctx.iface(input.interfaceName);
      const runId = input.executionId ?? 'manual';
      const page = await pushPage(ctx, row, input, 'PUSH_CANCELLED');
      const { selected, lastId, done } = page;
      const details = new Map(page.rows.map((r) => [r.id, r]));
      const items = page.rows.map((r) => ({ id: r.id, status: r.status as 'CANCELLED' | 'INVALIDATED', reason: r.invalidationReason }));
      const pushed: Awaited<ReturnType<Activities['pushCancelledBatch']>>['pushed'] = [];
      const rejected: ItemFailureOut[] = [];
      let calls = 0;
      if (items.length) {
        const client = await ctx.tixngo(row);
        const show = new Map(items.map((c) => [c.id, showDeletedTicketFor(c.reason, row.customParams, input.notifySpectator)]));
        let res;
        try {
          res = await client.deleteTickets(items.map((c) => ({ ticketId: c.id, reason: c.reason ?? c.status, showDeletedTicket: show.get(c.id)! })));
        } catch (err) {
          throw toFailure(err, `push cancelled on interface '${row.name}'`);
        }
        if (res.results.some((r) => !r.local)) calls++;
        const byId = new Map(items.map((c) => [c.id, c]));
        for (const r of res.results) {
          const c = byId.get(r.ticketId)!;
          const eventCode = details.get(r.ticketId)?.performance.code ?? '';
          if (r.outcome === 'ACCEPTED') {
            pushed.push({
              ticketId: r.ticketId,
              eventCode,
              reason: c.reason ?? undefined,
              s360Status: c.status,
              tixngoStatus: (r.status ?? 'DELETION_PENDING') as TixngoStatus,
              showDeletedTicket: show.get(r.ticketId)!,
            });
          } else rejected.push({ itemId: r.ticketId, eventCode, type: failureType(r), ...describeRejection('ticket', r.ticketId, r) });
        }
      }
      await repo.markPushed(
        row.id,
        'PUSH_CANCELLED',
        pushed.map((p) => ({ id: p.ticketId, reason: p.reason ?? null })),
        runId,
      );
      await ctx.recordFailures(row, 'PUSH_CANCELLED', 'ticket', rejected, runId);
      return { selected, pushed, rejected, skipped: page.skipped, lastId, done, tixngoCalls: calls };
    },

    async pushControlledBatch(input) {
      const row = await ctx.iface(input.interfaceName);
      const runId = input.executionId ?? 'manual';
      const page = await pushPage(ctx, row, input, 'PUSH_CONTROLLED');
      const { selected, lastId, done } = page;
      const details = new Map(page.rows.map((r) => [r.id, r]));
      const items = page.rows.map((r) => ({ id: r.id, controlledAt: r.controlledAt }));
      const pushed: Awaited<ReturnType<Activities['pushControlledBatch']>>['pushed'] = [];
      const rejected: ItemFailureOut[] = [];
      let calls = 0;
      if (items.length) {
        const client = await ctx.tixngo(row);
        let res;
        try {
          res = await client.markControlled(items.map((c) => ({ ticketId: c.id, controlledAt: new Date(c.controlledAt ?? Date.now()).toISOString() })));
        } catch (err) {
          throw toFailure(err, `push controlled on interface '${row.name}'`);
        }
        if (res.results.some((r) => !r.local)) calls++;
        for (const r of res.results) {
          const eventCode = details.get(r.ticketId)?.performance.code ?? '';
          if (r.outcome === 'ACCEPTED') pushed.push({ ticketId: r.ticketId, eventCode, tixngoStatus: (r.status ?? 'CONTROLLED') as TixngoStatus });
          else rejected.push({ itemId: r.ticketId, eventCode, type: failureType(r), ...describeRejection('ticket', r.ticketId, r) });
        }
      }
      await repo.markPushed(
        row.id,
        'PUSH_CONTROLLED',
        pushed.map((p) => ({ id: p.ticketId })),
        runId,
      );
      await ctx.recordFailures(row, 'PUSH_CONTROLLED', 'ticket', rejected, runId);
      return { selected, pushed, rejected, skipped: page.skipped, lastId, done, tixngoCalls: calls };
    },
  };
}

/**
 * The page of tickets a push works on: exactly `itemIds` (a ticket's own cancel/control, forced); a force list
 * (§3.0, forced too); "Date from" (every ticket changed since, processed or not); or the unprocessed
 * candidates. Then the event, the filters and the skip list apply.
 */
async function pushPage(ctx: ActivityContext, row: InterfaceRow, input: BatchInput, fn: 'PUSH_CANCELLED' | 'PUSH_CONTROLLED') {
  const p = input.params;
  const statuses: S360TicketStatus[] = fn === 'PUSH_CANCELLED' ? ['CANCELLED', 'INVALIDATED'] : ['CONTROLLED'];
  let ids: string[];
  let lastId: string | undefined;
  let done: boolean;
  if (input.itemIds) {
    ids = input.itemIds;
    done = true;
  } else if (p?.forceTickets) {
    const forced = await ctx.forcedPage(row.id, p.forceTickets, input.afterId, input.limit);
    ids = forced.ids;
    lastId = ids[ids.length - 1];
    done = forced.done;
  } else if (p?.dateFrom) {
    ids = await ctx.repo.selectChangedSince(row.id, statuses, p.dateFrom, { afterId: input.afterId, limit: input.limit });
    lastId = ids[ids.length - 1];
    done = ids.length < input.limit;
  } else {
    const c = fn === 'PUSH_CANCELLED'
      ? await ctx.repo.selectPushCancelledCandidates(row.id, { afterId: input.afterId, limit: input.limit })
      : await ctx.repo.selectPushControlledCandidates(row.id, { afterId: input.afterId, limit: input.limit });
    ids = c.map((x) => x.id);
    lastId = ids[ids.length - 1];
    done = ids.length < input.limit;
  }
  const loaded = eligibleTickets(await ctx.repo.loadTicketsForPayload(ids), row.id, (r) => statuses.includes(r.status));
  const inScope = loaded.filter((r) => (!input.eventCode || r.performance.code === input.eventCode) && matchesFilters(r, p));
  const isSkipped = skipper(p);
  const rows = inScope.filter((r) => !isSkipped(r));
  return { rows, selected: inScope.length, skipped: inScope.length - rows.length, lastId, done };
}
