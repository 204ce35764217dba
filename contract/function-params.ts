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
const DATE_FORMS = 'expected DD/MM/YY hh:mm (read as UTC) or an RFC 3339 date-time with its offset, e.g. 2026-06-01T08:00:00Z';

/**
 * `DD/MM/YY hh:mm` (the S-360 form, read as UTC, years 2000-2099) or RFC 3339, as an ISO string. Throws an Error
 * quoting the text and saying what is wrong with it.
 */
export function parseDateFrom(text: string): string {
  const s = text.trim();
  const short = SHORT_DATE.exec(s);
  const rfc = short ? null : RFC3339.exec(s);
  if (!short && !rfc) throw new Error(`'${text}' is not a date: ${DATE_FORMS}`);
  let t: Date | string;
  if (short) {
    const [d, mo, y, h, mi] = short.slice(1).map(Number) as [number, number, number, number, number];
    t = utcInstant(2000 + y, mo, d, h, mi, 0, 0);
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

/** `DD/MM/YY hh:mm` (the S-360 form, read as UTC) or RFC 3339; normalised to an ISO string. */
export const dateFromSchema = z.string().transform((v, ctx) => {
  try {
    return parseDateFrom(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** A ticket (tax) number, or `id:<S-360 id>`; a reference that starts with id: is an id and must be digits. */
const TICKET_REF = /^(id:\s*\d+|(?![iI][dD]:)\S+)$/;

/** Why a ticket reference is refused, or undefined. */
export function ticketRefProblem(ref: string): string | undefined {
  if (TICKET_REF.test(ref)) return undefined;
  return /^id:/i.test(ref) ? `'${ref}': an S-360 id is digits only, e.g. id:12345` : `'${ref}': expected a ticket number (no spaces) or id:<S-360 id>`;
}

const ticketRef = z.string().regex(TICKET_REF, { error: (iss) => ticketRefProblem(String(iss.input)) });

export const functionParamsSchema = z
  .object({
    performances: list(z.string().min(1)).optional().describe('only tickets of these event/performance codes'),
    productKinds: list(z.enum(PRODUCT_KINDS)).optional().describe('only these product kinds'),
    tariffs: list(z.string().min(1)).optional().describe('only these tariffs'),
    categories: list(z.string().min(1)).optional().describe('only these seat categories'),
    shipmentModes: list(z.string().min(1)).optional().describe('only tickets with these shipment modes'),
    fileNumber: z.string().min(1).optional().describe('only tickets of this order/file number; overrides the other filters'),
    forceTickets: list(ticketRef).optional().describe('only these tickets (tax numbers, or id:<S-360 id>), processed again even if already processed'),
    skipTickets: list(ticketRef).optional().describe('tickets to ignore (tax numbers, or id:<S-360 id>); feedback ignores them even when TIXNGO returns them'),
    dateFrom: dateFromSchema.optional().describe('pushes: re-send every ticket changed since then, processed or not'),
    mandatoryHolderFields: list(z.enum(HOLDER_FIELDS)).optional().describe('injection: tickets whose holder lacks one of these wait (reason recorded)'),
    mainApplicant: z.boolean().optional().describe('injection: send mainApplicant=true when holder first name, last name and e-mail are present'),
    barcodePrefix: z.string().max(64).optional(),
    barcodeSuffix: z.string().max(64).optional(),
    simulationMode: z.boolean().optional().describe('build and check everything, send nothing to TIXNGO, mark nothing'),
  })
  .strict();

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
