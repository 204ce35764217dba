// The only code that reads and writes the S-360 database (used by Temporal activities and the CLI).
//
// Rules: every write is idempotent (a retried activity changes nothing more); multi-row work runs
// in ONE transaction; everything is set-based (ids travel as one bigint[] parameter, structured
// input as one jsonb parameter) so a batch costs a fixed number of round trips whatever its size.
// Inside a transaction only `trx` is used: PGlite has a single connection.
import type { Knex } from 'knex';
import {
  INTERFACE_FUNCTIONS,
  S360_TICKET_STATUSES,
  type InterfaceFunction,
  type S360TicketStatus,
} from '../common/domain';
import { decryptSecret, encryptSecret, type SecretKey } from '../config/secrets';
import {
  DEFAULT_FUNCTION_SETTINGS,
  type CardPayloadRow,
  type CustomParams,
  type ErrorRow,
  type ExecutionErrorItem,
  type ExecutionFinish,
  type ExecutionRow,
  type ExecutionStart,
  type FeedbackChange,
  type FeedbackPageResult,
  type FunctionSettings,
  type HistoryRow,
  type InterfaceCredentials,
  type InterfaceInput,
  type InterfaceRow,
  type InterfaceType,
  type ItemErrorInput,
  type ItemKind,
  type MarkerRow,
  type MobileTicketRow,
  type PerformanceInput,
  type PerformanceRow,
  type PushCancelledCandidate,
  type PushControlledCandidate,
  type PushedItem,
  type ReplacedTicketInfo,
  type ReprintMapping,
  type ReprintOptions,
  type TicketListRow,
  type TicketPayloadRow,
  type TicketView,
} from './types';
import { NotFoundError, RefusedError, ValidationError, isEmail, validateInterfaceInput } from './validation';

type Conn = Knex | Knex.Transaction;
type Row = Record<string, unknown>;

async function rows<T = Row>(db: Conn, sql: string, bindings: readonly unknown[] = []): Promise<T[]> {
  // knex's RawBinding union does not include unknown; every value passed here is a plain value.
  const r = (await db.raw(sql, bindings as readonly Knex.RawBinding[])) as { rows: T[] };
  return r.rows;
}

// --- value helpers ------------------------------------------------------------------------------

const ID_RE = /^[1-9][0-9]{0,17}$/;

/** Checks S-360 ids (decimal strings or safe integers) and returns them as strings for a bigint[] parameter. */
function toIds(ids: readonly (string | number | bigint)[], field = 'ids'): string[] {
  return ids.map((raw) => {
    const s = String(raw);
    if (!ID_RE.test(s)) throw new ValidationError(field, `not an S-360 id: ${s.slice(0, 40)}`);
    return s;
  });
}

function afterIdOf(afterId: string | undefined): string {
  if (afterId === undefined || afterId === '' || afterId === '0') return '0';
  return toIds([afterId], 'afterId')[0]!;
}

function limitOf(limit: number | undefined, def: number): number {
  const l = limit ?? def;
  if (!Number.isInteger(l) || l < 1 || l > 100_000) throw new ValidationError('limit', 'expected an integer between 1 and 100000');
  return l;
}

function checkFunction(fn: string): InterfaceFunction {
  if (!(INTERFACE_FUNCTIONS as readonly string[]).includes(fn)) throw new ValidationError('function', `expected one of ${INTERFACE_FUNCTIONS.join(', ')}`);
  return fn as InterfaceFunction;
}

function checkInterfaceId(id: number): number {
  if (!Number.isInteger(id) || id < 1) throw new ValidationError('interfaceId', `not an interface id: ${String(id)}`);
  return id;
}

/** Timestamps as ISO strings (pg and PGlite both return Date for timestamptz). */
function iso(v: unknown): string {
  return v instanceof Date ? v.toISOString() : String(v);
}
function isoOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : iso(v);
}
function str(v: unknown): string {
  return String(v);
}
function strOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}
function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}
function toDate(v: Date | string, field: string): Date {
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) throw new ValidationError(field, `not a date: ${String(v)}`);
  return d;
}

// --- SQL fragments and row mappers --------------------------------------------------------------

const TICKET_COLUMNS = `
  t.id::text as id, t.tax_number, t.barcode, t.status, t.invalidation_reason, t.status_changed_at, t.controlled_at,
  t.interface_id, t.shipment_mode, t.block, t."row", t.seat, t.category, t.tariff, t.price::float8 as price, t.currency,
  t.file_number, t.holder_title, t.holder_first_name, t.holder_last_name, t.holder_email,
  t.holder_birthdate::text as holder_birthdate, t.holder_id_number, t.holder_country_code, t.updated_at,
  p.id as p_id, p.code as p_code, p.name as p_name, p.product_kind as p_product_kind, p.venue_site as p_venue_site,
  p.address_line1 as p_address_line1, p.city as p_city, p.zip as p_zip, p.country_code as p_country_code,
  p.timezone as p_timezone, p.start_time as p_start_time, p.end_time as p_end_time,
  t.replaced_ticket_id::text as replaced_ticket_id, r.status as r_status, r.invalidation_reason as r_invalidation_reason,
  rm.wallet_owner as r_wallet_owner`;

