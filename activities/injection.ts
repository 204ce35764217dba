// Ticket injection: one batch = one page of S-360 tickets, one bulk TIXNGO call (or ticketIterationSize calls),
// one S-360 write of the outcome. A retried attempt first asks TIXNGO which tickets it already holds.
import { log } from '@temporalio/activity';
import { ERR_INVALID_TICKET_DATA } from '../common/errors';
import type { InterfaceRow, TicketPayloadRow } from '../db/types';
import type { TicketOutcome } from '../tixngo/client';
import { injectionTicketSchema, type InjectionTicketInput } from '../tixngo/contract';
import {
  acceptedEarlier,
  acceptedSoFar,
  customBool,
  customInt,
  describeRejection,
  eligibleTickets,
  failureType,
  heartbeat,
  mayHaveBeenAccepted,
  posting,
  simulateItems,
  type ActivityContext,
  type ItemFailureOut,
} from './context';
import { toFailure } from './failures';
import { chunks, matchesFilters, missingHolderFields, skipper } from './params';
import { appendDump, DEFAULT_DUMP_MAX_KB, dumpFile } from './dump';
import { buildTicketPayloads } from './payload';
import type { Activities } from './types';

type Accepted = { ticketId: string; eventCode: string };

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
      // Accepted and marked by an earlier attempt of this batch (ticketIterationSize): reported, not sent again.
      const earlier = p?.simulationMode ? [] : acceptedEarlier<Accepted>();
      const earlierIds = new Set(earlier.map((a) => a.ticketId));
      rows = rows.filter((r) => !earlierIds.has(r.id));
      alreadyDone = alreadyDone.filter((r) => !earlierIds.has(r.id));
      // Filters (AND; a file number overrides them) leave other tickets for other schedules: not counted here.
      rows = rows.filter((r) => matchesFilters(r, p));
      const selected = rows.length + alreadyDone.length + earlier.length;
      const isSkipped = skipper(p);
      const skippedRows = rows.filter(isSkipped);
      rows = rows.filter((r) => !isSkipped(r));
      // Mandatory holder fields (§3.1.1): such tickets wait, silently (§11.8: no error, no WARNING), until the data
      // is there; the run counts them (`waiting`).
      const waitingRows: { id: string; missing: string[] }[] = [];
      if (p?.mandatoryHolderFields) {
        rows = rows.filter((r) => {
          const missing = missingHolderFields(r, p.mandatoryHolderFields);
          if (missing.length) waitingRows.push({ id: r.id, missing });
          return missing.length === 0;
        });
      }
      const waiting = waitingRows.length;
      const payloadOptions = { mainApplicant: p?.mainApplicant, barcodePrefix: p?.barcodePrefix, barcodeSuffix: p?.barcodeSuffix };
      const eventOf = new Map(rows.map((r) => [r.id, r.performance.code]));
      // A payload that cannot be built (bad comfort variable, unknown time zone) fails its ticket, naming the field.
      const built = buildTicketPayloads(rows, row.customParams, payloadOptions);
      const rejected: ItemFailureOut[] = built.problems.map((x) => ({ itemId: x.ticketId, eventCode: eventOf.get(x.ticketId) ?? '', type: ERR_INVALID_TICKET_DATA, field: x.field, message: x.message }));
      rows = built.payloads.map((b) => b.row);
      const payloadOf = new Map(built.payloads.map((b) => [b.row.id, b.payload]));

      if (p?.simulationMode) {
        // Simulation (§3.1.1): build and check every payload, send nothing, mark nothing, record nothing.
        const sim = simulateItems(
          rows,
          'ticket',
          injectionTicketSchema,
          (r) => payloadOf.get(r.id)!,
          (r) => (r.status === 'NOT_PRINTED' ? { action: 'inject' } : { action: 'reinject', detail: `already ${r.status}: sent again (force list)` }),
          (r) => r.performance.code,
        );
        const simRejected = [...rejected, ...sim.rejected];
        const simulated = [
          ...sim.simulated,
          ...waitingRows.map((w) => ({ itemId: w.id, action: 'wait' as const, detail: `ticket ${w.id} waits: mandatory holder field(s) ${w.missing.join(', ')} missing` })),
        ];
        return { selected, accepted: [], rejected: simRejected, skipped: selected - simRejected.length - waiting, waiting, lastId, done, tixngoCalls: 0, simulated };
      }

      heartbeat(earlier.length ? { accepted: earlier } : undefined);
      // Accepted by TIXNGO in this batch, earlier attempts included: never sent again. Those not yet marked in
      // S-360 are marked with the next write; marking is idempotent, so an earlier attempt's are marked again.
      const accepted: Accepted[] = [];
      let unmarked: Accepted[] = [...earlier, ...alreadyDone.map((r) => ({ ticketId: r.id, eventCode: r.performance.code }))];
      const mark = async (part: Accepted[]): Promise<void> => {
        const items = [...unmarked, ...part];
        if (items.length === 0) return;
        await repo.markInjected(
          row.id,
          items.map((a) => a.ticketId),
          runId,
          { pointOfSales: p?.pointOfSales, salesChannel: p?.salesChannel },
        );
        unmarked = [];
        accepted.push(...items);
        acceptedSoFar(accepted);
      };
      let calls = 0;

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
      for (const id of held) unmarked.push({ ticketId: id, eventCode: eventOf.get(id)! });

      const toSend = rows.filter((r) => !held.has(r.id)).map((r) => payloadOf.get(r.id)!);
      // enforceMandatoryParameters (§3.1.3, default true): refuse incomplete tickets before the call; false: TIXNGO judges.
      const enforceMandatoryParameters = customBool(row, 'enforceMandatoryParameters', true);
      const dump = dumpTarget(ctx, row, runId);
      // ticketIterationSize (§4) splits a batch into consecutive calls. What a sub-call had accepted is marked
      // before the next one: should that one fail, the retry sends only what TIXNGO does not hold.
      for (const part of chunks(toSend, customInt(row, 'ticketIterationSize'))) {
        let res;
        try {
          res = await posting(() => client.injectTickets(part, { enforceMandatoryParameters }), [...accepted, ...unmarked]);
        } catch (err) {
          throw toFailure(err, `injection on interface '${row.name}'`);
        }
        if (res.results.some((r) => !r.local)) calls++;
        const partAccepted: Accepted[] = [];
        for (const r of res.results) {
          const eventCode = eventOf.get(r.ticketId) ?? '';
          if (r.outcome === 'ACCEPTED') partAccepted.push({ ticketId: r.ticketId, eventCode });
          else rejected.push({ itemId: r.ticketId, eventCode, type: failureType(r), ...describeRejection('ticket', r.ticketId, r) });
        }
        await mark(partAccepted);
        if (dump) await writeDump(dump, part, res.results);
      }
      await mark([]);
      await ctx.recordFailures(row, 'INJECTION', 'ticket', rejected, runId);
      const skipped = skippedRows.length;
      if (input.countAcceptedOnly) return { selected, accepted: [], acceptedCount: accepted.length, rejected, skipped, waiting, lastId, done, tixngoCalls: calls };
      return { selected, accepted, rejected, skipped, waiting, lastId, done, tixngoCalls: calls };
    },
  };
}

