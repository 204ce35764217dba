// Push cancelled / invalidated tickets (TIXNGO deletes them) and push controlled tickets: one page of S-360
// tickets, one bulk TIXNGO call (or ticketIterationSize calls), one S-360 write of each call's outcome.
import type { S360TicketStatus } from '../common/domain';
import type { InterfaceRow, PushedItem, TicketPayloadRow } from '../db/types';
import type { z } from 'zod';
import type { BulkResult } from '../tixngo/call-helpers';
import type { TicketOutcome } from '../tixngo/client';
import { controlledItemSchema, deleteItemSchema, type ControlledItem, type DeleteItem } from '../tixngo/contract';
import {
  acceptedEarlier,
  acceptedSoFar,
  customInt,
  describeRejection,
  eligibleTickets,
  failureType,
  posting,
  simulateItems,
  type ActivityContext,
  type ItemFailureOut,
  type TixngoClientLike,
} from './context';
import { toTixngoStatus } from '../tixngo/statuses';
import { toFailure } from './failures';
import { chunks, matchesFilters, skipper } from './params';
import { showDeletedTicketFor } from './payload';
import type { Activities, BatchInput, BatchResultBase, SimulatedItem } from './types';

export function createPushActivities(ctx: ActivityContext): Pick<Activities, 'pushCancelledBatch' | 'pushControlledBatch'> {
  return {
    async pushCancelledBatch(input) {
      const show = (t: TicketPayloadRow, row: InterfaceRow) => showDeletedTicketFor(t.invalidationReason, row.customParams, input.notifySpectator, input.showDeletedTicket);
      return pushBatch(ctx, input, {
        fn: 'PUSH_CANCELLED',
        what: 'push cancelled',
        action: 'delete',
        schema: deleteItemSchema,
        item: (t, row): DeleteItem => ({ ticketId: t.id, reason: t.invalidationReason ?? t.status, showDeletedTicket: show(t, row) }),
        detail: (i) => `reason ${i.reason}, showDeletedTicket ${i.showDeletedTicket}`,
        send: (client, items) => client.deleteTickets(items),
        pushed: (r, t, eventCode, row) => ({
          ticketId: r.ticketId,
          eventCode,
          reason: t.invalidationReason ?? undefined,
          s360Status: t.status as 'CANCELLED' | 'INVALIDATED',
          tixngoStatus: toTixngoStatus(r.status) ?? 'DELETION_PENDING',
          showDeletedTicket: show(t, row),
        }),
        marked: (p) => ({ id: p.ticketId, reason: p.reason ?? null }),
      });
    },

    async pushControlledBatch(input) {
      return pushBatch(ctx, input, {
        fn: 'PUSH_CONTROLLED',
        what: 'push controlled',
        action: 'control',
        schema: controlledItemSchema,
        item: (t): ControlledItem => ({ ticketId: t.id, controlledAt: new Date(t.controlledAt ?? ctx.now()).toISOString() }),
        detail: (i) => `controlledAt ${i.controlledAt}`,
        send: (client, items) => client.markControlled(items),
        pushed: (r, _t, eventCode) => ({ ticketId: r.ticketId, eventCode, tixngoStatus: toTixngoStatus(r.status) ?? 'CONTROLLED' }),
        marked: (p) => ({ id: p.ticketId }),
      });
    },
  };
}

/** What differs between the two pushes: the TIXNGO call and what an accepted ticket reports and marks. */
interface PushSpec<I extends { ticketId: string }, P extends { ticketId: string }> {
  fn: 'PUSH_CANCELLED' | 'PUSH_CONTROLLED';
  /** Names the call in failure messages. */
  what: string;
  /** What a simulation reports for each ticket. */
  action: SimulatedItem['action'];
  /** The item's contract, checked by a simulation as the client checks it before a call. */
  schema: z.ZodType;
  /** The item sent to TIXNGO for a ticket. */
  item(ticket: TicketPayloadRow, row: InterfaceRow): I;
  detail(item: I): string;
  send(client: TixngoClientLike, items: I[]): Promise<BulkResult<TicketOutcome>>;
  pushed(result: TicketOutcome, ticket: TicketPayloadRow, eventCode: string, row: InterfaceRow): P;
  marked(p: P): PushedItem;
}