// The replaced ticket (reprint, take back) and its mobile view come in the same query, by primary key: one query per
// batch whatever its size. One level only: the predecessor's own state, not its own predecessor's.
const TICKET_FROM = `ticket t join performance p on p.id = t.performance_id
  left join ticket r on r.id = t.replaced_ticket_id
  left join mobile_ticket rm on rm.ticket_id = t.replaced_ticket_id`;

function mapReplaced(r: Row): ReplacedTicketInfo | null {
  if (r.replaced_ticket_id === null || r.replaced_ticket_id === undefined) return null;
  return {
    id: str(r.replaced_ticket_id),
    status: r.r_status as S360TicketStatus,
    invalidationReason: strOrNull(r.r_invalidation_reason),
    lastWalletOwner: r.r_wallet_owner ?? null,
  };
}

function mapTicket(r: Row): TicketPayloadRow {
  return {
    id: str(r.id),
    taxNumber: str(r.tax_number),
    barcode: str(r.barcode),
    status: r.status as S360TicketStatus,
    invalidationReason: strOrNull(r.invalidation_reason),
    statusChangedAt: iso(r.status_changed_at),
    controlledAt: isoOrNull(r.controlled_at),
    interfaceId: numOrNull(r.interface_id),
    shipmentMode: str(r.shipment_mode),
    block: strOrNull(r.block),
    row: strOrNull(r.row),
    seat: strOrNull(r.seat),
    category: strOrNull(r.category),
    tariff: strOrNull(r.tariff),
    price: numOrNull(r.price),
    currency: strOrNull(r.currency),
    fileNumber: strOrNull(r.file_number),
    holder: {
      title: strOrNull(r.holder_title),
      firstName: strOrNull(r.holder_first_name),
      lastName: strOrNull(r.holder_last_name),
      email: strOrNull(r.holder_email),
      birthdate: strOrNull(r.holder_birthdate),
      idNumber: strOrNull(r.holder_id_number),
      countryCode: strOrNull(r.holder_country_code),
    },
    performance: {
      id: Number(r.p_id),
      code: str(r.p_code),
      name: str(r.p_name),
      productKind: r.p_product_kind as PerformanceRow['productKind'],
      venueSite: str(r.p_venue_site),
      addressLine1: strOrNull(r.p_address_line1),
      city: str(r.p_city),
      zip: str(r.p_zip),
      countryCode: str(r.p_country_code),
      timezone: str(r.p_timezone),
      startTime: iso(r.p_start_time),
      endTime: isoOrNull(r.p_end_time),
    },
    replacedTicket: mapReplaced(r),
    updatedAt: iso(r.updated_at),
  };
}

function mapPerformance(r: Row): PerformanceRow {
  return {
    id: Number(r.id),
    code: str(r.code),
    name: str(r.name),
    productKind: r.product_kind as PerformanceRow['productKind'],
    venueSite: str(r.venue_site),
    addressLine1: strOrNull(r.address_line1),
    city: str(r.city),
    zip: str(r.zip),
    countryCode: str(r.country_code),
    timezone: str(r.timezone),
    startTime: iso(r.start_time),
    endTime: isoOrNull(r.end_time),
    createdAt: iso(r.created_at),
  };
}

const INTERFACE_COLUMNS = `id, name, type, url, login_email, notification_emails, custom_params, settings, created_at`;

function mapInterface(r: Row): InterfaceRow {
  return {
    id: Number(r.id),
    name: str(r.name),
    type: r.type as InterfaceType,
    url: str(r.url),
    loginEmail: str(r.login_email),
    notificationEmails: (r.notification_emails as string[] | null) ?? [],
    customParams: (r.custom_params as CustomParams | null) ?? {},
    settings: { ...DEFAULT_FUNCTION_SETTINGS, ...((r.settings as Partial<FunctionSettings> | null) ?? {}) },
    createdAt: iso(r.created_at),
  };
}

const ERROR_COLUMNS = `id::text as id, interface_id, function, item_kind, item_id, field, message, first_seen_at, last_seen_at, occurrences, resolved_at, run_id`;

function mapError(r: Row): ErrorRow {
  return {
    id: str(r.id),
    interfaceId: Number(r.interface_id),
    function: r.function as InterfaceFunction,
    itemKind: r.item_kind as ItemKind,
    itemId: str(r.item_id),
    field: strOrNull(r.field),
    message: str(r.message),
    firstSeenAt: iso(r.first_seen_at),
    lastSeenAt: iso(r.last_seen_at),
    occurrences: Number(r.occurrences),
    resolvedAt: isoOrNull(r.resolved_at),
    runId: strOrNull(r.run_id),
  };
}

/** Records an execution (idempotent per function, workflow id and run id) and returns its id. */
async function insertExecution(db: Conn, e: ExecutionStart): Promise<string> {
  const [r] = await rows<{ id: string }>(
    db,
    `insert into function_execution (interface_id, function, workflow_id, run_id) values (?, ?, ?, ?)
     on conflict (function, workflow_id, run_id) do update set interface_id = excluded.interface_id
     returning id::text as id`,
    [e.interfaceId, e.fn, e.workflowId, e.runId],
  );
  return r!.id;
}

const EXECUTION_COLUMNS = `id::text as id, interface_id, function, workflow_id, run_id, started_at, ended_at, outcome, counts, error`;

