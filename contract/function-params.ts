// The S-360 function parameters (§3.0, §3.1) that change behaviour, validated with zod at the edge (CLI, schedules);
// workflows carry the parsed, JSON-plain values. The interface custom parameters (§4) are in db/custom-params.ts.
import { z } from 'zod';
import { HOLDER_FIELDS, PRODUCT_KINDS } from '../common/domain';

const list = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(10_000);

const pad2 = (n: number) => String(n).padStart(2, '0');

/** The UTC instant of these fields, or why there is none (a field out of range, or a day its month lacks). */
function utcInstant(y: number, mo: number, d: number, h: number, mi: number, sec: number, ms: number): Date | string {
  if (mo < 1 || mo > 12) return `month ${pad2(mo)} is not 01-12`;
  if (d < 1 || d > 31) return `day ${pad2(d)} is not 01-31`;
  if (h > 23) return `hour ${pad2(h)} is not 00-23`;
  if (mi > 59) return `minute ${pad2(mi)} is not 00-59`;
  if (sec > 59) return `second ${pad2(sec)} is not 00-59`;
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, sec, ms));
  // Date.UTC rolls 31/02 over to March, and reads years 0-99 as 1900-1999: only a round trip shows it.
  if (t.getUTCFullYear() !== y) return `year ${y} is not supported`;
  if (t.getUTCMonth() !== mo - 1) return `day ${pad2(d)} does not exist in month ${pad2(mo)} of ${y}`;
  return t;
}

