// Ticket injection: one batch = one page of S-360 tickets, one bulk TIXNGO call (or ticketIterationSize calls),
// one S-360 write of the outcome. A retried attempt first asks TIXNGO which tickets it already holds.
import { log } from '@temporalio/activity';
import { ERR_INVALID_TICKET_DATA } from '../common/errors';
import type { InterfaceRow, TicketPayloadRow } from '../db/types';
import type { TicketOutcome } from '../tixngo/client';
import { formatIssues, injectionTicketSchema, issuePath, type InjectionTicketInput } from '../tixngo/contract';
import {
  customBool,
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
import { appendDump, DEFAULT_DUMP_MAX_KB, dumpFile } from './dump';
import { buildTicketPayloads } from './payload';
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
      // Mandatory holder fields (§3.1.1): such tickets wait, silently (§11.8: no error, no WARNING), until the data
      // is there; the run counts them (`waiting`).
      let waiting = 0;
      if (p?.mandatoryHolderFields) {
        rows = rows.filter((r) => {
          const wait = missingHolderFields(r, p.mandatoryHolderFields).length > 0;
          if (wait) waiting++;
          return !wait;
        });
      }
      heartbeat();
      const payloadOptions = { mainApplicant: p?.mainApplicant, barcodePrefix: p?.barcodePrefix, barcodeSuffix: p?.barcodeSuffix };
      const eventOf = new Map(rows.map((r) => [r.id, r.performance.code]));
      const accepted: { ticketId: string; eventCode: string }[] = alreadyDone.map((r) => ({ ticketId: r.id, eventCode: r.performance.code }));
      // A payload that cannot be built (bad comfort variable, unknown time zone) fails its ticket, naming the field.
      const built = buildTicketPayloads(rows, row.customParams, payloadOptions);
      const rejected: ItemFailureOut[] = built.problems.map((x) => ({ itemId: x.ticketId, eventCode: eventOf.get(x.ticketId) ?? '', type: ERR_INVALID_TICKET_DATA, field: x.field, message: x.message }));
      rows = built.payloads.map((b) => b.row);
      const payloadOf = new Map(built.payloads.map((b) => [b.row.id, b.payload]));
      let calls = 0;

      if (p?.simulationMode) {
        // Simulation (§3.1.1): build and check every payload, send nothing, mark nothing.
        for (const r of rows) {
          const check = injectionTicketSchema.safeParse(payloadOf.get(r.id));
          if (!check.success) {
            const field = issuePath(check.error.issues[0]!.path);
            rejected.push({ itemId: r.id, eventCode: r.performance.code, type: ERR_INVALID_TICKET_DATA, field, message: `ticket ${r.id}: ${formatIssues(check.error)}` });
          }
        }
        return { selected, accepted: [], rejected, skipped: selected - rejected.length - waiting, waiting, lastId, done, tixngoCalls: 0 };
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

      const toSend = rows.filter((r) => !held.has(r.id)).map((r) => payloadOf.get(r.id)!);
      // enforceMandatoryParameters (§3.1.3, default true): refuse incomplete tickets before the call; false: TIXNGO judges.
      const enforceMandatoryParameters = customBool(row, 'enforceMandatoryParameters', true);
      const dump = dumpTarget(ctx, row, runId);
      // ticketIterationSize (§4) splits a batch into consecutive calls.
      for (const part of chunks(toSend, customInt(row, 'ticketIterationSize'))) {
        let res;
        try {
          res = await posting(() => client.injectTickets(part, { enforceMandatoryParameters }));
        } catch (err) {
          throw toFailure(err, `injection on interface '${row.name}'`);
        }
        if (res.results.some((r) => !r.local)) calls++;
        for (const r of res.results) {
          const eventCode = eventOf.get(r.ticketId) ?? '';
          if (r.outcome === 'ACCEPTED') accepted.push({ ticketId: r.ticketId, eventCode });
          else rejected.push({ itemId: r.ticketId, eventCode, type: failureType(r), ...describeRejection('ticket', r.ticketId, r) });
        }
        if (dump) await writeDump(dump, part, res.results);
        heartbeat();
      }
      await repo.markInjected(
        row.id,
        accepted.map((a) => a.ticketId),
        runId,
      );
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