function mapExecution(r: Row): ExecutionRow {
  return {
    id: str(r.id),
    interfaceId: Number(r.interface_id),
    function: r.function as InterfaceFunction,
    workflowId: str(r.workflow_id),
    runId: str(r.run_id),
    startedAt: iso(r.started_at),
    endedAt: isoOrNull(r.ended_at),
    outcome: (r.outcome as ExecutionRow['outcome']) ?? null,
    counts: (r.counts as Record<string, number> | null) ?? {},
    error: strOrNull(r.error),
  };
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === '23505';
}

// --- repository ---------------------------------------------------------------------------------

export class Repository {
  constructor(readonly knex: Knex) {}

  // ---- interfaces ----

  /** Validates, encrypts the API key and stores the interface. Throws ValidationError naming the field. */
  async addInterface(input: InterfaceInput, secretKey: SecretKey): Promise<InterfaceRow> {
    const v = validateInterfaceInput(input);
    try {
      const [r] = await rows(
        this.knex,
        `insert into tixngo_interface (name, type, url, login_email, api_key_enc, notification_emails, custom_params, settings)
         values (?, ?, ?, ?, ?, ?::text[], ?::jsonb, ?::jsonb)
         returning ${INTERFACE_COLUMNS}`,
        [v.name, v.type, v.url, v.loginEmail, encryptSecret(v.apiKey, secretKey), v.notificationEmails, JSON.stringify(v.customParams), JSON.stringify(v.settings)],
      );
      return mapInterface(r!);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ValidationError('name', `an interface named ${v.name} already exists`);
      throw err;
    }
  }

  async listInterfaces(): Promise<InterfaceRow[]> {
    return (await rows(this.knex, `select ${INTERFACE_COLUMNS} from tixngo_interface order by id`)).map(mapInterface);
  }

  async getInterfaceByName(name: string): Promise<InterfaceRow | undefined> {
    const [r] = await rows(this.knex, `select ${INTERFACE_COLUMNS} from tixngo_interface where name = ?`, [name]);
    return r ? mapInterface(r) : undefined;
  }

  async getInterfaceById(id: number): Promise<InterfaceRow | undefined> {
    const [r] = await rows(this.knex, `select ${INTERFACE_COLUMNS} from tixngo_interface where id = ?`, [checkInterfaceId(id)]);
    return r ? mapInterface(r) : undefined;
  }

  /** The decrypted credentials, for the TIXNGO client only. Never log the result. */
  async getInterfaceCredentials(interfaceId: number, secretKey: SecretKey | readonly SecretKey[]): Promise<InterfaceCredentials> {
    const [r] = await rows<{ url: string; login_email: string; api_key_enc: string }>(
      this.knex,
      `select url, login_email, api_key_enc from tixngo_interface where id = ?`,
      [checkInterfaceId(interfaceId)],
    );
    if (!r) throw new NotFoundError(`interface ${interfaceId} not found`);
    return { url: r.url, login: r.login_email, apiKey: decryptSecret(r.api_key_enc, secretKey) };
  }

  /** Re-encrypts every API key with `newKey` (key rotation); `oldKeys` must include the keys in use. Returns the count. */
  async reencryptApiKeys(oldKeys: readonly SecretKey[], newKey: SecretKey): Promise<number> {
    return this.knex.transaction(async (trx) => {
      const all = await rows<{ id: number; api_key_enc: string }>(trx, `select id, api_key_enc from tixngo_interface for update`);
      const updates = all.map((r) => ({ id: r.id, enc: encryptSecret(decryptSecret(r.api_key_enc, [...oldKeys, newKey]), newKey) }));
      if (updates.length === 0) return 0;
      await trx.raw(
        `update tixngo_interface i set api_key_enc = u.enc from jsonb_to_recordset(?::jsonb) as u(id integer, enc text) where i.id = u.id`,
        [JSON.stringify(updates)],
      );
      return updates.length;
    });
  }

  /** Attaches every ticket and card of an event without interface to the interface; returns the ticket count. */
  async attachEventToInterface(eventCode: string, interfaceId: number): Promise<number> {
    const r = await rows(
      this.knex,
      `update ticket t set interface_id = ?, updated_at = now() from performance p
       where p.id = t.performance_id and p.code = ? and t.interface_id is null returning t.id`,
      [checkInterfaceId(interfaceId), eventCode],
    );
    return r.length;
  }

  // ---- events ----

  /** Inserts or updates the performance with this code. */
  async upsertPerformance(p: PerformanceInput): Promise<PerformanceRow> {
    if (!p.code?.trim()) throw new ValidationError('code', 'must not be empty');
    for (const f of ['name', 'venueSite', 'city', 'zip', 'countryCode'] as const) {
      if (!p[f]?.trim()) throw new ValidationError(f, 'must not be empty');
    }
    const start = toDate(p.startTime, 'startTime');
    const end = p.endTime === undefined || p.endTime === null ? null : toDate(p.endTime, 'endTime');
    const [r] = await rows(
      this.knex,
      `insert into performance (code, name, product_kind, venue_site, address_line1, city, zip, country_code, timezone, start_time, end_time)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (code) do update set name = excluded.name, product_kind = excluded.product_kind, venue_site = excluded.venue_site,
         address_line1 = excluded.address_line1, city = excluded.city, zip = excluded.zip, country_code = excluded.country_code,
         timezone = excluded.timezone, start_time = excluded.start_time, end_time = excluded.end_time
       returning *`,
      [p.code.trim(), p.name, p.productKind, p.venueSite, p.addressLine1 ?? null, p.city, p.zip, p.countryCode, p.timezone ?? 'UTC', start, end],
    );
    return mapPerformance(r!);
  }

