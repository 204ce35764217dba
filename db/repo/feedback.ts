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

    /**
     * Applies one page of the TIXNGO diff feed and stores the next cursor, in ONE transaction:
     * tickets S-360 does not know are skipped and returned as `unknown`; mobile_ticket is updated
     * when the version is newer and something changed; one history row per change (change_key
     * `v<version>`, so a replayed page writes nothing). Not per interface: feedback is organiser-wide.
     *
     * When S-360 cannot store the page, it is applied again ticket by ticket (one savepoint each) to find the tickets
     * at fault (§4 doContinueInCaseOfSyncError): with `continueOnError` they are returned as `failed` and the rest of
     * the page and the cursor are stored; without it nothing is stored and FeedbackTicketError names them.
     */
    async applyFeedbackPage(
      interfaceId: number,
      changes: readonly FeedbackChange[],
      nextCursor: string | null,
      opts: { continueOnError?: boolean } = {},
    ): Promise<AppliedFeedbackPage> {
      checkInterfaceId(interfaceId);
      try {
        return await knex.transaction(async (trx) => {
          const res = await applyChanges(trx, changes);
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
            const r = await trx.transaction((sp) => applyChanges(sp, [c]));
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

async function applyChanges(trx: Knex.Transaction, changes: readonly FeedbackChange[]): Promise<AppliedFeedbackPage> {
  const src = changes.map((c, i) => {
    const version = String(c.version);
    if (!/^[0-9]{1,18}$/.test(version)) throw new ValidationError(`changes[${i}].version`, `not a version number: ${version.slice(0, 40)}`);
    if (!c.tixngoStatus) throw new ValidationError(`changes[${i}].tixngoStatus`, 'must not be empty');
    return {
      ticket_id: String(c.ticketId),
      tixngo_status: c.tixngoStatus,
      wallet_owner: c.walletOwner ?? null,
      ticket_holder: c.ticketHolder ?? null,
      details: c.details ?? null,
      version,
      updated_at: toDate(c.updatedAt, `changes[${i}].updatedAt`).toISOString(),
    };
  });
  if (src.length === 0) return { changed: [], unknown: [] };
  const json = JSON.stringify(src);
  // The page as a relation; `tid` is null for ticket ids that cannot be S-360 ids.
  const SRC = `src as (
    select case when c.ticket_id ~ '^[1-9][0-9]{0,17}$' then c.ticket_id::bigint end as tid, c.*
    from jsonb_to_recordset(?::jsonb) as c(ticket_id text, tixngo_status text, wallet_owner jsonb, ticket_holder jsonb,
                                             details jsonb, version bigint, updated_at timestamptz)
  ), known as (
    select s.* from src s join ticket t on t.id = s.tid
  )`;
  const unknown = (
    await rows<{ ticket_id: string }>(
      trx,
      `with ${SRC} select distinct s.ticket_id from src s where not exists (select 1 from known k where k.ticket_id = s.ticket_id) order by 1`,
      [json],
    )
  ).map((u) => u.ticket_id);
  await trx.raw(
    `with ${SRC}
     insert into mobile_ticket_history (ticket_id, tixngo_status, wallet_owner, ticket_holder, detail, occurred_at, source, change_key)
     select k.tid, k.tixngo_status, k.wallet_owner, k.ticket_holder, k.details, k.updated_at, 'FEEDBACK', 'v' || k.version
     from known k
     on conflict (ticket_id, change_key) do nothing`,
    [json],
  );
  const r = await rows<{ ticket_id: string; tixngo_status: string; significant: boolean }>(
    trx,
    `with ${SRC},
     latest as (select distinct on (k.tid) k.* from known k order by k.tid, k.version desc),
     cur as (
       select l.*, m.ticket_id as m_id, m.tixngo_status as m_status, m.wallet_owner as m_owner,
              m.ticket_holder as m_holder, m.details as m_details, m.tixngo_version as m_version
       from latest l left join mobile_ticket m on m.ticket_id = l.tid
     ),
     todo as (
       select c.*,
         (c.m_id is null or c.m_status is distinct from c.tixngo_status or c.m_owner is distinct from c.wallet_owner
           or c.m_holder is distinct from c.ticket_holder) as significant
       from cur c
       where (c.m_version is null or c.version > c.m_version)
     ),
     up as (
       insert into mobile_ticket (ticket_id, tixngo_status, wallet_owner, ticket_holder, details, tixngo_version, tixngo_updated_at, last_feedback_at)
       select tid, tixngo_status, wallet_owner, ticket_holder, details, version, updated_at, now() from todo
       where significant or (details is not null and details is distinct from m_details) or m_version is null
       on conflict (ticket_id) do update set
         tixngo_status = excluded.tixngo_status, wallet_owner = excluded.wallet_owner, ticket_holder = excluded.ticket_holder,
         details = coalesce(excluded.details, mobile_ticket.details), tixngo_version = excluded.tixngo_version,
         tixngo_updated_at = excluded.tixngo_updated_at, last_feedback_at = excluded.last_feedback_at
       returning ticket_id
     )
     select todo.tid::text as ticket_id, todo.tixngo_status, todo.significant from todo order by todo.tid`,
    [json],
  );
  const changed = r.filter((x) => x.significant).map((x) => ({ ticketId: x.ticket_id, tixngoStatus: x.tixngo_status }));
  return { changed, unknown };
}