async function pushBatch<I extends { ticketId: string }, P extends { ticketId: string }>(ctx: ActivityContext, input: BatchInput, spec: PushSpec<I, P>): Promise<BatchResultBase & { pushed: P[] }> {
  const row = await ctx.iface(input.interfaceName);
  const runId = input.executionId ?? 'manual';
  const simulation = input.params?.simulationMode === true;
  // Pushed and marked by an earlier attempt of this batch (ticketIterationSize): reported, not sent again.
  const earlier = simulation ? [] : acceptedEarlier<P>();
  const page = await pushPage(ctx, row, input, spec.fn, new Set(earlier.map((p) => p.ticketId)));
  const { lastId, done } = page;
  const selected = page.selected + earlier.length;

  if (simulation) {
    // Simulation (§3.1.1): build and check every item, send nothing, mark nothing, record nothing.
    const sim = simulateItems(page.rows, 'ticket', spec.schema, (t) => spec.item(t, row), (t) => ({ action: spec.action, detail: spec.detail(spec.item(t, row)) }), (t) => t.performance.code);
    return { selected, pushed: [], rejected: sim.rejected, skipped: selected - sim.rejected.length, lastId, done, tixngoCalls: 0, simulated: sim.simulated };
  }

  const byId = new Map(page.rows.map((r) => [r.id, r]));
  const pushed: P[] = [...earlier];
  const rejected: ItemFailureOut[] = [];
  let calls = 0;
  if (page.rows.length) {
    const client = await ctx.tixngo(row);
    // ticketIterationSize (§4) splits a batch into consecutive calls; what a sub-call had accepted is marked before
    // the next one, so that a retry after a failed sub-call does not push it again.
    for (const part of chunks(page.rows, customInt(row, 'ticketIterationSize'))) {
      let res;
      try {
        res = await posting(() => spec.send(client, part.map((t) => spec.item(t, row))), pushed);
      } catch (err) {
        throw toFailure(err, `${spec.what} on interface '${row.name}'`);
      }
      if (res.results.some((r) => !r.local)) calls++;
      const partPushed: P[] = [];
      for (const r of res.results) {
        const ticket = byId.get(r.ticketId);
        const eventCode = ticket?.performance.code ?? '';
        // The client answers one result per ticket sent, in order: an accepted one is always on the page.
        if (r.outcome === 'ACCEPTED') partPushed.push(spec.pushed(r, ticket!, eventCode, row));
        else rejected.push({ itemId: r.ticketId, eventCode, type: failureType(r), ...describeRejection('ticket', r.ticketId, r) });
      }
      await ctx.repo.markPushed(row.id, spec.fn, partPushed.map(spec.marked), runId);
      pushed.push(...partPushed);
      acceptedSoFar(pushed);
    }
  }
  await ctx.recordFailures(row, spec.fn, 'ticket', rejected, runId);
  return { selected, pushed, rejected, skipped: page.skipped, lastId, done, tixngoCalls: calls };
}

/**
 * The page of tickets a push works on: exactly `itemIds` (a ticket's own cancel/control, forced); a force list
 * (§3.0, forced too); "Date from" (every ticket changed since, processed or not); or the unprocessed
 * candidates. Then the event, the filters and the skip list apply.
 */
async function pushPage(ctx: ActivityContext, row: InterfaceRow, input: BatchInput, fn: 'PUSH_CANCELLED' | 'PUSH_CONTROLLED', exclude: ReadonlySet<string>) {
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
  const loaded = eligibleTickets(await ctx.repo.loadTicketsForPayload(ids), row.id, (r) => statuses.includes(r.status) && !exclude.has(r.id));
  const inScope = loaded.filter((r) => (!input.eventCode || r.performance.code === input.eventCode) && matchesFilters(r, p));
  const isSkipped = skipper(p);
  const rows = inScope.filter((r) => !isSkipped(r));
  return { rows, selected: inScope.length, skipped: inScope.length - rows.length, lastId, done };
}