  async getPerformanceByCode(code: string): Promise<PerformanceRow | undefined> {
    const [r] = await rows(this.knex, `select * from performance where code = ?`, [code]);
    return r ? mapPerformance(r) : undefined;
  }

  private async performanceIdOf(conn: Conn, eventCode: string): Promise<number> {
    const [r] = await rows<{ id: number }>(conn, `select id from performance where code = ?`, [eventCode]);
    if (!r) throw new NotFoundError(`event ${eventCode} not found`);
    return Number(r.id);
  }

  // ---- injection ----

  /** NOT_PRINTED tickets of the interface (optionally of one event), by id, after `afterId`. */
  async selectInjectionCandidates(interfaceId: number, opts: { eventCode?: string | undefined; afterId?: string | undefined; limit: number }): Promise<string[]> {
    const bindings: unknown[] = [checkInterfaceId(interfaceId), afterIdOf(opts.afterId)];
    let eventFilter = '';
    if (opts.eventCode !== undefined) {
      eventFilter = 'and t.performance_id = ?';
      bindings.push(await this.performanceIdOf(this.knex, opts.eventCode));
    }
    bindings.push(limitOf(opts.limit, 1000));
    const r = await rows<{ id: string }>(
      this.knex,
      `select t.id::text as id from ticket t
       where t.interface_id = ? and t.status = 'NOT_PRINTED' and t.id > ? ${eventFilter}
       order by t.id limit ?`,
      bindings,
    );
    return r.map((x) => x.id);
  }

  /**
   * The tickets with their performance and, for a replacement ticket, the replaced ticket's status, invalidation
   * reason and last known wallet owner; ordered by id. Unknown ids are absent. One query.
   */
  async loadTicketsForPayload(ids: readonly string[]): Promise<TicketPayloadRow[]> {
    if (ids.length === 0) return [];
    const r = await rows(this.knex, `select ${TICKET_COLUMNS} from ${TICKET_FROM} where t.id = any(?::bigint[]) order by t.id`, [toIds(ids)]);
    return r.map(mapTicket);
  }

