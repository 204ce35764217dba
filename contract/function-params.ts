// The S-360 function parameters (§3.0, §3.1) that change behaviour, validated with zod at the edge (CLI, schedules);
// workflows carry the parsed, JSON-plain values. The interface custom parameters (§4) are in db/custom-params.ts.
import { z } from 'zod';
import { PRODUCT_KINDS } from '../common/domain';

// S-360 also offers BIRTH_REGION and BIRTH_PLACE; this S-360 model does not store them, so they are refused here
// rather than silently holding every ticket back.
export const HOLDER_FIELDS = ['FIRSTNAME', 'LASTNAME', 'BIRTHDATE', 'ID_NUMBER', 'COUNTRY_CODE'] as const;
export type HolderField = (typeof HOLDER_FIELDS)[number];

const list = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(10_000);

/** `DD/MM/YY hh:mm` (the S-360 form, read as UTC) or RFC 3339; normalised to an ISO string. */
export const dateFromSchema = z.string().transform((v, ctx) => {
  const s = v.trim();
  const m = /^(\d{2})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2})$/.exec(s);
  const d = m ? new Date(Date.UTC(2000 + Number(m[3]), Number(m[2]) - 1, Number(m[1]), Number(m[4]), Number(m[5]))) : new Date(s);
  if (Number.isNaN(d.getTime()) || (!m && !/^\d{4}-\d{2}-\d{2}T/.test(s))) {
    ctx.addIssue({ code: 'custom', message: 'expected DD/MM/YY hh:mm or an RFC 3339 date-time' });
    return z.NEVER;
  }
  return d.toISOString();
});

export const functionParamsSchema = z
  .object({
    performances: list(z.string().min(1)).optional().describe('only tickets of these event/performance codes'),
    productKinds: list(z.enum(PRODUCT_KINDS)).optional().describe('only these product kinds'),
    tariffs: list(z.string().min(1)).optional().describe('only these tariffs'),
    categories: list(z.string().min(1)).optional().describe('only these seat categories'),
    shipmentModes: list(z.string().min(1)).optional().describe('only tickets with these shipment modes'),
    fileNumber: z.string().min(1).optional().describe('only tickets of this order/file number; overrides the other filters'),
    forceTickets: list(z.string().regex(/^(id:\s*\d+|\S+)$/)).optional().describe('only these tickets (tax numbers, or id:<S-360 id>), processed again even if already processed'),
    skipTickets: list(z.string().regex(/^(id:\s*\d+|\S+)$/)).optional().describe('tickets to ignore (tax numbers, or id:<S-360 id>); feedback ignores them even when TIXNGO returns them'),
    dateFrom: dateFromSchema.optional().describe('pushes: re-send every ticket changed since then, processed or not'),
    mandatoryHolderFields: list(z.enum(HOLDER_FIELDS)).optional().describe('injection: tickets whose holder lacks one of these wait (reason recorded)'),
    mainApplicant: z.boolean().optional().describe('injection: send mainApplicant=true when holder first name, last name and e-mail are present'),
    barcodePrefix: z.string().max(64).optional(),
    barcodeSuffix: z.string().max(64).optional(),
    simulationMode: z.boolean().optional().describe('build and check everything, send nothing to TIXNGO, mark nothing'),
  })
  .strict();
export type FunctionParams = z.infer<typeof functionParamsSchema>;

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
