// Read-only views for the CLI and operators: ticket lists, one ticket with everything known about it, counts.
import type { Knex } from 'knex';
import { S360_TICKET_STATUSES, type InterfaceFunction, type S360TicketStatus } from '../../common/domain';
import type { HistoryRow, MarkerRow, MobileTicketRow, TicketListRow, TicketView } from '../types';
import { ValidationError } from '../validation';
import { performanceIdOf } from './events';
import { rows, toIds, afterIdOf, limitOf, iso, isoOrNull, str, strOrNull, numOrNull, TICKET_COLUMNS, TICKET_FROM, mapTicket, ERROR_COLUMNS, mapError } from './rows';

export function viewsRepo(knex: Knex) {
  return {
    async listTickets(opts: { eventCode: string; status?: S360TicketStatus | undefined; limit?: number | undefined; afterId?: string | undefined }): Promise<TicketListRow[]> {
      const perfId = await performanceIdOf(knex, opts.eventCode);
      const b: unknown[] = [perfId, afterIdOf(opts.afterId)];
      let statusFilter = '';
      if (opts.status !== undefined) {
        if (!S360_TICKET_STATUSES.includes(opts.status)) throw new ValidationError('status', `expected one of ${S360_TICKET_STATUSES.join(', ')}`);
        statusFilter = 'and t.status = ?';
        b.push(opts.status);
      }
      b.push(limitOf(opts.limit, 100));
      const r = await rows(
        knex,
        `select t.id::text as id, t.tax_number, t.barcode, t.status, t.invalidation_reason, t.block, t."row", t.seat, t.category,
                concat_ws(' ', t.holder_first_name, t.holder_last_name) as holder_name, t.holder_email, t.interface_id,
                m.tixngo_status as mobile_status
         from ticket t left join mobile_ticket m on m.ticket_id = t.id
         where t.performance_id = ? and t.id > ? ${statusFilter}
         order by t.id limit ?`,
        b,
      );
      return r.map((x) => ({
        id: str(x.id),
        taxNumber: str(x.tax_number),
        barcode: str(x.barcode),
        status: x.status as S360TicketStatus,
        invalidationReason: strOrNull(x.invalidation_reason),
        block: strOrNull(x.block),
        row: strOrNull(x.row),
        seat: strOrNull(x.seat),
        category: strOrNull(x.category),
        holderName: str(x.holder_name ?? ''),
        holderEmail: strOrNull(x.holder_email),
        interfaceId: numOrNull(x.interface_id),
        mobileStatus: strOrNull(x.mobile_status),
      }));
    },

    /** The S-360 ticket with its mobile view, markers, open errors and history; undefined when unknown. */
    async getTicketView(id: string): Promise<TicketView | undefined> {
      const tid = toIds([id], 'id')[0]!;
      const [t] = await rows(knex, `select ${TICKET_COLUMNS} from ${TICKET_FROM} where t.id = ?::bigint`, [tid]);
      if (!t) return undefined;
      const [m] = await rows(
        knex,
        `select ticket_id::text as ticket_id, tixngo_status, wallet_owner, ticket_holder, details, tixngo_version::text as tixngo_version,
                tixngo_updated_at, last_feedback_at
         from mobile_ticket where ticket_id = ?::bigint`,
        [tid],
      );
      const markers = await rows(
        knex,
        `select item_kind, item_id::text as item_id, function, interface_id, processed_at, outcome, pushed_reason, run_id
         from processing_marker where item_kind = 'ticket' and item_id = ?::bigint order by processed_at, function`,
        [tid],
      );
      const errors = await rows(knex, `select ${ERROR_COLUMNS} from interface_error where item_kind = 'ticket' and item_id = ? and resolved_at is null order by id`, [tid]);
      const history = await rows(
        knex,
        `select id::text as id, ticket_id::text as ticket_id, tixngo_status, wallet_owner, ticket_holder, detail, occurred_at, source, change_key
         from mobile_ticket_history where ticket_id = ?::bigint order by occurred_at, id`,
        [tid],
      );
      return {
        ticket: mapTicket(t),
        mobile: m
          ? ({
              ticketId: str(m.ticket_id),
              tixngoStatus: strOrNull(m.tixngo_status),
              walletOwner: m.wallet_owner ?? null,
              ticketHolder: m.ticket_holder ?? null,
              details: m.details ?? null,
              tixngoVersion: strOrNull(m.tixngo_version),
              tixngoUpdatedAt: isoOrNull(m.tixngo_updated_at),
              lastFeedbackAt: isoOrNull(m.last_feedback_at),
            } satisfies MobileTicketRow)
          : null,
        markers: markers.map(
          (k): MarkerRow => ({
            itemKind: k.item_kind as MarkerRow['itemKind'],
            itemId: str(k.item_id),
            function: k.function as InterfaceFunction,
            interfaceId: numOrNull(k.interface_id),
            processedAt: iso(k.processed_at),
            outcome: 'OK',
            pushedReason: strOrNull(k.pushed_reason),
            runId: strOrNull(k.run_id),
          }),
        ),
        openErrors: errors.map(mapError),
        history: history.map(
          (h): HistoryRow => ({
            id: str(h.id),
            ticketId: str(h.ticket_id),
            tixngoStatus: strOrNull(h.tixngo_status),
            walletOwner: h.wallet_owner ?? null,
            ticketHolder: h.ticket_holder ?? null,
            detail: h.detail ?? null,
            occurredAt: iso(h.occurred_at),
            source: h.source as HistoryRow['source'],
            changeKey: str(h.change_key),
          }),
        ),
      };
    },

    /**
     * One page of an interface's tickets (optionally of one event), by id: what reconcile compares with TIXNGO. Only
     * ids, statuses and event codes, so that a whole interface can be walked in bounded memory.
     */
    async listInterfaceTickets(opts: { interfaceId: number; eventCode?: string | undefined; afterId?: string | undefined; limit?: number | undefined }): Promise<{ id: string; status: S360TicketStatus; eventCode: string }[]> {
      const b: unknown[] = [opts.interfaceId, afterIdOf(opts.afterId)];
      let eventFilter = '';
      if (opts.eventCode !== undefined) {
        eventFilter = 'and t.performance_id = ?';
        b.push(await performanceIdOf(knex, opts.eventCode));
      }
      b.push(limitOf(opts.limit, 1000));
      const r = await rows(
        knex,
        `select t.id::text as id, t.status, p.code as event_code from ticket t join performance p on p.id = t.performance_id
         where t.interface_id = ? and t.id > ? ${eventFilter} order by t.id limit ?`,
        b,
      );
      return r.map((x) => ({ id: str(x.id), status: x.status as S360TicketStatus, eventCode: str(x.event_code) }));
    },

    /** How many tickets an interface has (optionally of one event). */
    async countInterfaceTickets(interfaceId: number, eventCode?: string): Promise<number> {
      const b: unknown[] = [interfaceId];
      let eventFilter = '';
      if (eventCode !== undefined) {
        eventFilter = 'and performance_id = ?';
        b.push(await performanceIdOf(knex, eventCode));
      }
      const [r] = await rows<{ n: number }>(knex, `select count(*)::int as n from ticket where interface_id = ? ${eventFilter}`, b);
      return Number(r?.n ?? 0);
    },

    /** The S-360 status (and invalidation reason) of each known ticket among `ids`; unknown ids are absent. */
    async ticketStatuses(ids: readonly string[]): Promise<Map<string, { status: S360TicketStatus; invalidationReason: string | null }>> {
      if (ids.length === 0) return new Map();
      const r = await rows(knex, `select id::text as id, status, invalidation_reason from ticket where id = any(?::bigint[])`, [toIds(ids)]);
      return new Map(r.map((x) => [str(x.id), { status: x.status as S360TicketStatus, invalidationReason: strOrNull(x.invalidation_reason) }]));
    },

    /** Ticket count per S-360 status for an event (every status present, 0 when none). */
    async countTicketsByStatus(eventCode: string): Promise<Record<S360TicketStatus, number>> {
      const perfId = await performanceIdOf(knex, eventCode);
      const r = await rows<{ status: S360TicketStatus; n: number }>(
        knex,
        `select status, count(*)::int as n from ticket where performance_id = ? group by status`,
        [perfId],
      );
      const out = Object.fromEntries(S360_TICKET_STATUSES.map((s) => [s, 0])) as Record<S360TicketStatus, number>;
      for (const x of r) out[x.status] = Number(x.n);
      return out;
    },
  };
}
