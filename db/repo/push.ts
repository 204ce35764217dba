// Push cancelled / controlled: candidates (injected tickets whose S-360 status TIXNGO must learn) and their record.
import type { Knex } from 'knex';
import type { PushCancelledCandidate, PushControlledCandidate, PushedItem } from '../types';
import { ValidationError } from '../validation';
import { resolveErrorsIn } from './errors';
import { rows, toIds, afterIdOf, limitOf, checkInterfaceId, isoOrNull, compareIds } from './rows';

export function pushRepo(knex: Knex) {
  return {
    /**
     * CANCELLED/INVALIDATED tickets of the interface that were injected and either never pushed or
     * pushed with another invalidation reason (§3.3: a changed reason is pushed again).
     */
    async selectPushCancelledCandidates(interfaceId: number, opts: { afterId?: string | undefined; limit: number }): Promise<PushCancelledCandidate[]> {
      const r = await rows<{ id: string; status: 'CANCELLED' | 'INVALIDATED'; reason: string | null }>(
        knex,
        // The ticket index drives; markers are probed by primary key per candidate. `offset 0` keeps
        // each EXISTS a per-row probe instead of letting the planner turn it into a join it may order
        // badly on stale statistics (PGlite never auto-analyzes; status counts change fast).
        `select t.id::text as id, t.status, t.invalidation_reason as reason
         from ticket t
         where t.interface_id = ? and t.status in ('CANCELLED', 'INVALIDATED') and t.id > ?
           and exists (select 1 from processing_marker inj
                       where inj.item_kind = 'ticket' and inj.item_id = t.id and inj.function = 'INJECTION' and inj.outcome = 'OK' offset 0)
           and not exists (select 1 from processing_marker pc
                           where pc.item_kind = 'ticket' and pc.item_id = t.id and pc.function = 'PUSH_CANCELLED'
                             and pc.pushed_reason is not distinct from t.invalidation_reason offset 0)
         order by t.id limit ?`,
        [checkInterfaceId(interfaceId), afterIdOf(opts.afterId), limitOf(opts.limit, 1000)],
      );
      return r.map((x) => ({ id: x.id, status: x.status, reason: x.reason ?? null }));
    },

    /** CONTROLLED tickets of the interface that were injected and not pushed as controlled yet. */
    async selectPushControlledCandidates(interfaceId: number, opts: { afterId?: string | undefined; limit: number }): Promise<PushControlledCandidate[]> {
      const r = await rows<{ id: string; controlled_at: unknown }>(
        knex,
        // Same shape as selectPushCancelledCandidates (see there for `offset 0`).
        `select t.id::text as id, t.controlled_at
         from ticket t
         where t.interface_id = ? and t.status = 'CONTROLLED' and t.id > ?
           and exists (select 1 from processing_marker inj
                       where inj.item_kind = 'ticket' and inj.item_id = t.id and inj.function = 'INJECTION' and inj.outcome = 'OK' offset 0)
           and not exists (select 1 from processing_marker pc
                           where pc.item_kind = 'ticket' and pc.item_id = t.id and pc.function = 'PUSH_CONTROLLED' offset 0)
         order by t.id limit ?`,
        [checkInterfaceId(interfaceId), afterIdOf(opts.afterId), limitOf(opts.limit, 10000)],
      );
      return r.map((x) => ({ id: x.id, controlledAt: isoOrNull(x.controlled_at) }));
    },

    /**
     * The tickets a push-cancelled execution pushed (PUSH_CANCELLED marker of the run) that are not DELETED in S-360's
     * mobile view, after `afterId`, in id order, with the TIXNGO status and version S-360 holds: what the run's deletion
     * waiter asks TIXNGO about. A ticket pushed again by a later run (or by its own workflow) has left this run.
     */
    async selectPendingDeletionsInRun(
      interfaceId: number,
      executionId: string,
      afterId: string | undefined,
      limit: number,
    ): Promise<{ ticketId: string; tixngoStatus: string | null; version: number | null }[]> {
      checkInterfaceId(interfaceId);
      const r = await rows<{ ticket_id: string; tixngo_status: string | null; version: string | null }>(
        knex,
        `select m.item_id::text as ticket_id, mt.tixngo_status, mt.tixngo_version::text as version
         from processing_marker m
         join ticket t on t.id = m.item_id
         left join mobile_ticket mt on mt.ticket_id = m.item_id
         where m.function = 'PUSH_CANCELLED' and m.run_id = ? and m.item_id > ? and m.item_kind = 'ticket' and t.interface_id = ?
           and mt.tixngo_status is distinct from 'DELETED'
         order by m.item_id
         limit ?`,
        [executionId, afterIdOf(afterId), interfaceId, limitOf(limit, 1000)],
      );
      return r.map((x) => ({ ticketId: x.ticket_id, tixngoStatus: x.tixngo_status, version: x.version === null ? null : Number(x.version) }));
    },

    /** How many tickets a push execution pushed (its PUSH_CANCELLED or PUSH_CONTROLLED markers). */
    async countPushedInRun(interfaceId: number, fn: 'PUSH_CANCELLED' | 'PUSH_CONTROLLED', executionId: string): Promise<number> {
      checkInterfaceId(interfaceId);
      const r = await rows<{ n: string }>(knex, `select count(*)::text as n from processing_marker m where m.function = ? and m.run_id = ? and m.item_kind = 'ticket' and m.interface_id = ?`, [fn, executionId, interfaceId]);
      return Number(r[0]?.n ?? 0);
    },

    /**
     * Records a successful push (one transaction): marker upserted with the pushed reason, one history
     * row per ticket and reason, open errors of the function resolved. Returns the ids marked.
     */
    async markPushed(interfaceId: number, fn: 'PUSH_CANCELLED' | 'PUSH_CONTROLLED', items: readonly PushedItem[], executionId: string): Promise<string[]> {
      checkInterfaceId(interfaceId);
      if (fn !== 'PUSH_CANCELLED' && fn !== 'PUSH_CONTROLLED') throw new ValidationError('function', 'expected PUSH_CANCELLED or PUSH_CONTROLLED');
      if (items.length === 0) return [];
      const byId = new Map<string, { id: string; reason: string | null }>();
      for (const it of items) {
        const id = toIds([it.id])[0]!;
        byId.set(id, { id, reason: fn === 'PUSH_CANCELLED' ? (it.reason ?? null) : null });
      }
      const json = JSON.stringify([...byId.values()]);
      const keyExpr = fn === 'PUSH_CANCELLED' ? `'push-cancelled:' || coalesce(i.reason, '')` : `'push-controlled'`;
      return knex.transaction(async (trx) => {
        const marked = await rows<{ id: string }>(
          trx,
          `insert into processing_marker (item_kind, item_id, function, interface_id, run_id, pushed_reason)
           select 'ticket', t.id, ?, ?, ?, i.reason
           from jsonb_to_recordset(?::jsonb) as i(id bigint, reason text) join ticket t on t.id = i.id and t.interface_id = ?
           on conflict (item_kind, item_id, function) do update
             set processed_at = now(), run_id = excluded.run_id, interface_id = excluded.interface_id,
                 pushed_reason = excluded.pushed_reason, outcome = 'OK'
           returning item_id::text as id`,
          [fn, interfaceId, executionId, json, interfaceId],
        );
        await trx.raw(
          `insert into mobile_ticket_history (ticket_id, tixngo_status, source, change_key, detail)
           select t.id, null, ?, ${keyExpr}, jsonb_build_object('reason', i.reason, 'runId', ?::text)
           from jsonb_to_recordset(?::jsonb) as i(id bigint, reason text) join ticket t on t.id = i.id and t.interface_id = ?
           on conflict (ticket_id, change_key) do nothing`,
          [fn, executionId, json, interfaceId],
        );
        await resolveErrorsIn(trx, interfaceId, fn, 'ticket', [...byId.keys()]);
        return marked.map((m) => m.id).sort(compareIds);
      });
    },
  };
}