  /**
   * Records a successful injection, in one transaction, for the given tickets of this interface:
   * NOT_PRINTED -> PRINTED; INJECTION marker (also for a ticket cancelled meanwhile, since TIXNGO now
   * has it and Push Cancelled must delete it); mobile_ticket INJECTED when none yet; one history row
   * (change_key `injected`); open INJECTION errors resolved. Returns the ids whose status changed.
   * Idempotent: a replay changes nothing and returns [].
   */
  async markInjected(interfaceId: number, ids: readonly string[], runId: string): Promise<string[]> {
    checkInterfaceId(interfaceId);
    if (ids.length === 0) return [];
    const idList = toIds(ids);
    return this.knex.transaction(async (trx) => {
      const changed = await rows<{ id: string }>(
        trx,
        `update ticket set status = 'PRINTED', status_changed_at = now(), updated_at = now()
         where id = any(?::bigint[]) and interface_id = ? and status = 'NOT_PRINTED' returning id::text as id`,
        [idList, interfaceId],
      );
      await this.upsertMarkers(trx, 'ticket', 'INJECTION', interfaceId, idList, runId);
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
        [runId, idList, interfaceId],
      );
      await this.resolveErrorsIn(trx, interfaceId, 'INJECTION', 'ticket', idList);
      return changed.map((c) => c.id).sort(compareIds);
    });
  }

  /**
   * Tickets of the interface whose INJECTION marker belongs to `runId` (the function execution), after `afterId`,
   * in id order, with their event code: what the injection fan-out notifies once the run's batches are done.
   */
  async selectInjectedInRun(interfaceId: number, runId: string, afterId: string | undefined, limit: number): Promise<{ ticketId: string; eventCode: string }[]> {
    checkInterfaceId(interfaceId);
    const r = await rows<{ ticket_id: string; event_code: string }>(
      this.knex,
      `select t.id::text as ticket_id, p.code as event_code
       from processing_marker m
       join ticket t on t.id = m.item_id
       join performance p on p.id = t.performance_id
       where m.function = 'INJECTION' and m.run_id = ? and m.item_id > ? and m.item_kind = 'ticket' and t.interface_id = ?
       order by m.item_id
       limit ?`,
      [runId, afterId ?? '0', interfaceId, limit],
    );
    return r.map((x) => ({ ticketId: x.ticket_id, eventCode: x.event_code }));
  }

  /** Upserts an OK marker for the given items of the interface (items of other interfaces are ignored). */
  private async upsertMarkers(
    trx: Conn,
    itemKind: 'ticket' | 'card',
    fn: InterfaceFunction,
    interfaceId: number,
    ids: string[],
    runId: string,
  ): Promise<void> {
    const table = itemKind === 'ticket' ? 'ticket' : 'card';
    await trx.raw(
      `insert into processing_marker (item_kind, item_id, function, interface_id, run_id)
       select ?, x.id, ?, ?, ? from ${table} x where x.id = any(?::bigint[]) and x.interface_id = ?
       on conflict (item_kind, item_id, function) do update
         set processed_at = now(), run_id = excluded.run_id, interface_id = excluded.interface_id, outcome = 'OK'
         where processing_marker.run_id is distinct from excluded.run_id`,
      [itemKind, fn, interfaceId, runId, ids, interfaceId],
    );
  }

  // ---- errors ----

  /**
   * Records per-item errors: at most one open row per (interface, function, item); recording again
   * updates message/field/last_seen and counts one more occurrence (not when replayed by the same run).
   * Returns the number of items recorded.
   */
  async recordItemErrors(interfaceId: number, fn: InterfaceFunction, itemKind: ItemKind, errors: readonly ItemErrorInput[], runId: string): Promise<number> {
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
      this.knex,
      `insert into interface_error (interface_id, function, item_kind, item_id, field, message, run_id)
       select ?, ?, ?, e.item_id, e.field, e.message, ?
       from jsonb_to_recordset(?::jsonb) as e(item_id text, field text, message text)
       on conflict (interface_id, function, item_kind, item_id) where resolved_at is null do update
         set message = excluded.message, field = excluded.field, last_seen_at = now(),
             occurrences = interface_error.occurrences + case when interface_error.run_id is distinct from excluded.run_id then 1 else 0 end,
             run_id = excluded.run_id
       returning id`,
      [interfaceId, fn, itemKind, runId, JSON.stringify([...byItem.values()])],
    );
    return r.length;
  }

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
    const r = await rows(this.knex, `select ${ERROR_COLUMNS} from interface_error where ${where.join(' and ')} order by last_seen_at desc, id desc limit ?`, b);
    return r.map(mapError);
  }

  /** Resolves the open errors of these items; returns how many were open. */
  async resolveErrors(interfaceId: number, fn: InterfaceFunction, itemKind: ItemKind, itemIds: readonly string[]): Promise<number> {
    checkInterfaceId(interfaceId);
    checkFunction(fn);
    if (itemIds.length === 0) return 0;
    return this.resolveErrorsIn(this.knex, interfaceId, fn, itemKind, itemIds.map(String));
  }

  private async resolveErrorsIn(conn: Conn, interfaceId: number, fn: InterfaceFunction, itemKind: ItemKind, itemIds: string[]): Promise<number> {
    const r = await rows(
      conn,
      `update interface_error set resolved_at = now()
       where interface_id = ? and function = ? and item_kind = ? and item_id = any(?::text[]) and resolved_at is null returning id`,
      [interfaceId, fn, itemKind, itemIds],
    );
    return r.length;
  }

  // ---- push cancelled / controlled ----

  /**
   * CANCELLED/INVALIDATED tickets of the interface that were injected and either never pushed or
   * pushed with another invalidation reason (§3.3: a changed reason is pushed again).
   */
  async selectPushCancelledCandidates(interfaceId: number, opts: { afterId?: string | undefined; limit: number }): Promise<PushCancelledCandidate[]> {
    const r = await rows<{ id: string; status: 'CANCELLED' | 'INVALIDATED'; reason: string | null }>(
      this.knex,
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
  }

  /** CONTROLLED tickets of the interface that were injected and not pushed as controlled yet. */
  async selectPushControlledCandidates(interfaceId: number, opts: { afterId?: string | undefined; limit: number }): Promise<PushControlledCandidate[]> {
    const r = await rows<{ id: string; controlled_at: unknown }>(
      this.knex,
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
  }

  /**
   * Records a successful push (one transaction): marker upserted with the pushed reason, one history
   * row per ticket and reason, open errors of the function resolved. Returns the ids marked.
   */
  async markPushed(interfaceId: number, fn: 'PUSH_CANCELLED' | 'PUSH_CONTROLLED', items: readonly PushedItem[], runId: string): Promise<string[]> {
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
    return this.knex.transaction(async (trx) => {
      const marked = await rows<{ id: string }>(
        trx,
        `insert into processing_marker (item_kind, item_id, function, interface_id, run_id, pushed_reason)
         select 'ticket', t.id, ?, ?, ?, i.reason
         from jsonb_to_recordset(?::jsonb) as i(id bigint, reason text) join ticket t on t.id = i.id and t.interface_id = ?
         on conflict (item_kind, item_id, function) do update
           set processed_at = now(), run_id = excluded.run_id, interface_id = excluded.interface_id,
               pushed_reason = excluded.pushed_reason, outcome = 'OK'
         returning item_id::text as id`,
        [fn, interfaceId, runId, json, interfaceId],
      );
      await trx.raw(
        `insert into mobile_ticket_history (ticket_id, tixngo_status, source, change_key, detail)
         select t.id, null, ?, ${keyExpr}, jsonb_build_object('reason', i.reason, 'runId', ?::text)
         from jsonb_to_recordset(?::jsonb) as i(id bigint, reason text) join ticket t on t.id = i.id and t.interface_id = ?
         on conflict (ticket_id, change_key) do nothing`,
        [fn, runId, json, interfaceId],
      );
      await this.resolveErrorsIn(trx, interfaceId, fn, 'ticket', [...byId.keys()]);
      return marked.map((m) => m.id).sort(compareIds);
    });
  }

  // ---- feedback ----

  async getFeedbackCursor(interfaceId: number): Promise<string | null> {
    const [r] = await rows<{ pagination_key: string | null }>(this.knex, `select pagination_key from feedback_state where interface_id = ?`, [checkInterfaceId(interfaceId)]);
    return r?.pagination_key ?? null;
  }

  /**
   * Applies one page of the TIXNGO diff feed and stores the next cursor, in ONE transaction:
   * tickets S-360 does not know are skipped and returned as `unknown`; mobile_ticket is updated
   * when the version is newer and something changed; one history row per change (change_key
   * `v<version>`, so a replayed page writes nothing). Not per interface: feedback is organiser-wide.
   */
  async applyFeedbackPage(interfaceId: number, changes: readonly FeedbackChange[], nextCursor: string | null): Promise<FeedbackPageResult> {
    checkInterfaceId(interfaceId);
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
    const json = JSON.stringify(src);
    // The page as a relation; `tid` is null for ticket ids that cannot be S-360 ids.
    const SRC = `src as (
      select case when c.ticket_id ~ '^[1-9][0-9]{0,17}$' then c.ticket_id::bigint end as tid, c.*
      from jsonb_to_recordset(?::jsonb) as c(ticket_id text, tixngo_status text, wallet_owner jsonb, ticket_holder jsonb,
                                               details jsonb, version bigint, updated_at timestamptz)
    ), known as (
      select s.* from src s join ticket t on t.id = s.tid
    )`;
    return this.knex.transaction(async (trx) => {
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
        changed = r.filter((x) => x.significant).map((x) => ({ ticketId: x.ticket_id, tixngoStatus: x.tixngo_status }));
      }
      await trx.raw(
        `insert into feedback_state (interface_id, pagination_key, updated_at) values (?, ?, now())
         on conflict (interface_id) do update set pagination_key = excluded.pagination_key, updated_at = now()`,
        [interfaceId, nextCursor],
      );
      return { changed, unknown };
    });
  }

  // ---- cards (digital privileges) ----

  async selectPrivilegeCandidates(interfaceId: number, opts: { afterId?: string | undefined; limit: number; productCode?: string | undefined }): Promise<string[]> {
    const b: unknown[] = [checkInterfaceId(interfaceId), afterIdOf(opts.afterId)];
    let product = '';
    if (opts.productCode !== undefined) {
      product = 'and c.product_code = ?';
      b.push(opts.productCode);
    }
    b.push(limitOf(opts.limit, 1000));
    const r = await rows<{ id: string }>(
      this.knex,
      `select c.id::text as id from card c where c.interface_id = ? and c.status = 'NOT_PRINTED' and c.id > ? ${product} order by c.id limit ?`,
      b,
    );
    return r.map((x) => x.id);
  }

  async loadCardsForPayload(ids: readonly string[]): Promise<CardPayloadRow[]> {
    if (ids.length === 0) return [];
    const r = await rows(
      this.knex,
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
  }

  /** Card NOT_PRINTED -> PRINTED, PRIVILEGES_INJECTION marker, errors resolved; one transaction. Returns the ids changed. */
  async markCardsInjected(interfaceId: number, ids: readonly string[], runId: string): Promise<string[]> {
    checkInterfaceId(interfaceId);
    if (ids.length === 0) return [];
    const idList = toIds(ids);
    return this.knex.transaction(async (trx) => {
      const changed = await rows<{ id: string }>(
        trx,
        `update card set status = 'PRINTED', updated_at = now()
         where id = any(?::bigint[]) and interface_id = ? and status = 'NOT_PRINTED' returning id::text as id`,
        [idList, interfaceId],
      );
      await this.upsertMarkers(trx, 'card', 'PRIVILEGES_INJECTION', interfaceId, idList, runId);
      await this.resolveErrorsIn(trx, interfaceId, 'PRIVILEGES_INJECTION', 'card', idList);
      return changed.map((c) => c.id).sort(compareIds);
    });
  }

  // ---- S-360-side actions (box office, access control) ----

  /** S-360 ids of the referenced tickets of the interface: `id:<S-360 id>` or a ticket (tax) number; ordered, unknown ones absent. */
  async resolveTicketRefs(interfaceId: number, refs: { ids: readonly string[]; taxNumbers: readonly string[] }): Promise<string[]> {
    if (refs.ids.length === 0 && refs.taxNumbers.length === 0) return [];
    const r = await rows<{ id: string }>(
      this.knex,
      `select t.id::text as id from ticket t
       where t.interface_id = ? and (t.id = any(?::bigint[]) or t.tax_number = any(?::text[]))
       order by t.id`,
      [checkInterfaceId(interfaceId), toIds(refs.ids), [...refs.taxNumbers]],
    );
    return r.map((x) => x.id);
  }

  /**
   * "Date from" of the pushes (§3.0): injected tickets of the interface in one of `statuses` whose status changed
   * at or after `since`, processed or not, by id after `afterId`.
   */
  async selectChangedSince(interfaceId: number, statuses: readonly S360TicketStatus[], since: string, opts: { afterId?: string | undefined; limit: number }): Promise<string[]> {
    const r = await rows<{ id: string }>(
      this.knex,
      `select t.id::text as id from ticket t
       where t.interface_id = ? and t.status = any(?::text[]) and t.status_changed_at >= ?::timestamptz and t.id > ?
         and exists (select 1 from processing_marker inj
                     where inj.item_kind = 'ticket' and inj.item_id = t.id and inj.function = 'INJECTION' and inj.outcome = 'OK' offset 0)
       order by t.id limit ?`,
      [checkInterfaceId(interfaceId), [...statuses], since, afterIdOf(opts.afterId), limitOf(opts.limit, 1000)],
    );
    return r.map((x) => x.id);
  }

  /** Cancels or invalidates tickets (any current status); a new reason on an already cancelled ticket is stored. Returns the ids changed. */
  async cancelTickets(ids: readonly string[], reason: string | null, status: 'CANCELLED' | 'INVALIDATED'): Promise<string[]> {
    if (status !== 'CANCELLED' && status !== 'INVALIDATED') throw new ValidationError('status', 'expected CANCELLED or INVALIDATED');
    if (ids.length === 0) return [];
    const r = await rows<{ id: string }>(
      this.knex,
      `update ticket set
         status_changed_at = case when status <> ? then now() else status_changed_at end,
         status = ?, invalidation_reason = ?, updated_at = now()
       where id = any(?::bigint[]) and (status <> ? or invalidation_reason is distinct from ?)
       returning id::text as id`,
      [status, status, reason, toIds(ids), status, reason],
    );
    return r.map((x) => x.id).sort(compareIds);
  }

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
    return this.knex.transaction(async (trx) => {
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
             holder_email, holder_birthdate, holder_id_number, holder_country_code, replaced_ticket_id)
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
          ],
        );
      } catch (err) {
        // Built from the new id, the numbers cannot collide with seeded or reprinted tickets; data loaded otherwise can.
        if (isUniqueViolation(err)) throw new ValidationError('ticket', 'a generated tax number or barcode (or a replacement) already exists; nothing reprinted');
        throw err;
      }
      return created.map((c) => ({ replaced: c.replaced, ticketId: c.ticket_id })).sort((a, b) => compareIds(a.replaced, b.replaced));
    });
  }

  /** Access control: NOT_PRINTED/PRINTED -> CONTROLLED at `at`. Returns the ids changed. */
  async controlTickets(ids: readonly string[], at: Date | string = new Date()): Promise<string[]> {
    if (ids.length === 0) return [];
    const r = await rows<{ id: string }>(
      this.knex,
      `update ticket set status = 'CONTROLLED', controlled_at = ?, status_changed_at = now(), updated_at = now()
       where id = any(?::bigint[]) and status in ('NOT_PRINTED', 'PRINTED') returning id::text as id`,
      [toDate(at, 'at'), toIds(ids)],
    );
    return r.map((x) => x.id).sort(compareIds);
  }

  // ---- views ----

  async listTickets(opts: { eventCode: string; status?: S360TicketStatus | undefined; limit?: number | undefined; afterId?: string | undefined }): Promise<TicketListRow[]> {
    const perfId = await this.performanceIdOf(this.knex, opts.eventCode);
    const b: unknown[] = [perfId, afterIdOf(opts.afterId)];
    let statusFilter = '';
    if (opts.status !== undefined) {
      if (!S360_TICKET_STATUSES.includes(opts.status)) throw new ValidationError('status', `expected one of ${S360_TICKET_STATUSES.join(', ')}`);
      statusFilter = 'and t.status = ?';
      b.push(opts.status);
    }
    b.push(limitOf(opts.limit, 100));
    const r = await rows(
      this.knex,
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
  }

  /** The S-360 ticket with its mobile view, markers, open errors and history; undefined when unknown. */
  async getTicketView(id: string): Promise<TicketView | undefined> {
    const tid = toIds([id], 'id')[0]!;
    const [t] = await rows(this.knex, `select ${TICKET_COLUMNS} from ${TICKET_FROM} where t.id = ?::bigint`, [tid]);
    if (!t) return undefined;
    const [m] = await rows(
      this.knex,
      `select ticket_id::text as ticket_id, tixngo_status, wallet_owner, ticket_holder, details, tixngo_version::text as tixngo_version,
              tixngo_updated_at, last_feedback_at
       from mobile_ticket where ticket_id = ?::bigint`,
      [tid],
    );
    const markers = await rows(
      this.knex,
      `select item_kind, item_id::text as item_id, function, interface_id, processed_at, outcome, pushed_reason, run_id
       from processing_marker where item_kind = 'ticket' and item_id = ?::bigint order by processed_at, function`,
      [tid],
    );
    const errors = await rows(this.knex, `select ${ERROR_COLUMNS} from interface_error where item_kind = 'ticket' and item_id = ? and resolved_at is null order by id`, [tid]);
    const history = await rows(
      this.knex,
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
  }

  /** Ticket count per S-360 status for an event (every status present, 0 when none). */
  async countTicketsByStatus(eventCode: string): Promise<Record<S360TicketStatus, number>> {
    const perfId = await this.performanceIdOf(this.knex, eventCode);
    const r = await rows<{ status: S360TicketStatus; n: number }>(
      this.knex,
      `select status, count(*)::int as n from ticket where performance_id = ? group by status`,
      [perfId],
    );
    const out = Object.fromEntries(S360_TICKET_STATUSES.map((s) => [s, 0])) as Record<S360TicketStatus, number>;
    for (const x of r) out[x.status] = Number(x.n);
    return out;
  }

  // ---- executions ----

  /** Starts (or, on an activity retry, finds) the execution row of one workflow run; returns its id. */
  async startExecution(e: ExecutionStart): Promise<string> {
    checkInterfaceId(e.interfaceId);
    checkFunction(e.fn);
    return insertExecution(this.knex, e);
  }

  /**
   * Records the start of an execution unless another execution of the same function on the same interface is still
   * open (not ended, from another workflow id) and `isRunning` says its workflow runs: then returns that one and
   * records nothing. Open executions whose workflow no longer runs (terminated, timed out, lost) are closed as ERROR.
   * Check and insert hold a transaction-scoped advisory lock per (interface, function), so two runs starting at the
   * same moment cannot both pass.
   */
  async startExclusiveExecution(e: ExecutionStart, isRunning: (workflowId: string) => Promise<boolean>): Promise<{ started: string } | { running: ExecutionRow }> {
    checkInterfaceId(e.interfaceId);
    checkFunction(e.fn);
    return this.knex.transaction(async (trx) => {
      await trx.raw(`select pg_advisory_xact_lock(?::int, hashtext(?))`, [e.interfaceId, e.fn]);
      const open = (
        await rows(
          trx,
          `select ${EXECUTION_COLUMNS} from function_execution
           where interface_id = ? and function = ? and ended_at is null and workflow_id <> ? order by id`,
          [e.interfaceId, e.fn, e.workflowId],
        )
      ).map(mapExecution);
      for (const x of open) {
        if (await isRunning(x.workflowId)) return { running: x };
        await trx.raw(
          `update function_execution set ended_at = now(), outcome = 'ERROR', error = ? where id = ?::bigint and ended_at is null`,
          [`abandoned: workflow ${x.workflowId} is no longer running`, x.id],
        );
      }
      return { started: await insertExecution(trx, e) };
    });
  }

  /** Ends an execution (idempotent: the first end time is kept). */
  async finishExecution(id: string, f: ExecutionFinish): Promise<void> {
    const [r] = await rows(
      this.knex,
      `update function_execution set ended_at = coalesce(ended_at, now()), outcome = ?, counts = ?::jsonb, error = ?
       where id = ?::bigint returning id`,
      [f.outcome, JSON.stringify(f.counts ?? {}), f.error ?? null, toIds([id], 'id')[0]!],
    );
    if (!r) throw new NotFoundError(`execution ${id} not found`);
  }

  async listExecutions(opts: { interfaceId?: number | undefined; fn?: InterfaceFunction | undefined; limit?: number | undefined } = {}): Promise<ExecutionRow[]> {
    const where: string[] = ['true'];
    const b: unknown[] = [];
    if (opts.interfaceId !== undefined) {
      where.push('interface_id = ?');
      b.push(checkInterfaceId(opts.interfaceId));
    }
    if (opts.fn !== undefined) {
      where.push('function = ?');
      b.push(checkFunction(opts.fn));
    }
    b.push(limitOf(opts.limit, 50));
    const r = await rows(this.knex, `select ${EXECUTION_COLUMNS} from function_execution where ${where.join(' and ')} order by started_at desc, id desc limit ?`, b);
    return r.map(mapExecution);
  }

  /** End time of the last execution that ended OK or WARNING (the §3.0 watermark), or null. */
  async lastGoodExecutionEnd(interfaceId: number, fn: InterfaceFunction): Promise<string | null> {
    const [r] = await rows<{ ended_at: unknown }>(
      this.knex,
      `select max(ended_at) as ended_at from function_execution where interface_id = ? and function = ? and outcome in ('OK', 'WARNING')`,
      [checkInterfaceId(interfaceId), checkFunction(fn)],
    );
    return isoOrNull(r?.ended_at);
  }

  // ---- error e-mails (activities/notify.ts) ----

  /**
   * The items this execution recorded in the interface error log (open or since resolved), ticket/card ids with field
   * and message only, ordered by id; at most `limit`, with the total.
   */
  async listExecutionErrors(executionId: string, limit = 200): Promise<{ total: number; items: ExecutionErrorItem[] }> {
    const id = toIds([executionId], 'executionId')[0]!;
    const r = await rows<{ item_kind: string; item_id: string; field: string | null; message: string; total: string }>(
      this.knex,
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
  }

  /** When the recipients were told about this execution (null: not yet). NotFoundError when there is no such execution. */
  async getExecutionNotification(executionId: string): Promise<{ notifiedAt: string | null; messageId: string | null }> {
    const [r] = await rows<{ notified_at: unknown; notification_message_id: string | null }>(
      this.knex,
      `select notified_at, notification_message_id from function_execution where id = ?::bigint`,
      [toIds([executionId], 'executionId')[0]!],
    );
    if (!r) throw new NotFoundError(`execution ${executionId} not found`);
    return { notifiedAt: isoOrNull(r.notified_at), messageId: r.notification_message_id };
  }

  /** Records that the e-mail of this execution was sent (idempotent: the first time and Message-ID are kept). */
  async markExecutionNotified(executionId: string, messageId: string): Promise<void> {
    const [r] = await rows(
      this.knex,
      `update function_execution set notified_at = coalesce(notified_at, now()), notification_message_id = coalesce(notification_message_id, ?)
       where id = ?::bigint returning id`,
      [messageId, toIds([executionId], 'executionId')[0]!],
    );
    if (!r) throw new NotFoundError(`execution ${executionId} not found`);
  }
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

export function createRepository(knex: Knex): Repository {
  return new Repository(knex);
}
