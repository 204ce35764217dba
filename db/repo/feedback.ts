// Feedback: the TIXNGO diff feed applied page by page, with its cursor, to mobile_ticket and its history.
import type { Knex } from 'knex';
import type { FeedbackChange, AppliedFeedbackPage } from '../types';
import { ValidationError } from '../validation';
import { rows, checkInterfaceId, toDate } from './rows';

export function feedbackRepo(knex: Knex) {
  return {
    async getFeedbackCursor(interfaceId: number): Promise<string | null> {
      const [r] = await rows<{ pagination_key: string | null }>(knex, `select pagination_key from feedback_state where interface_id = ?`, [checkInterfaceId(interfaceId)]);
      return r?.pagination_key ?? null;
    },

    /** The ticket numbers (tax numbers) of these S-360 ticket ids; ids S-360 does not know are absent. */
    async ticketTaxNumbers(ticketIds: readonly string[]): Promise<Map<string, string>> {
      const ids = ticketIds.filter((id) => /^[1-9][0-9]{0,17}$/.test(id));
      if (ids.length === 0) return new Map();
      const r = await rows<{ id: string; tax_number: string }>(knex, `select id::text as id, tax_number from ticket where id = any(?::bigint[])`, [ids]);
      return new Map(r.map((x) => [x.id, x.tax_number]));
    },

    /**
     * Applies one page of the TIXNGO diff feed and stores the next cursor, in ONE transaction:
     * tickets S-360 does not know are skipped and returned as `unknown`; mobile_ticket is updated
     * when the version is newer and something changed; one history row per change (change_key
     * `v<version>`, so a replayed page writes nothing). Not per interface: feedback is organiser-wide.
     *
     * A change whose status S-360 does not know (`tixngoStatus` null) is stored with its raw status, keeps the last
     * known mobile status, and opens a FEEDBACK error on the ticket (field `status`) in the same transaction; the
     * next change with a known status resolves it. `executionId` is the run of those errors (occurrence counting).
     *
     * When S-360 cannot store the page, it is applied again ticket by ticket (one savepoint each) to find the tickets
     * at fault (§4 doContinueInCaseOfSyncError): with `continueOnError` they are returned as `failed` and the rest of
     * the page and the cursor are stored; without it nothing is stored and FeedbackTicketError names them.
     */
    async applyFeedbackPage(
      interfaceId: number,
      changes: readonly FeedbackChange[],
      nextCursor: string | null,
      opts: { continueOnError?: boolean; executionId?: string } = {},
    ): Promise<AppliedFeedbackPage> {
      checkInterfaceId(interfaceId);
      try {
        return await knex.transaction(async (trx) => {
          const res = await applyChanges(trx, interfaceId, changes, opts.executionId ?? '');
          await storeCursor(trx, interfaceId, nextCursor);
          return res;
        });
      } catch (err) {
        if (changes.length === 0) throw err;
      }
      return knex.transaction(async (trx) => {
        const out = { changed: [] as AppliedFeedbackPage['changed'], unknown: [] as string[], failed: [] as NonNullable<AppliedFeedbackPage['failed']> };
        for (const c of changes) {
          try {
            const r = await trx.transaction((sp) => applyChanges(sp, interfaceId, [c], opts.executionId ?? ''));
            out.changed.push(...r.changed);
            out.unknown.push(...r.unknown);
          } catch (err) {
            out.failed.push({ ticketId: String(c.ticketId), message: databaseMessage(err) });
          }
        }
        if (out.failed.length && !opts.continueOnError) throw new FeedbackTicketError(out.failed);
        await storeCursor(trx, interfaceId, nextCursor);
        return out.failed.length ? out : { changed: out.changed, unknown: out.unknown };
      });
    },
  };
}

/**
 * TIXNGO states read by id (the push run's deletion waiter), stored in the mobile view exactly as a feedback page
 * would store them (same history keys, so feedback reading the same version later changes nothing), in one
 * transaction; the feedback cursor is left alone.
 */
