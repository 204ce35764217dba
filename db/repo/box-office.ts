// S-360-side actions (box office, access control): resolve ticket references, cancel, reprint/take back, control,
// and the "date from" selection of the pushes.
import type { Knex } from 'knex';
import type { S360TicketStatus } from '../../common/domain';
import type { ReprintMapping, ReprintOptions } from '../types';
import { RefusedError, ValidationError, isEmail } from '../validation';
import { rows, toIds, afterIdOf, limitOf, checkInterfaceId, toDate, compareIds, isUniqueViolation } from './rows';

export function boxOfficeRepo(knex: Knex) {
  return {
    /** S-360 ids of the referenced tickets of the interface: `id:<S-360 id>` or a ticket (tax) number; ordered, unknown ones absent. */
    async resolveTicketRefs(interfaceId: number, refs: { ids: readonly string[]; taxNumbers: readonly string[] }): Promise<string[]> {
      if (refs.ids.length === 0 && refs.taxNumbers.length === 0) return [];
      const r = await rows<{ id: string }>(
        knex,
        `select t.id::text as id from ticket t
         where t.interface_id = ? and (t.id = any(?::bigint[]) or t.tax_number = any(?::text[]))
         order by t.id`,
        [checkInterfaceId(interfaceId), toIds(refs.ids), [...refs.taxNumbers]],
      );
      return r.map((x) => x.id);
    },

    /**
     * "Date from" of the pushes (§3.0): injected tickets of the interface in one of `statuses` whose status changed
     * at or after `since`, processed or not, by id after `afterId`.
     */
    async selectChangedSince(interfaceId: number, statuses: readonly S360TicketStatus[], since: string, opts: { afterId?: string | undefined; limit: number }): Promise<string[]> {
      const r = await rows<{ id: string }>(
        knex,
        `select t.id::text as id from ticket t
         where t.interface_id = ? and t.status = any(?::text[]) and t.status_changed_at >= ?::timestamptz and t.id > ?
           and exists (select 1 from processing_marker inj
                       where inj.item_kind = 'ticket' and inj.item_id = t.id and inj.function = 'INJECTION' and inj.outcome = 'OK' offset 0)
         order by t.id limit ?`,
        [checkInterfaceId(interfaceId), [...statuses], since, afterIdOf(opts.afterId), limitOf(opts.limit, 1000)],
      );
      return r.map((x) => x.id);
    },

    /** Cancels or invalidates tickets (any current status); a new reason on an already cancelled ticket is stored. Returns the ids changed. */
    async cancelTickets(ids: readonly string[], reason: string | null, status: 'CANCELLED' | 'INVALIDATED'): Promise<string[]> {
      if (status !== 'CANCELLED' && status !== 'INVALIDATED') throw new ValidationError('status', 'expected CANCELLED or INVALIDATED');
      if (ids.length === 0) return [];
      const r = await rows<{ id: string }>(
        knex,
        `update ticket set
           status_changed_at = case when status <> ? then now() else status_changed_at end,
           status = ?, invalidation_reason = ?, updated_at = now()
         where id = any(?::bigint[]) and (status <> ? or invalidation_reason is distinct from ?)
         returning id::text as id`,
        [status, status, reason, toIds(ids), status, reason],
      );
      return r.map((x) => x.id).sort(compareIds);
    },

    /**
     * Reprint / take back in S-360 (§9.1, §9.3), all or nothing, in ONE transaction: each ticket is INVALIDATED with
     * `reason` (default REPRINT; status_changed_at set, as cancelTickets does, so Push Cancelled deletes it in TIXNGO)
     * and gets a NOT_PRINTED replacement with replaced_ticket_id = its id. The replacement copies event, interface,
     * shipment mode, seat, category, tariff, price, file number and the holder (cultural contact) fields, or takes the
     * new contact `holder` (then the old holder's other personal fields are not copied); it gets a new tax number and
     * barcode built like db/seed.ts builds them from its new id (unique by construction).
     * Refused with RefusedError, writing nothing, when any ticket is unknown, NOT_PRINTED (nothing to reprint) or
     * CANCELLED/INVALIDATED already (which includes a ticket already reprinted). Returns old -> new ids, by old id.
     */
    async reprintTickets(ids: readonly string[], opts: ReprintOptions = {}): Promise<ReprintMapping[]> {
      const idList = [...new Set(toIds(ids))].sort(compareIds);
      if (idList.length === 0) return [];
      const reason = (opts.reason ?? 'REPRINT').trim();
      if (!reason) throw new ValidationError('reason', 'must not be empty');
      if (reason.length > 200) throw new ValidationError('reason', 'at most 200 characters');
      // The custom parameters list reasons separated by commas (resetInjectionInvalidationReasons): a comma could never match.
      if (reason.includes(',')) throw new ValidationError('reason', 'must not contain a comma');
      const h = opts.holder;
      let holder: { email: string; firstName: string | null; lastName: string | null } | null = null;
      if (h) {
        const email = (h.email ?? '').trim();
        // Never echo the value: holder data stays out of messages and logs.
        if (!isEmail(email)) throw new ValidationError('holderEmail', 'expected the e-mail address of the new cultural contact');
        holder = { email, firstName: h.firstName?.trim() || null, lastName: h.lastName?.trim() || null };
      }
      return knex.transaction(async (trx) => {
        const found = await rows<{ id: string; status: S360TicketStatus }>(
          trx,
          `select id::text as id, status from ticket where id = any(?::bigint[]) order by id for update`,
          [idList],
        );
        const statusOf = new Map(found.map((f) => [f.id, f.status]));
        const refused: { id: string; why: string }[] = [];
        for (const id of idList) {
          const st = statusOf.get(id);
          if (st === undefined) refused.push({ id, why: 'not found in S-360' });
          else if (st === 'NOT_PRINTED') refused.push({ id, why: 'is NOT_PRINTED: nothing to reprint' });
          else if (st === 'CANCELLED' || st === 'INVALIDATED') refused.push({ id, why: `is ${st} already` });
        }
        if (refused.length) throw new RefusedError('nothing reprinted', refused);
        await trx.raw(
          `update ticket set status = 'INVALIDATED', invalidation_reason = ?, status_changed_at = now(), updated_at = now()
           where id = any(?::bigint[])`,
          [reason, idList],
        );
        let created: { ticket_id: string; replaced: string }[];
        try {
          created = await rows<{ ticket_id: string; replaced: string }>(
            trx,
            `with src as (
               select t.*, p.code as p_code from ticket t join performance p on p.id = t.performance_id
               where t.id = any(?::bigint[]) order by t.id
             ), g as (
               select src.*, nextval(pg_get_serial_sequence('ticket', 'id')) as new_id from src
             )
             insert into ticket (id, tax_number, barcode, performance_id, interface_id, status, status_changed_at, shipment_mode,
               block, "row", seat, category, tariff, price, currency, file_number, holder_title, holder_first_name, holder_last_name,
               holder_email, holder_birthdate, holder_id_number, holder_country_code, holder_birth_region, holder_birth_place,
               replaced_ticket_id)
             select g.new_id,
               '1' || lpad(g.new_id::text, greatest(11, length(g.new_id::text)), '0'),
               lpad(g.new_id::text, greatest(10, length(g.new_id::text)), '0') || lpad((abs(hashtext('b' || g.new_id::text || g.p_code)) % 100000000)::text, 8, '0'),
               g.performance_id, g.interface_id, 'NOT_PRINTED', now(), g.shipment_mode,
               g.block, g."row", g.seat, g.category, g.tariff, g.price, g.currency, g.file_number,
               case when ?::boolean then null else g.holder_title end,
               case when ?::boolean then ?::text else g.holder_first_name end,
               case when ?::boolean then ?::text else g.holder_last_name end,
               case when ?::boolean then ?::text else g.holder_email end,
               case when ?::boolean then null else g.holder_birthdate end,
               case when ?::boolean then null else g.holder_id_number end,
               case when ?::boolean then null else g.holder_country_code end,
               case when ?::boolean then null else g.holder_birth_region end,
               case when ?::boolean then null else g.holder_birth_place end,
               g.id
             from g
             returning id::text as ticket_id, replaced_ticket_id::text as replaced`,
            [
              idList,
              holder !== null,
              holder !== null,
              holder?.firstName ?? null,
              holder !== null,
              holder?.lastName ?? null,
              holder !== null,
              holder?.email ?? null,
              holder !== null,
              holder !== null,
              holder !== null,
              holder !== null,
              holder !== null,
            ],
          );
        } catch (err) {
          // Built from the new id, the numbers cannot collide with seeded or reprinted tickets; data loaded otherwise can.
          if (isUniqueViolation(err)) throw new ValidationError('ticket', 'a generated tax number or barcode (or a replacement) already exists; nothing reprinted');
          throw err;
        }
        return created.map((c) => ({ replaced: c.replaced, ticketId: c.ticket_id })).sort((a, b) => compareIds(a.replaced, b.replaced));
      });
    },

    /** Access control: NOT_PRINTED/PRINTED -> CONTROLLED at `at`. Returns the ids changed. */
    async controlTickets(ids: readonly string[], at: Date | string = new Date()): Promise<string[]> {
      if (ids.length === 0) return [];
      const r = await rows<{ id: string }>(
        knex,
        `update ticket set status = 'CONTROLLED', controlled_at = ?, status_changed_at = now(), updated_at = now()
         where id = any(?::bigint[]) and status in ('NOT_PRINTED', 'PRINTED') returning id::text as id`,
        [toDate(at, 'at'), toIds(ids)],
      );
      return r.map((x) => x.id).sort(compareIds);
    },
  };
}
