// Ticket injection: one batch = one page of S-360 tickets, one bulk TIXNGO call (or ticketIterationSize calls),
// one S-360 write of the outcome. A retried attempt first asks TIXNGO which tickets it already holds.
import { log } from '@temporalio/activity';
import { ERR_INVALID_TICKET_DATA } from '../common/errors';
import type { TicketPayloadRow } from '../db/types';
import { formatIssues, injectionTicketSchema, issuePath } from '../tixngo/contract';
import {
  customInt,
  describeRejection,
  eligibleTickets,
  failureType,
  heartbeat,
  mayHaveBeenAccepted,
  posting,
  type ActivityContext,
  type ItemFailureOut,
} from './context';
import { toFailure } from './failures';
import { chunks, matchesFilters, missingHolderFields, skipper } from './params';
import { buildTicketPayload } from './payload';
import type { Activities } from './types';

export function createInjectionActivities(ctx: ActivityContext): Pick<Activities, 'injectTicketBatch'> {
  const { repo } = ctx;
  return {
    async injectTicketBatch(input) {
      const row = await ctx.iface(input.interfaceName);
      const runId = input.executionId ?? 'manual';
      const p = input.params;
      let alreadyDone: TicketPayloadRow[] = [];
      let rows: TicketPayloadRow[];
      let lastId: string | undefined;
      let done: boolean;
      if (input.itemIds) {
        const all = await repo.loadTicketsForPayload(input.itemIds);
        rows = eligibleTickets(all, row.id, (r) => r.status === 'NOT_PRINTED');
        // Already printed (injected by a later run): nothing to send, report it as injected.
        alreadyDone = eligibleTickets(all, row.id, (r) => r.status === 'PRINTED' || r.status === 'CONTROLLED');
        done = true;
      } else if (p?.forceTickets) {
        // Force list (§3.0): exactly these tickets, sent again even if already injected (TIXNGO updates them).
        const forced = await ctx.forcedPage(row.id, p.forceTickets, input.afterId, input.limit);
        const ids = forced.ids;
        rows = (await repo.loadTicketsForPayload(ids)).filter((r) => r.status === 'NOT_PRINTED' || r.status === 'PRINTED' || r.status === 'CONTROLLED');
        lastId = ids[ids.length - 1];
        done = forced.done;
      } else {
        const ids = await repo.selectInjectionCandidates(row.id, { eventCode: input.eventCode, afterId: input.afterId, limit: input.limit });
        rows = await repo.loadTicketsForPayload(ids);
        lastId = ids[ids.length - 1];
        done = ids.length < input.limit;
      }
      // Filters (AND; a file number overrides them) leave other tickets for other schedules: not counted here.
      rows = rows.filter((r) => matchesFilters(r, p));
      const selected = rows.length + alreadyDone.length;
      const isSkipped = skipper(p);
      const skippedRows = rows.filter(isSkipped);
      rows = rows.filter((r) => !isSkipped(r));
      // Mandatory holder fields (§3.1.1): such tickets wait, with the reason recorded, until the data is there.
      const waiting: ItemFailureOut[] = [];
      if (p?.mandatoryHolderFields) {
        rows = rows.filter((r) => {
          const missing = missingHolderFields(r, p.mandatoryHolderFields);
          if (missing.length) {
            waiting.push({ itemId: r.id, eventCode: r.performance.code, type: ERR_INVALID_TICKET_DATA, field: `holder.${missing[0]!.toLowerCase()}`, message: `ticket ${r.id} waits: mandatory holder field(s) ${missing.join(', ')} missing` });
          }
          return missing.length === 0;
        });
      }
      heartbeat();
      const payloadOptions = { mainApplicant: p?.mainApplicant, barcodePrefix: p?.barcodePrefix, barcodeSuffix: p?.barcodeSuffix };
      const eventOf = new Map(rows.map((r) => [r.id, r.performance.code]));
      const accepted: { ticketId: string; eventCode: string }[] = alreadyDone.map((r) => ({ ticketId: r.id, eventCode: r.performance.code }));
      const rejected: ItemFailureOut[] = [];
      let calls = 0;

      if (p?.simulationMode) {
        // Simulation (§3.1.1): build and check every payload, send nothing, mark nothing.
        for (const r of rows) {
          const check = injectionTicketSchema.safeParse(buildTicketPayload(r, row.customParams, payloadOptions));
          if (!check.success) {
            const field = issuePath(check.error.issues[0]!.path);
            rejected.push({ itemId: r.id, eventCode: r.performance.code, type: ERR_INVALID_TICKET_DATA, field, message: `ticket ${r.id}: ${formatIssues(check.error)}` });
          }
        }
        return { selected, accepted: [], rejected, skipped: selected - rejected.length, lastId, done, tixngoCalls: 0 };
      }

      const client = await ctx.tixngo(row);
      // Exactly once: a retried attempt may follow a call TIXNGO accepted before the worker died.
      const held = new Set<string>();
      if (mayHaveBeenAccepted() && rows.length) {
        try {
          const found = await client.getTickets(rows.map((r) => r.id));
          calls++;
          for (const t of found.tickets) if (t.status !== 'DELETED' && t.status !== 'DELETION_PENDING') held.add(t.ticketId);
        } catch (err) {
          throw toFailure(err, `injection on interface '${row.name}' (checking what TIXNGO already holds)`);
        }
        if (held.size) log.info('retried injection: tickets already in TIXNGO are not sent again', { count: held.size });
      }
      for (const id of held) accepted.push({ ticketId: id, eventCode: eventOf.get(id)! });

      const toSend = rows.filter((r) => !held.has(r.id)).map((r) => buildTicketPayload(r, row.customParams, payloadOptions));
      // ticketIterationSize (§4) splits a batch into consecutive calls.
      for (const part of chunks(toSend, customInt(row, 'ticketIterationSize'))) {
        let res;
        try {
          res = await posting(() => client.injectTickets(part));
        } catch (err) {
          throw toFailure(err, `injection on interface '${row.name}'`);
        }
        if (res.results.some((r) => !r.local)) calls++;
        for (const r of res.results) {
          const eventCode = eventOf.get(r.ticketId) ?? '';
          if (r.outcome === 'ACCEPTED') accepted.push({ ticketId: r.ticketId, eventCode });
          else rejected.push({ itemId: r.ticketId, eventCode, type: failureType(r), ...describeRejection('ticket', r.ticketId, r) });
        }
        heartbeat();
      }
      await repo.markInjected(
        row.id,
        accepted.map((a) => a.ticketId),
        runId,
        { pointOfSales: p?.pointOfSales, salesChannel: p?.salesChannel },
      );
      await ctx.recordFailures(row, 'INJECTION', 'ticket', [...rejected, ...waiting], runId);
      const skipped = skippedRows.length + waiting.length;
      if (input.countAcceptedOnly) return { selected, accepted: [], acceptedCount: accepted.length, rejected, skipped, lastId, done, tixngoCalls: calls };
      return { selected, accepted, rejected, skipped, lastId, done, tixngoCalls: calls };
    },
  };
}