export function ticketStatesRepo(knex: Knex) {
  return {
    async applyTicketStates(interfaceId: number, changes: readonly FeedbackChange[], executionId: string): Promise<AppliedFeedbackPage> {
      checkInterfaceId(interfaceId);
      if (changes.length === 0) return { changed: [], unknown: [] };
      return knex.transaction((trx) => applyChanges(trx, interfaceId, changes, executionId));
    },
  };
}

/** Tickets of a feedback page S-360 could not store, with doContinueInCaseOfSyncError=false: the page is not stored. */
export class FeedbackTicketError extends Error {
  override name = 'FeedbackTicketError';
  constructor(readonly failed: { ticketId: string; message: string }[]) {
    const first = failed[0]!;
    super(`ticket ${first.ticketId} could not be stored: ${first.message}${failed.length > 1 ? ` (and ${failed.length - 1} more ticket(s))` : ''}`);
  }
}

/** The database's own words: knex puts the SQL text in front of them (`<sql> - <message>`). */
function databaseMessage(err: unknown): string {
  const m = (err as Error).message ?? String(err);
  const at = m.lastIndexOf(' - ');
  return at >= 0 ? m.slice(at + 3) : m;
}

async function storeCursor(trx: Knex.Transaction, interfaceId: number, nextCursor: string | null): Promise<void> {
  await trx.raw(
    `insert into feedback_state (interface_id, pagination_key, updated_at) values (?, ?, now())
     on conflict (interface_id) do update set pagination_key = excluded.pagination_key, updated_at = now()`,
    [interfaceId, nextCursor],
  );
}

