// Error e-mails (activities/notify.ts): the errors an execution recorded and whether its recipients were told.
import type { Knex } from 'knex';
import type { ExecutionErrorItem } from '../types';
import { NotFoundError } from '../validation';
import { rows, toIds, limitOf, isoOrNull } from './rows';

export function notificationsRepo(knex: Knex) {
  return {
    /**
     * The items this execution recorded in the interface error log (open or since resolved), ticket/card ids with field
     * and message only, ordered by id; at most `limit`, with the total.
     */
    async listExecutionErrors(executionId: string, limit = 200): Promise<{ total: number; items: ExecutionErrorItem[] }> {
      const id = toIds([executionId], 'executionId')[0]!;
      const r = await rows<{ item_kind: string; item_id: string; field: string | null; message: string; total: string }>(
        knex,
        `select e.item_kind, e.item_id, e.field, e.message, count(*) over () as total
         from function_execution x
         join interface_error e on e.interface_id = x.interface_id and e.function = x.function and e.run_id = x.id::text
         where x.id = ?::bigint
         order by e.item_kind, length(e.item_id), e.item_id
         limit ?`,
        [id, limitOf(limit, 10_000)],
      );
      return {
        total: r.length ? Number(r[0]!.total) : 0,
        items: r.map((x) => ({ itemKind: x.item_kind, itemId: x.item_id, field: x.field, message: x.message })),
      };
    },

    /** When the recipients were told about this execution (null: not yet). NotFoundError when there is no such execution. */
    async getExecutionNotification(executionId: string): Promise<{ notifiedAt: string | null; messageId: string | null }> {
      const [r] = await rows<{ notified_at: unknown; notification_message_id: string | null }>(
        knex,
        `select notified_at, notification_message_id from function_execution where id = ?::bigint`,
        [toIds([executionId], 'executionId')[0]!],
      );
      if (!r) throw new NotFoundError(`execution ${executionId} not found`);
      return { notifiedAt: isoOrNull(r.notified_at), messageId: r.notification_message_id };
    },

    /** Records that the e-mail of this execution was sent (idempotent: the first time and Message-ID are kept). */
    async markExecutionNotified(executionId: string, messageId: string): Promise<void> {
      const [r] = await rows(
        knex,
        `update function_execution set notified_at = coalesce(notified_at, now()), notification_message_id = coalesce(notification_message_id, ?)
         where id = ?::bigint returning id`,
        [messageId, toIds([executionId], 'executionId')[0]!],
      );
      if (!r) throw new NotFoundError(`execution ${executionId} not found`);
    },
  };
}
