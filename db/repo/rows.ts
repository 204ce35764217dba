// What every part of the repository shares: the raw query helper, checks of ids and limits, and the SQL column lists
// and row mappers (snake_case rows to the camelCase types of db/types.ts).
import type { Knex } from 'knex';
import { INTERFACE_FUNCTIONS, type InterfaceFunction, type S360TicketStatus } from '../../common/domain';
import {
  DEFAULT_FUNCTION_SETTINGS,
  type ComfortVariables,
  type CustomParams,
  type ErrorRow,
  type ExecutionRow,
  type FunctionSettings,
  type InterfaceRow,
  type InterfaceType,
  type ItemKind,
  type PerformanceRow,
  type ReplacedTicketInfo,
  type TicketPayloadRow,
} from '../types';
import { ValidationError } from '../validation';

export type Conn = Knex | Knex.Transaction;
export type Row = Record<string, unknown>;

export async function rows<T = Row>(db: Conn, sql: string, bindings: readonly unknown[] = []): Promise<T[]> {
  // knex's RawBinding union does not include unknown; every value passed here is a plain value.
  const r = (await db.raw(sql, bindings as readonly Knex.RawBinding[])) as { rows: T[] };
  return r.rows;
}

// --- value helpers ------------------------------------------------------------------------------

const ID_RE = /^[1-9][0-9]{0,17}$/;

/** Checks S-360 ids (decimal strings or safe integers) and returns them as strings for a bigint[] parameter. */
export function toIds(ids: readonly (string | number | bigint)[], field = 'ids'): string[] {
  return ids.map((raw) => {
    const s = String(raw);
    if (!ID_RE.test(s)) throw new ValidationError(field, `not an S-360 id: ${s.slice(0, 40)}`);
    return s;
  });
}

export function afterIdOf(afterId: string | undefined): string {
  if (afterId === undefined || afterId === '' || afterId === '0') return '0';
  return toIds([afterId], 'afterId')[0]!;
}

export function limitOf(limit: number | undefined, def: number): number {
  const l = limit ?? def;
  if (!Number.isInteger(l) || l < 1 || l > 100_000) throw new ValidationError('limit', 'expected an integer between 1 and 100000');
  return l;
}

export function checkFunction(fn: string): InterfaceFunction {
  if (!(INTERFACE_FUNCTIONS as readonly string[]).includes(fn)) throw new ValidationError('function', `expected one of ${INTERFACE_FUNCTIONS.join(', ')}`);
  return fn as InterfaceFunction;
}

export function checkInterfaceId(id: number): number {
  if (!Number.isInteger(id) || id < 1) throw new ValidationError('interfaceId', `not an interface id: ${String(id)}`);
  return id;
}

/** Timestamps as ISO strings (pg and PGlite both return Date for timestamptz). */
export function iso(v: unknown): string {
  return v instanceof Date ? v.toISOString() : String(v);
}
export function isoOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : iso(v);
}
export function str(v: unknown): string {
  return String(v);
}
export function strOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}
export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}
export function toDate(v: Date | string, field: string): Date {
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) throw new ValidationError(field, `not a date: ${String(v)}`);
  return d;
}

// --- SQL fragments and row mappers --------------------------------------------------------------

export const TICKET_COLUMNS = `
  t.id::text as id, t.tax_number, t.barcode, t.status, t.invalidation_reason, t.status_changed_at, t.controlled_at,
  t.interface_id, t.shipment_mode, t.block, t."row", t.seat, t.category, t.tariff, t.price::float8 as price, t.currency,
  t.file_number, t.holder_title, t.holder_first_name, t.holder_last_name, t.holder_email,
  t.holder_birthdate::text as holder_birthdate, t.holder_id_number, t.holder_country_code, t.holder_birth_region,
  t.holder_birth_place, t.updated_at,
  p.id as p_id, p.code as p_code, p.name as p_name, p.product_kind as p_product_kind, p.venue_site as p_venue_site,
  p.address_line1 as p_address_line1, p.city as p_city, p.zip as p_zip, p.country_code as p_country_code,
  p.timezone as p_timezone, p.start_time as p_start_time, p.end_time as p_end_time, p.comfort_variables as p_comfort_variables,
  t.replaced_ticket_id::text as replaced_ticket_id, r.status as r_status, r.invalidation_reason as r_invalidation_reason,
  rm.wallet_owner as r_wallet_owner`;

// The replaced ticket (reprint, take back) and its mobile view come in the same query, by primary key: one query per
// batch whatever its size. One level only: the predecessor's own state, not its own predecessor's.
export const TICKET_FROM = `ticket t join performance p on p.id = t.performance_id
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

export function mapTicket(r: Row): TicketPayloadRow {
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
      birthRegion: strOrNull(r.holder_birth_region),
      birthPlace: strOrNull(r.holder_birth_place),
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
      comfortVariables: comfortOf(r.p_comfort_variables),
    },
    replacedTicket: mapReplaced(r),
    updatedAt: iso(r.updated_at),
  };
}

/** performance.comfort_variables: string values only (anything else is not a comfort variable S-360 could set). */
function comfortOf(v: unknown): ComfortVariables | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const out: ComfortVariables = {};
  for (const k of ['TIXAct', 'TIXStart', 'TIXExp', 'TIXRGrp'] as const) {
    const x = (v as Record<string, unknown>)[k];
    if (typeof x === 'string') out[k] = x;
  }
  return out;
}

export function mapPerformance(r: Row): PerformanceRow {
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
    comfortVariables: comfortOf(r.comfort_variables),
    createdAt: iso(r.created_at),
  };
}

export const INTERFACE_COLUMNS = `id, name, type, url, login_email, notification_emails, custom_params, settings, time_zone, created_at`;

export function mapInterface(r: Row): InterfaceRow {
  return {
    id: Number(r.id),
    name: str(r.name),
    type: r.type as InterfaceType,
    url: str(r.url),
    loginEmail: str(r.login_email),
    notificationEmails: (r.notification_emails as string[] | null) ?? [],
    customParams: (r.custom_params as CustomParams | null) ?? {},
    settings: { ...DEFAULT_FUNCTION_SETTINGS, ...((r.settings as Partial<FunctionSettings> | null) ?? {}) },
    timeZone: strOrNull(r.time_zone) ?? 'UTC',
    createdAt: iso(r.created_at),
  };
}

export const ERROR_COLUMNS = `id::text as id, interface_id, function, item_kind, item_id, field, message, first_seen_at, last_seen_at, occurrences, resolved_at, run_id`;

export function mapError(r: Row): ErrorRow {
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

export const EXECUTION_COLUMNS = `id::text as id, interface_id, function, workflow_id, run_id, started_at, ended_at, outcome, counts, error`;

export function mapExecution(r: Row): ExecutionRow {
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

export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === '23505';
}

export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
