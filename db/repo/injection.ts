// Injection: NOT_PRINTED candidates, payload rows, and the all-in-one-transaction record of a successful injection.
import type { Knex } from 'knex';
import type { InterfaceFunction } from '../../common/domain';
import type { TicketPayloadRow } from '../types';
import { performanceIdOf } from './events';
import { resolveErrorsIn } from './errors';
import { rows, toIds, afterIdOf, limitOf, checkInterfaceId, compareIds, TICKET_COLUMNS, TICKET_FROM, mapTicket, type Conn } from './rows';

/** Upserts an OK marker for the given items of the interface (items of other interfaces are ignored). */
export async function upsertMarkers(
  trx: Conn,
  itemKind: 'ticket' | 'card',
  fn: InterfaceFunction,
  interfaceId: number,
  ids: string[],
  executionId: string,
): Promise<void> {
  const table = itemKind === 'ticket' ? 'ticket' : 'card';
  await trx.raw(
    `insert into processing_marker (item_kind, item_id, function, interface_id, run_id)
     select ?, x.id, ?, ?, ? from ${table} x where x.id = any(?::bigint[]) and x.interface_id = ?
     on conflict (item_kind, item_id, function) do update
       set processed_at = now(), run_id = excluded.run_id, interface_id = excluded.interface_id, outcome = 'OK'
       where processing_marker.run_id is distinct from excluded.run_id`,
    [itemKind, fn, interfaceId, executionId, ids, interfaceId],
  );
}

export function injectionRepo(knex: Knex) {
  return {
    /** NOT_PRINTED tickets of the interface (optionally of one event), by id, after `afterId`. */
    async selectInjectionCandidates(interfaceId: number, opts: { eventCode?: string | undefined; afterId?: string | undefined; limit: number }): Promise<string[]> {
      const bindings: unknown[] = [checkInterfaceId(interfaceId), afterIdOf(opts.afterId)];
      let eventFilter = '';
      if (opts.eventCode !== undefined) {
        eventFilter = 'and t.performance_id = ?';
        bindings.push(await performanceIdOf(knex, opts.eventCode));
      }
      bindings.push(limitOf(opts.limit, 1000));
      const r = await rows<{ id: string }>(
        knex,
        `select t.id::text as id from ticket t
         where t.interface_id = ? and t.status = 'NOT_PRINTED' and t.id > ? ${eventFilter}
         order by t.id limit ?`,
        bindings,
      );
      return r.map((x) => x.id);
    },

    /**
     * The tickets with their performance and, for a replacement ticket, the replaced ticket's status, invalidation
     * reason and last known wallet owner; ordered by id. Unknown ids are absent. One query.
     */
    async loadTicketsForPayload(ids: readonly string[]): Promise<TicketPayloadRow[]> {
      if (ids.length === 0) return [];
      const r = await rows(knex, `select ${TICKET_COLUMNS} from ${TICKET_FROM} where t.id = any(?::bigint[]) order by t.id`, [toIds(ids)]);
      return r.map(mapTicket);
    },

    /**
     * Records a successful injection, in one transaction, for the given tickets of this interface:
     * NOT_PRINTED -> PRINTED; INJECTION marker (also for a ticket cancelled meanwhile, since TIXNGO now
     * has it and Push Cancelled must delete it); mobile_ticket INJECTED when none yet; one history row
     * (change_key `injected`); open INJECTION errors resolved. Returns the ids whose status changed.
     * Idempotent: a replay changes nothing and returns []. `printedBy` (the schedule's point of sales configuration,
     * §3.1.1) is recorded on the tickets this call prints.
     */
    async markInjected(
      interfaceId: number,
      ids: readonly string[],
      executionId: string,
      printedBy: { pointOfSales?: string | undefined; salesChannel?: string | undefined } = {},
    ): Promise<string[]> {
      checkInterfaceId(interfaceId);
      if (ids.length === 0) return [];
      const idList = toIds(ids);
      return knex.transaction(async (trx) => {
        const changed = await rows<{ id: string }>(
          trx,
          `update ticket set status = 'PRINTED', status_changed_at = now(), updated_at = now(),
             printed_point_of_sales = ?, printed_sales_channel = ?
           where id = any(?::bigint[]) and interface_id = ? and status = 'NOT_PRINTED' returning id::text as id`,
          [printedBy.pointOfSales ?? null, printedBy.salesChannel ?? null, idList, interfaceId],
        );
        await upsertMarkers(trx, 'ticket', 'INJECTION', interfaceId, idList, executionId);
        await trx.raw(
          `insert into mobile_ticket (ticket_id, tixngo_status)
           select t.id, 'INJECTED' from ticket t where t.id = any(?::bigint[]) and t.interface_id = ?
           on conflict (ticket_id) do nothing`,
          [idList, interfaceId],
        );
        await trx.raw(
          `insert into mobile_ticket_history (ticket_id, tixngo_status, source, change_key, detail)
           select t.id, 'INJECTED', 'INJECTION', 'injected', jsonb_build_object('runId', ?::text)
           from ticket t where t.id = any(?::bigint[]) and t.interface_id = ?
           on conflict (ticket_id, change_key) do nothing`,
          [executionId, idList, interfaceId],
        );
        await resolveErrorsIn(trx, interfaceId, 'INJECTION', 'ticket', idList);
        return changed.map((c) => c.id).sort(compareIds);
      });
    },

    /**
     * Tickets of the interface whose INJECTION marker belongs to the function execution `executionId`, after `afterId`,
     * in id order, with their event code: what the injection fan-out notifies once the run's batches are done.
     */
    async selectInjectedInRun(interfaceId: number, executionId: string, afterId: string | undefined, limit: number): Promise<{ ticketId: string; eventCode: string }[]> {
      checkInterfaceId(interfaceId);
      const r = await rows<{ ticket_id: string; event_code: string }>(
        knex,
        `select t.id::text as ticket_id, p.code as event_code
         from processing_marker m
         join ticket t on t.id = m.item_id
         join performance p on p.id = t.performance_id
         where m.function = 'INJECTION' and m.run_id = ? and m.item_id > ? and m.item_kind = 'ticket' and t.interface_id = ?
         order by m.item_id
         limit ?`,
        [executionId, afterId ?? '0', interfaceId, limit],
      );
      return r.map((x) => ({ ticketId: x.ticket_id, eventCode: x.event_code }));
    },
  };
}