interface DumpTarget {
  file: string;
  maxKb: number;
}

/** Where this run dumps its tickets (dumpTnPRvariables=true), or undefined. */
function dumpTarget(ctx: ActivityContext, row: InterfaceRow, runId: string): DumpTarget | undefined {
  if (!customBool(row, 'dumpTnPRvariables', false)) return undefined;
  return { file: dumpFile(ctx.dumpDir, row.name, runId), maxKb: customInt(row, 'maxLengthDumpedCallsInKbs') ?? DEFAULT_DUMP_MAX_KB };
}

/** Appends the tickets of one call with their outcome; a full file is said once in the log, without personal data. */
async function writeDump(d: DumpTarget, sent: readonly InjectionTicketInput[], results: readonly TicketOutcome[]): Promise<void> {
  const outcome = new Map(results.map((r) => [r.ticketId, r.local ? 'REFUSED_LOCALLY' : r.outcome]));
  const { dropped } = await appendDump(
    d.file,
    sent.map((t) => ({ ticketId: t.ticketId, outcome: outcome.get(t.ticketId) ?? 'UNKNOWN', payload: t })),
    d.maxKb,
    new Date().toISOString(),
  );
  if (dropped) log.warn('injection dump reached maxLengthDumpedCallsInKbs: tickets left out', { file: d.file, maxKb: d.maxKb, dropped });
}