const SHORT_DATE = /^(\d{2})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2})$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const DATE_FORMS = "expected DD/MM/YY hh:mm (read in the interface's time zone) or an RFC 3339 date-time with its offset, e.g. 2026-06-01T08:00:00Z";

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function zoneFormat(timeZone: string): Intl.DateTimeFormat {
  let f = zoneFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    zoneFormats.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows this IANA time zone (e.g. Europe/Zurich, UTC). */
export function isTimeZone(timeZone: string): boolean {
  if (!timeZone || timeZone.trim() !== timeZone) return false;
  try {
    zoneFormat(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at instant `t`, in ms (local wall clock minus UTC). */
function zoneOffsetAt(t: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of zoneFormat(timeZone).formatToParts(new Date(t))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(t / 1000) * 1000;
}

/**
 * The instant at which the zone's wall clock shows `wall` (the wall-clock fields as a UTC Date). The offsets a day
 * either side are the only candidates (no zone changes twice in a day). A wall time that occurs twice (autumn) is
 * its first occurrence; one the spring change skips takes the earlier of its two readings. Either way a Date from
 * selects more, never less.
 */
export function zonedWallTimeToUtc(wall: Date, timeZone: string): Date {
  const w = wall.getTime();
  const candidates = [...new Set([zoneOffsetAt(w - 86_400_000, timeZone), zoneOffsetAt(w + 86_400_000, timeZone)])].map((off) => ({ off, t: w - off }));
  const exact = candidates.filter((c) => zoneOffsetAt(c.t, timeZone) === c.off).map((c) => c.t);
  return new Date(Math.min(...(exact.length ? exact : candidates.map((c) => c.t))));
}

/**
 * `DD/MM/YY hh:mm` (the S-360 form, a wall-clock time in `timeZone`, years 2000-2099; default UTC) or RFC 3339 (its
 * own offset), as an ISO string. Throws an Error quoting the text and saying what is wrong with it.
 */
export function parseDateFrom(text: string, timeZone = 'UTC'): string {
  const s = text.trim();
  const short = SHORT_DATE.exec(s);
  const rfc = short ? null : RFC3339.exec(s);
  if (!short && !rfc) throw new Error(`'${text}' is not a date: ${DATE_FORMS}`);
  let t: Date | string;
  if (short) {
    if (!isTimeZone(timeZone)) throw new Error(`'${timeZone}' is not a time zone (expected an IANA name, e.g. Europe/Zurich or UTC)`);
    const [d, mo, y, h, mi] = short.slice(1).map(Number) as [number, number, number, number, number];
    t = utcInstant(2000 + y, mo, d, h, mi, 0, 0);
    if (typeof t !== 'string') t = zonedWallTimeToUtc(t, timeZone);
  } else {
    const f = rfc!;
    const n = (i: number) => Number(f[i] ?? 0);
    t = utcInstant(n(1), n(2), n(3), n(4), n(5), n(6), Math.floor(Number(f[7] ?? 0) * 1000));
    if (f[9] !== undefined && typeof t !== 'string') {
      if (n(10) > 23 || n(11) > 59) t = `offset ${f[9]}${f[10]}:${f[11]} is not a time offset`;
      else t = new Date(t.getTime() - (f[9] === '-' ? -1 : 1) * (n(10) * 60 + n(11)) * 60_000);
    }
  }
  if (typeof t === 'string') throw new Error(`'${text}' is not a date: ${t}`);
  return t.toISOString();
}

/**
 * The start contract's `dateFrom`: RFC 3339, or `DD/MM/YY hh:mm` read as UTC since the contract has no interface to
 * ask. The CLI (`run`, `schedule`) reads the short form in the interface's time zone first (resolveDateFrom), so
 * what reaches this schema from there is already an instant.
 */
const buildDateFromSchema = () =>
  z.string().transform((v, ctx) => {
    try {
      return parseDateFrom(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });
export const dateFromSchema = buildDateFromSchema();

/** Function parameters (as typed, before the schema) with a `dateFrom` string read in the interface's time zone. */
export function resolveDateFrom<T extends Record<string, unknown>>(params: T, timeZone: string): T {
  if (typeof params.dateFrom !== 'string') return params;
  return { ...params, dateFrom: parseDateFrom(params.dateFrom, timeZone) };
}

/** A ticket (tax) number, or `id:<S-360 id>`; a reference that starts with id: is an id and must be digits. */
const TICKET_REF = /^(id:\s*\d+|(?![iI][dD]:)\S+)$/;

/** Why a ticket reference is refused, or undefined. */
export function ticketRefProblem(ref: string): string | undefined {
  if (TICKET_REF.test(ref)) return undefined;
  return /^id:/i.test(ref) ? `'${ref}': an S-360 id is digits only, e.g. id:12345` : `'${ref}': expected a ticket number (no spaces) or id:<S-360 id>`;
}

/** The function parameters' schema, new objects on each call (see buildStartContract in ./start-contract). */
export function buildFunctionParamsSchema() {
  // A RegExp of its own: zod resets a pattern's lastIndex, and the sandbox freezes the module-level build's (TICKET_REF).
  const ticketRef = z.string().regex(new RegExp(TICKET_REF.source, TICKET_REF.flags), { error: (iss) => ticketRefProblem(String(iss.input)) });

  return z
    .object({
      performances: list(z.string().min(1)).optional().describe('only tickets of these event/performance codes'),
      products: list(z.string().min(1)).optional().describe('privileges injection: only cards of these product codes'),
      productKinds: list(z.enum(PRODUCT_KINDS)).optional().describe('only these product kinds'),
      tariffs: list(z.string().min(1)).optional().describe('only these tariffs'),
      categories: list(z.string().min(1)).optional().describe('only these seat categories'),
      shipmentModes: list(z.string().min(1)).optional().describe('only tickets with these shipment modes'),
      fileNumber: z.string().min(1).optional().describe('only tickets of this order/file number; overrides the other filters'),
      forceTickets: list(ticketRef).optional().describe('only these tickets (tax numbers, or id:<S-360 id>), processed again even if already processed'),
      skipTickets: list(ticketRef).optional().describe('tickets to ignore (tax numbers, or id:<S-360 id>); feedback ignores them even when TIXNGO returns them'),
      dateFrom: buildDateFromSchema().optional().describe('pushes: re-send every ticket changed since then, processed or not'),
      mandatoryHolderFields: list(z.enum(HOLDER_FIELDS)).optional().describe('injection: tickets whose holder lacks one of these wait (reason recorded)'),
      mainApplicant: z.boolean().optional().describe('injection: send mainApplicant=true when holder first name, last name and e-mail are present'),
      barcodePrefix: z.string().max(64).optional(),
      barcodeSuffix: z.string().max(64).optional(),
      pointOfSales: z.string().min(1).max(64).optional().describe('injection: the point of sales recorded on the tickets it prints (as if printed at that till)'),
      salesChannel: z.string().min(1).max(64).optional().describe('injection: the sales channel recorded on the tickets it prints'),
      simulationMode: z.boolean().optional().describe('build and check everything, send nothing to TIXNGO, mark nothing'),
    })
    .strict();
}

export const functionParamsSchema = buildFunctionParamsSchema();

/** `id:123` -> S-360 id 123; anything else is a ticket (tax) number. */
export function splitTicketRefs(refs: readonly string[] = []): { ids: string[]; taxNumbers: string[] } {
  const ids: string[] = [];
  const taxNumbers: string[] = [];
  for (const r of refs) {
    const m = /^id:\s*(\d+)$/.exec(r.trim());
    if (m) ids.push(m[1]!);
    else taxNumbers.push(r.trim());
  }
  return { ids, taxNumbers };
}