async function applyChanges(trx: Knex.Transaction, interfaceId: number, changes: readonly FeedbackChange[], executionId: string): Promise<AppliedFeedbackPage> {
  const src = changes.map((c, i) => {
    const version = String(c.version);
    if (!/^[0-9]{1,18}$/.test(version)) throw new ValidationError(`changes[${i}].version`, `not a version number: ${version.slice(0, 40)}`);
    if (c.tixngoStatus === '') throw new ValidationError(`changes[${i}].tixngoStatus`, 'must not be empty (null: a status S-360 does not know)');
    const raw = c.rawStatus ?? c.tixngoStatus;
    if (!raw) throw new ValidationError(`changes[${i}].rawStatus`, 'required when tixngoStatus is null, must not be empty');
    return {
      ticket_id: String(c.ticketId),
      tixngo_status: c.tixngoStatus,
      raw_status: raw,
      wallet_owner: c.walletOwner ?? null,
      ticket_holder: c.ticketHolder ?? null,
      details: c.details ?? null,
      version,
      updated_at: toDate(c.updatedAt, `changes[${i}].updatedAt`).toISOString(),
    };
  });
  const json = JSON.stringify(src);
  // The page as a relation; `tid` is null for ticket ids that cannot be S-360 ids.
  const SRC = `src as (
    select case when c.ticket_id ~ '^[1-9][0-9]{0,17}$' then c.ticket_id::bigint end as tid, c.*
    from jsonb_to_recordset(?::jsonb) as c(ticket_id text, tixngo_status text, raw_status text, wallet_owner jsonb, ticket_holder jsonb,
                                             details jsonb, version bigint, updated_at timestamptz)
  ), known as (
    select s.* from src s join ticket t on t.id = s.tid
  ), latest as (
    select distinct on (k.tid) k.* from known k order by k.tid, k.version desc
  )`;
  let unknown: string[] = [];
  let changed: { ticketId: string; tixngoStatus: string }[] = [];
  if (src.length > 0) {
    unknown = (
      await rows<{ ticket_id: string }>(
        trx,
        `with ${SRC} select distinct s.ticket_id from src s where not exists (select 1 from known k where k.ticket_id = s.ticket_id) order by 1`,
        [json],
      )
    ).map((u) => u.ticket_id);
    await trx.raw(
      `with ${SRC}
       insert into mobile_ticket_history (ticket_id, tixngo_status, tixngo_raw_status, wallet_owner, ticket_holder, detail, occurred_at, source, change_key)
       select k.tid, k.tixngo_status, k.raw_status, k.wallet_owner, k.ticket_holder, k.details, k.updated_at, 'FEEDBACK', 'v' || k.version
       from known k
       on conflict (ticket_id, change_key) do nothing`,
      [json],
    );
    // An unknown status (null) keeps the last known one: it is no change of status, and the workflow is not told.
    const r = await rows<{ ticket_id: string; tixngo_status: string | null; significant: boolean }>(
      trx,
      `with ${SRC},
       cur as (
         select l.*, m.ticket_id as m_id, m.tixngo_status as m_status, m.tixngo_raw_status as m_raw, m.wallet_owner as m_owner,
                m.ticket_holder as m_holder, m.details as m_details, m.tixngo_version as m_version
         from latest l left join mobile_ticket m on m.ticket_id = l.tid
       ),
       todo as (
         select c.*,
           (c.m_id is null or c.m_status is distinct from coalesce(c.tixngo_status, c.m_status) or c.m_owner is distinct from c.wallet_owner
             or c.m_holder is distinct from c.ticket_holder) as significant
         from cur c
         where (c.m_version is null or c.version > c.m_version)
       ),
       up as (
         insert into mobile_ticket (ticket_id, tixngo_status, tixngo_raw_status, wallet_owner, ticket_holder, details, tixngo_version, tixngo_updated_at, last_feedback_at)
         select tid, tixngo_status, raw_status, wallet_owner, ticket_holder, details, version, updated_at, now() from todo
         where significant or (details is not null and details is distinct from m_details) or m_version is null or raw_status is distinct from m_raw
         on conflict (ticket_id) do update set
           tixngo_status = coalesce(excluded.tixngo_status, mobile_ticket.tixngo_status), tixngo_raw_status = excluded.tixngo_raw_status,
           wallet_owner = excluded.wallet_owner, ticket_holder = excluded.ticket_holder,
           details = coalesce(excluded.details, mobile_ticket.details), tixngo_version = excluded.tixngo_version,
           tixngo_updated_at = excluded.tixngo_updated_at, last_feedback_at = excluded.last_feedback_at
         returning ticket_id
       )
       select todo.tid::text as ticket_id, todo.tixngo_status, todo.significant from todo order by todo.tid`,
      [json],
    );
    changed = r.flatMap((x) => (x.significant && x.tixngo_status !== null ? [{ ticketId: x.ticket_id, tixngoStatus: x.tixngo_status }] : []));
    // The error log (same rules as errorsRepo.recordItemErrors: one open row per item, one occurrence per run),
    // in this transaction so that the cursor never moves past a status nobody was told about.
    await trx.raw(
      `with ${SRC}
       insert into interface_error (interface_id, function, item_kind, item_id, field, message, run_id)
       select ?, 'FEEDBACK', 'ticket', l.tid::text, 'status',
              'ticket ' || l.tid || ': unknown TIXNGO status ' || l.raw_status
                || ' (stored as the raw status; the mobile status and the ticket workflow keep the last known status)', ?
       from latest l where l.tixngo_status is null
       on conflict (interface_id, function, item_kind, item_id) where resolved_at is null do update
         set message = excluded.message, field = excluded.field, last_seen_at = now(),
             occurrences = interface_error.occurrences + case when interface_error.run_id is distinct from excluded.run_id then 1 else 0 end,
             run_id = excluded.run_id`,
      [json, interfaceId, executionId],
    );
    await trx.raw(
      `with ${SRC}
       update interface_error e set resolved_at = now()
       from latest l
       where l.tixngo_status is not null and e.interface_id = ? and e.function = 'FEEDBACK' and e.item_kind = 'ticket'
         and e.item_id = l.tid::text and e.field = 'status' and e.resolved_at is null`,
      [json, interfaceId],
    );
  }
  return { changed, unknown };
}
