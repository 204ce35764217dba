// The per-item error log of each interface and function: one open row per item, resolved when the item succeeds.
import type { Knex } from 'knex';
import type { InterfaceFunction } from '../../common/domain';
import type { ErrorRow, ExecutionErrorItem, ItemErrorInput, ItemKind } from '../types';
import { ValidationError } from '../validation';
import { rows, limitOf, checkFunction, checkInterfaceId, ERROR_COLUMNS, mapError, type Conn } from './rows';

/** Resolves the open errors of these items through `conn` (the caller's transaction, when it has one); returns how many were open. */
export async function resolveErrorsIn(conn: Conn, interfaceId: number, fn: InterfaceFunction, itemKind: ItemKind, itemIds: string[]): Promise<number> {
  const r = await rows(
    conn,
    `update interface_error set resolved_at = now()
     where interface_id = ? and function = ? and item_kind = ? and item_id = any(?::text[]) and resolved_at is null returning id`,
    [interfaceId, fn, itemKind, itemIds],
  );
  return r.length;
}

/**
 * run_id of the error rows ticket and card workflows record (activities/lifecycle.ts recordItemError): a deletion
 * never confirmed, a single-ticket push that failed again. No function run selects those tickets again, so these
 * rows are what keeps the function in error until the ticket is retried successfully or skipped.
 */
export const WORKFLOW_ERROR_RUN_ID = 'lifecycle';

export function errorsRepo(knex: Knex) {
  return {
    /**
     * The open errors ticket/card workflows recorded against this function of this interface (of the tickets of
     * `eventCode` only, when given), ids, field and message only, ordered by item; at most `limit`, with the total.
     */
    async listWorkflowErrors(interfaceId: number, fn: InterfaceFunction, opts: { eventCode?: string | undefined; limit?: number | undefined } = {}): Promise<{ total: number; items: ExecutionErrorItem[] }> {
      const eventCode = opts.eventCode ?? null;
      const r = await rows<{ item_kind: string; item_id: string; field: string | null; message: string; total: string }>(
        knex,
        `select e.item_kind, e.item_id, e.field, e.message, count(*) over () as total
         from interface_error e
         where e.interface_id = ? and e.function = ? and e.resolved_at is null and e.run_id = ?
           and (?::text is null or exists (
             select 1 from ticket t join performance p on p.id = t.performance_id
             where e.item_kind = 'ticket' and t.id::text = e.item_id and p.code = ?::text))
         order by e.item_kind, length(e.item_id), e.item_id
         limit ?`,
        [checkInterfaceId(interfaceId), checkFunction(fn), WORKFLOW_ERROR_RUN_ID, eventCode, eventCode, limitOf(opts.limit, 10_000)],
      );
      return {
        total: r.length ? Number(r[0]!.total) : 0,
        items: r.map((x) => ({ itemKind: x.item_kind, itemId: x.item_id, field: x.field, message: x.message })),
      };
    },

    /**
     * Records per-item errors: at most one open row per (interface, function, item); recording again
     * updates message/field/last_seen and counts one more occurrence (not when replayed by the same run).
     * Returns the number of items recorded.
     */
    async recordItemErrors(interfaceId: number, fn: InterfaceFunction, itemKind: ItemKind, errors: readonly ItemErrorInput[], executionId: string): Promise<number> {
      checkInterfaceId(interfaceId);
      checkFunction(fn);
      if (errors.length === 0) return 0;
      // One entry per item (the last wins): ON CONFLICT DO UPDATE cannot touch a row twice.
      const byItem = new Map<string, { item_id: string; field: string | null; message: string }>();
      for (const e of errors) {
        const itemId = String(e.itemId);
        if (!itemId) throw new ValidationError('itemId', 'must not be empty');
        byItem.set(itemId, { item_id: itemId, field: e.field ?? null, message: String(e.message).slice(0, 4000) });
      }
      const r = await rows(
        knex,
        `insert into interface_error (interface_id, function, item_kind, item_id, field, message, run_id)
         select ?, ?, ?, e.item_id, e.field, e.message, ?
         from jsonb_to_recordset(?::jsonb) as e(item_id text, field text, message text)
         on conflict (interface_id, function, item_kind, item_id) where resolved_at is null do update
           set message = excluded.message, field = excluded.field, last_seen_at = now(),
               occurrences = interface_error.occurrences + case when interface_error.run_id is distinct from excluded.run_id then 1 else 0 end,
               run_id = excluded.run_id
         returning id`,
        [interfaceId, fn, itemKind, executionId, JSON.stringify([...byItem.values()])],
      );
      return r.length;
    },

    async listOpenErrors(opts: { interfaceId?: number | undefined; fn?: InterfaceFunction | undefined; itemKind?: ItemKind | undefined; limit?: number | undefined } = {}): Promise<ErrorRow[]> {
      const where = ['resolved_at is null'];
      const b: unknown[] = [];
      if (opts.interfaceId !== undefined) {
        where.push('interface_id = ?');
        b.push(checkInterfaceId(opts.interfaceId));
      }
      if (opts.fn !== undefined) {
        where.push('function = ?');
        b.push(checkFunction(opts.fn));
      }
      if (opts.itemKind !== undefined) {
        where.push('item_kind = ?');
        b.push(opts.itemKind);
      }
      b.push(limitOf(opts.limit, 1000));
      const r = await rows(knex, `select ${ERROR_COLUMNS} from interface_error where ${where.join(' and ')} order by last_seen_at desc, id desc limit ?`, b);
      return r.map(mapError);
    },

    /** Resolves the open errors of these items; returns how many were open. */
    async resolveErrors(interfaceId: number, fn: InterfaceFunction, itemKind: ItemKind, itemIds: readonly string[]): Promise<number> {
      checkInterfaceId(interfaceId);
      checkFunction(fn);
      if (itemIds.length === 0) return 0;
      return resolveErrorsIn(knex, interfaceId, fn, itemKind, itemIds.map(String));
    },
  };
}
