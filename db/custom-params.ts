// Interface custom parameters (§4): known keys only; values arrive as strings from `key=value` or JSON.
// Stored with the interface (tixngo_interface.custom_params) and checked when it is added (validation.ts).
import { z } from 'zod';

const boolParam = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const intParam = z.union([z.number().int().positive(), z.string().regex(/^\d+$/).transform(Number)]);
const ratioParam = z.union([z.number(), z.string().regex(/^\d*\.?\d+$/).transform(Number)]).pipe(z.number().min(0).max(1));
const reasonsParam = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean).join(','));
/** A language tag such as en, fr, de-CH (the key of multilingual texts). */
const languageParam = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'expected a language tag such as en, fr or de-CH');
// Lifecycle is the only feedback mapping implemented (§1.4, §6.1); history mode is deprecated in S-360 itself.
const lifecycleModeParam = z.string().superRefine((v, ctx) => {
  if (v === 'lifecycle') return;
  ctx.addIssue({
    code: 'custom',
    message: v === 'history' ? 'history mode is deprecated and not supported; use lifecycle (the default)' : "expected 'lifecycle' (the default; history mode is deprecated and not supported)",
  });
});

// Contact creation and distribution (§7.2) is not built: `false` is what this bridge does, `true` is refused rather
// than accepted and ignored.
const contactDistributionParam = boolParam.refine((v) => v === false, {
  message: 'contact creation and distribution (§7.2) is not supported: feedback does not update the S-360 cultural contact; leave it out or set false',
});

export const CUSTOM_PARAMS = {
  enforceMandatoryParameters: boolParam,
  ticketIterationSize: intParam,
  doContinueInCaseOfSyncError: boolParam,
  killRatio: ratioParam,
  overlaySpectatorDetailsWithLastOwner: boolParam,
  resetInjectionInvalidationReasons: reasonsParam,
  overrideVisibilityFlagForInvalidationReasons: reasonsParam,
  visibilityFlagDefaultValue: boolParam,
  /** The older name of visibilityFlagDefaultValue (§3.3 calls the flag isShowDeletedTicket on older interfaces). */
  isShowDeletedTicket: boolParam,
  stickToTheHour: boolParam,
  TIXNGO_LIFECYCLE_MODE: lifecycleModeParam,
  sendMultilingualAsJsonObject: boolParam,
  defaultLanguage: languageParam,
  dumpTnPRvariables: boolParam,
  dumpDataModifiedByTemplate: boolParam,
  maxLengthDumpedCallsInKbs: intParam,
  enableTicketDistributionToCulturalContact: contactDistributionParam,
  /** Not an S-360 parameter: also e-mail the recipients about runs ending in WARNING (default: ERROR and failures only). */
  notifyOnWarning: boolParam,
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
  if (out.visibilityFlagDefaultValue !== undefined && out.isShowDeletedTicket !== undefined && out.visibilityFlagDefaultValue !== out.isShowDeletedTicket) {
    throw new Error('customParams: isShowDeletedTicket is the older name of visibilityFlagDefaultValue; they disagree, give one of them');
  }
  return out as CustomParamValues;
}
