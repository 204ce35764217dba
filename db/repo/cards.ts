// Cards (digital privileges): candidates, payload rows, and the record of a successful injection.
import type { Knex } from 'knex';
import type { FunctionParams } from '../../common/functions';
import { splitTicketRefs } from '../../contract/function-params';
import type { CardPayloadRow } from '../types';
import { upsertMarkers } from './injection';
import { resolveErrorsIn } from './errors';
import { rows, toIds, afterIdOf, limitOf, checkInterfaceId, iso, isoOrNull, str, strOrNull, numOrNull, compareIds, toDate } from './rows';

export function cardsRepo(knex: Knex) {
  return {
    /**
     * One page of the cards to inject, by id after `afterId`, following the function parameters (§3.0, §3.5):
     * - `products` (or `productCode`): only cards of these product codes;
     * - `forceTickets`: exactly these cards (card number or id:<S-360 id>), NOT_PRINTED or already PRINTED (sent again:
     *   TIXNGO updates the instance); otherwise `dateFrom`: cards changed since then, printed or not; otherwise the
     *   NOT_PRINTED cards;
     * - `skipTickets`: these cards are never selected (they stay NOT_PRINTED, unmarked).
     */
    async selectPrivilegeCandidates(
      interfaceId: number,
      opts: { afterId?: string | undefined; limit: number; productCode?: string | undefined; params?: FunctionParams | undefined },
    ): Promise<string[]> {
      const p = opts.params;
      const where: string[] = ['c.interface_id = ?', 'c.id > ?'];
      const b: unknown[] = [checkInterfaceId(interfaceId), afterIdOf(opts.afterId)];
      const products = [...(p?.products ?? []), ...(opts.productCode !== undefined ? [opts.productCode] : [])];
      if (products.length) {
        where.push('c.product_code = any(?::text[])');
        b.push(products);
      }
      if (p?.forceTickets) {
        const f = splitTicketRefs(p.forceTickets);
        where.push(`c.status in ('NOT_PRINTED', 'PRINTED') and (c.id = any(?::bigint[]) or c.card_number = any(?::text[]))`);
        b.push(toIds(f.ids, 'forceTickets'), f.taxNumbers);
      } else if (p?.dateFrom !== undefined) {
        where.push(`c.status in ('NOT_PRINTED', 'PRINTED') and c.updated_at >= ?`);
        b.push(toDate(p.dateFrom, 'dateFrom').toISOString());
      } else {
        where.push(`c.status = 'NOT_PRINTED'`);
      }
      if (p?.skipTickets) {
        const k = splitTicketRefs(p.skipTickets);
        where.push('not (c.id = any(?::bigint[]) or c.card_number = any(?::text[]))');
        b.push(toIds(k.ids, 'skipTickets'), k.taxNumbers);
      }
      b.push(limitOf(opts.limit, 1000));
      const r = await rows<{ id: string }>(knex, `select c.id::text as id from card c where ${where.join(' and ')} order by c.id limit ?`, b);
      return r.map((x) => x.id);
    },

    async loadCardsForPayload(ids: readonly string[]): Promise<CardPayloadRow[]> {
      if (ids.length === 0) return [];
      const r = await rows(
        knex,
        `select id::text as id, card_number, kind, product_code, product_name, valid_from, valid_to, interface_id, status,
                holder_first_name, holder_last_name, holder_email, price::float8 as price, currency, updated_at
         from card where id = any(?::bigint[]) order by id`,
        [toIds(ids)],
      );
      return r.map((c) => ({
        id: str(c.id),
        cardNumber: str(c.card_number),
        kind: c.kind as CardPayloadRow['kind'],
        productCode: str(c.product_code),
        productName: str(c.product_name),
        validFrom: isoOrNull(c.valid_from),
        validTo: isoOrNull(c.valid_to),
        interfaceId: numOrNull(c.interface_id),
        status: c.status as CardPayloadRow['status'],
        holder: { firstName: strOrNull(c.holder_first_name), lastName: strOrNull(c.holder_last_name), email: strOrNull(c.holder_email) },
        price: numOrNull(c.price),
        currency: strOrNull(c.currency),
        updatedAt: iso(c.updated_at),
      }));
    },

    /** Card NOT_PRINTED -> PRINTED, PRIVILEGES_INJECTION marker, errors resolved; one transaction. Returns the ids changed. */
    async markCardsInjected(interfaceId: number, ids: readonly string[], executionId: string): Promise<string[]> {
      checkInterfaceId(interfaceId);
      if (ids.length === 0) return [];
      const idList = toIds(ids);
      return knex.transaction(async (trx) => {
        const changed = await rows<{ id: string }>(
          trx,
          `update card set status = 'PRINTED', updated_at = now()
           where id = any(?::bigint[]) and interface_id = ? and status = 'NOT_PRINTED' returning id::text as id`,
          [idList, interfaceId],
        );
        await upsertMarkers(trx, 'card', 'PRIVILEGES_INJECTION', interfaceId, idList, executionId);
        await resolveErrorsIn(trx, interfaceId, 'PRIVILEGES_INJECTION', 'card', idList);
        return changed.map((c) => c.id).sort(compareIds);
      });
    },
  };
}
