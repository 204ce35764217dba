// The S-360 function parameters (§3.0, §3.1) that change behaviour, and the interface custom parameters (§4).
// Validated with zod at the edge (CLI, schedules, interface add); workflows carry the parsed, JSON-plain values.
import { z } from 'zod';
import { HOLDER_FIELDS, PRODUCT_KINDS } from '../common/domain';

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

// ---------------------------------------------------------------------------------------------------------
// Interface custom parameters (§4): known keys only; values arrive as strings from `key=value` or JSON.
// ---------------------------------------------------------------------------------------------------------

const boolParam = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const intParam = z.union([z.number().int().positive(), z.string().regex(/^\d+$/).transform(Number)]);
const ratioParam = z.union([z.number(), z.string().regex(/^\d*\.?\d+$/).transform(Number)]).pipe(z.number().min(0).max(1));
const reasonsParam = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean).join(','));

export const CUSTOM_PARAMS = {
  enforceMandatoryParameters: boolParam,
  ticketIterationSize: intParam,
  doContinueInCaseOfSyncError: boolParam,
  killRatio: ratioParam,
  overlaySpectatorDetailsWithLastOwner: boolParam,
  resetInjectionInvalidationReasons: reasonsParam,
  overrideVisibilityFlagForInvalidationReasons: reasonsParam,
  visibilityFlagDefaultValue: boolParam,
  stickToTheHour: boolParam,
  TIXNGO_LIFECYCLE_MODE: z.literal('lifecycle'),
  sendMultilingualAsJsonObject: boolParam,
  enableTicketDistributionToCulturalContact: boolParam,
} as const;
export const KNOWN_CUSTOM_PARAMS = Object.keys(CUSTOM_PARAMS);

export type CustomParamValues = { [K in keyof typeof CUSTOM_PARAMS]?: z.output<(typeof CUSTOM_PARAMS)[K]> };

/** Validates custom parameters; unknown keys are refused with the list of known ones. Returns normalised values. */
export function parseCustomParamValues(raw: Record<string, unknown>): CustomParamValues {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const schema = (CUSTOM_PARAMS as Record<string, z.ZodType>)[key];
    if (!schema) throw new Error(`customParams: unknown parameter '${key}'; known: ${KNOWN_CUSTOM_PARAMS.join(', ')}`);
    const r = schema.safeParse(value);
    if (!r.success) throw new Error(`customParams.${key}: ${r.error.issues[0]?.message ?? 'invalid value'} (got ${JSON.stringify(value)})`);
    out[key] = r.data;
  }
  return out as CustomParamValues;
}

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
