// The TIXNGO organizer API contract (V3), as zod schemas shared by the client and the simulator.
//
// Sources: the domain reference §5-§8 (/work/shared/domain/tixngo-s360.md). What the public
// documentation does not say (paths other than the injection, response shapes, status codes,
// per-item error format, auth header...) is an assumption recorded in docs/tixngo-api.md.
// Pure module: no I/O.
import { z } from 'zod';
import { INTERFACE_URL_SUFFIX, TIXNGO_STATUSES } from '../common/domain';

// ---------------------------------------------------------------------------------------------
// URLs and endpoints
// ---------------------------------------------------------------------------------------------

/** Production organizer base (domain reference §5.1, public code). */
export const PRODUCTION_ORGANIZER_BASE = 'https://api.tixngo.io/v3/organizer';
/** Production interface URL: what S-360 stores (it must end with `organizer/tickets`). */
export const PRODUCTION_INTERFACE_URL = `${PRODUCTION_ORGANIZER_BASE}/tickets`;

/** Most items accepted in one bulk body; more is a 400 for the whole body. */
export const MAX_BATCH_ITEMS = 10_000;
/** Most items one diff page may return. */
export const MAX_DIFF_LIMIT = 10_000;
/** Most events one injection report page may return. */
export const MAX_REPORT_LIMIT = 1_000;

/**
 * Paths relative to the organizer base (`…/v3/organizer`). `:id` is a path parameter.
 * Only `tickets` (POST) is documented; the others are assumptions (docs/tixngo-api.md).
 */
export const ORGANIZER_PATHS = {
  injectTickets: '/tickets',
  searchTickets: '/tickets/search',
  deleteTickets: '/tickets/delete',
  markControlled: '/tickets/controlled',
  diff: '/tickets/diff',
  injectionReport: '/reports/injections',
  injectPrivileges: '/privileges',
  privilegeDefinition: '/privileges/definitions/:id',
  searchPrivileges: '/privileges/search',
} as const;
export type Operation = keyof typeof ORGANIZER_PATHS;

/** HTTP method of each operation. */
export const OPERATION_METHODS: Record<Operation, 'GET' | 'POST'> = {
  injectTickets: 'POST',
  searchTickets: 'POST',
  deleteTickets: 'POST',
  markControlled: 'POST',
  diff: 'GET',
  injectionReport: 'GET',
  injectPrivileges: 'POST',
  privilegeDefinition: 'GET',
  searchPrivileges: 'POST',
};

export interface Endpoints {
  /** The interface URL as configured, without trailing slash (ends with organizer/tickets). */
  interfaceUrl: string;
  /** The organizer base: interface URL minus the trailing `/tickets`. */
  organizerBase: string;
  injectTickets: string;
  searchTickets: string;
  deleteTickets: string;
  markControlled: string;
  diff: string;
  injectionReport: string;
  injectPrivileges: string;
  searchPrivileges: string;
  privilegeDefinition(id: string): string;
}

/** Thrown by buildEndpoints for a URL that cannot be a TIXNGO interface URL. */
export class InvalidTixngoUrlError extends Error {
  override name = 'InvalidTixngoUrlError';
}

/**
 * Derives every organizer endpoint from the interface URL (which must be an http(s) URL ending
 * with `organizer/tickets`, §2.1) by replacing the trailing `tickets` (§5.1). Pure.
 */
export function buildEndpoints(url: string): Endpoints {
  if (typeof url !== 'string' || url.trim() === '') throw new InvalidTixngoUrlError('the TIXNGO interface URL is empty');
  const trimmed = url.trim().replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw new InvalidTixngoUrlError(`the TIXNGO interface URL is not a valid URL: ${safeUrlForMessage(trimmed)}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new InvalidTixngoUrlError(`the TIXNGO interface URL must be http(s), got ${parsed.protocol}`);
  }
  if (parsed.username || parsed.password) {
    throw new InvalidTixngoUrlError('the TIXNGO interface URL must not carry credentials; use the login and API key settings');
  }
  if (parsed.search || parsed.hash) {
    throw new InvalidTixngoUrlError('the TIXNGO interface URL must not carry a query string or fragment');
  }
  if (!parsed.pathname.replace(/\/+$/, '').endsWith(`/${INTERFACE_URL_SUFFIX}`)) {
    throw new InvalidTixngoUrlError(
      `the TIXNGO interface URL must end with ${INTERFACE_URL_SUFFIX} (e.g. ${PRODUCTION_INTERFACE_URL}), got ${safeUrlForMessage(trimmed)}`,
    );
  }
  const interfaceUrl = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
  const organizerBase = interfaceUrl.slice(0, -'/tickets'.length);
  const at = (p: string) => `${organizerBase}${p}`;
  return {
    interfaceUrl,
    organizerBase,
    injectTickets: at(ORGANIZER_PATHS.injectTickets),
    searchTickets: at(ORGANIZER_PATHS.searchTickets),
    deleteTickets: at(ORGANIZER_PATHS.deleteTickets),
    markControlled: at(ORGANIZER_PATHS.markControlled),
    diff: at(ORGANIZER_PATHS.diff),
    injectionReport: at(ORGANIZER_PATHS.injectionReport),
    injectPrivileges: at(ORGANIZER_PATHS.injectPrivileges),
    searchPrivileges: at(ORGANIZER_PATHS.searchPrivileges),
    privilegeDefinition: (id: string) => at(ORGANIZER_PATHS.privilegeDefinition.replace(':id', encodeURIComponent(id))),
  };
}

function safeUrlForMessage(u: string): string {
  // Drop anything that looks like userinfo so a URL with embedded credentials is never echoed.
  return u.replace(/\/\/[^/@\s]*@/, '//***@').slice(0, 300);
}

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

/** RFC 3339 date-time with a `Z` or numeric offset (e.g. 2022-12-12T16:11:00+01:00). */
export const rfc3339 = z.iso.datetime({ offset: true, error: 'expected an RFC 3339 date-time with offset, e.g. 2022-12-12T16:11:00Z' });

/** Error option giving `required` for a missing value and `expected <what>` for a wrong type. */
const req = (what: string) => ({ error: (iss: { input?: unknown }) => (iss.input === undefined ? 'required' : `expected ${what}`) });
const str = (max: number) => z.string(req('a string')).max(max, `at most ${max} characters`);
const requiredStr = (max: number) =>
  z
    .string(req('a string'))
    .max(max, `at most ${max} characters`)
    .regex(/\S/, 'required, must not be empty');
/** A language tag keying a multilingual text: `en`, `fr`, `de-CH` (docs/tixngo-api.md). */
export const LANGUAGE_TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
/**
 * A plain string, or (sendMultilingualAsJsonObject, §3.1.4) an object of strings keyed by language tag with at least
 * one entry: `{ "en": "Final", "fr": "Finale" }` (the shape is an assumption, docs/tixngo-api.md).
 */
const localized = (max: number) =>
  z.union(
    [
      str(max),
      z
        .record(z.string().regex(LANGUAGE_TAG, 'expected a language tag such as en, fr or de-CH'), str(max))
        .refine((o) => Object.keys(o).length > 0, 'a multilingual text needs at least one language'),
    ],
    req('a string or a language-keyed object of strings'),
  );
const email = z.string(req('an e-mail address')).max(256, 'at most 256 characters').regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'expected an e-mail address');
/** A JSON object, checked without copying it (item-level validation happens per item). */
const anyObject = z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), { error: 'expected an object' });
const keyValueList = z.array(z.looseObject({ key: requiredStr(256), value: z.string() }));

/** Letters, digits, space and `*.-_+/()`, 1 to 256 characters (§5.4, AdminTool list). */
export const TICKET_ID_PATTERN = /^[A-Za-z0-9 *.\-_+/()]{1,256}$/;
export const ticketIdSchema = z
  .string(req('a string'))
  .min(1, 'required, must not be empty')
  .max(256, 'at most 256 characters')
  .regex(/^[A-Za-z0-9 *.\-_+/()]*$/, 'only letters, digits, space and *.-_+/() are allowed');

export const tixngoStatusSchema = z.enum(TIXNGO_STATUSES);
/**
 * A status as TIXNGO reports it in a response: any string. TIXNGO reports V4 (`NOT_DOWNLOADED`), legacy (`RECEIVED`)
 * and future values too; a strict enum here failed a whole diff page for one such ticket, forever, and the feed
 * cursor never moved. Readers map it with tixngo/statuses.ts and deal with the values they do not know.
 */
export const reportedStatusSchema = z.string();

// ---------------------------------------------------------------------------------------------
// Injection (POST …/organizer/tickets) [DOC: path, envelope, required fields, limits]
// ---------------------------------------------------------------------------------------------

/** A required text: a non-blank string, or a multilingual object whose every text is non-blank. */
const notBlank = (v: string | Record<string, string>) => (typeof v === 'string' ? [v] : Object.values(v)).every((x) => x.trim() !== '');

export const eventAddressSchema = z.looseObject({
  site: localized(200).refine(notBlank, 'required, must not be empty'),
  city: localized(200).refine(notBlank, 'required, must not be empty'),
  countryCode: requiredStr(200),
  zip: requiredStr(200),
  line1: str(200).optional(),
  line2: str(200).optional(),
  line3: str(200).optional(),
  region: str(200).optional(),
  longitude: z.number().min(-180).max(180).optional(),
  latitude: z.number().min(-90).max(90).optional(),
}, req('an object'));

export const eventSchema = z.looseObject({
  id: requiredStr(256),
  name: localized(128).optional(),
  startTime: rfc3339.optional(),
  expirationDate: rfc3339.optional(),
  website: str(128).optional(),
  timeZone: str(64).optional(),
  imageUrl: str(256).optional(),
  address: eventAddressSchema,
  group: z.looseObject({ name: localized(128).optional(), image: str(256).optional() }).optional(),
  metadata: keyValueList.optional(),
}, req('an object'));

export const activationParametersSchema = z.looseObject({
  method: z.enum(['online', 'offline'], { error: (iss) => (iss.input === undefined ? 'required' : 'expected "online" or "offline"') }),
  time: rfc3339.optional(),
  groupId: str(50).optional(),
  instanceId: str(128).optional(),
}, req('an object'));

export const securitySchema = z.looseObject({
  barcode: requiredStr(512),
}, req('an object'));

export const spectatorDetailsSchema = z.looseObject({
  email,
  firstName: str(50).optional(),
  lastName: str(100).optional(),
  title: str(50).optional(),
  gender: z.enum(['M', 'F', 'U', 'X']).optional(),
}, req('an object'));

export const purchaseDetailsSchema = z.looseObject({
  price: z.number().finite().optional(),
  currency: str(20).optional(),
  category: str(512).optional(),
  taxNumber: str(256).optional(),
  fileId: str(256).optional(),
}, req('an object'));

/** Person attending (assignee), set in S-360 before injection or in the app [INF path]. */
export const ticketHolderSchema = z.looseObject({
  firstName: str(50).optional(),
  lastName: str(100).optional(),
  email: email.optional(),
  birthDate: z.string().max(32).optional(),
  idNumber: str(256).optional(),
  countryCode: str(200).optional(),
  birthRegion: str(200).optional(),
  birthPlace: str(200).optional(),
  nationality: str(200).optional(),
}, req('an object'));

export const injectionTicketSchema = z.looseObject({
  ticketId: ticketIdSchema,
  event: eventSchema,
  purchaseDetails: purchaseDetailsSchema,
  security: securitySchema,
  spectatorDetails: spectatorDetailsSchema,
  activationParameters: activationParametersSchema,
  ticketHolder: ticketHolderSchema.optional(),
  mainApplicant: z.boolean().optional(),
  sortingKey: str(256).optional(),
  imageUrl: str(256).optional(),
  ticketDetails: z
    .looseObject({ main: keyValueList.optional(), extra: keyValueList.optional(), hidden: keyValueList.optional() })
    .optional(),
  transferRules: z
    .looseObject({ allowReturnToOrganizer: z.boolean().optional(), allowReturnToOrganizerForInitialSpectator: z.boolean().optional() })
    .optional(),
}, req('an object'));
export type InjectionTicket = z.infer<typeof injectionTicketSchema>;

/**
 * The least an injected ticket must be for its result to be matched (a ticketId): what the client checks when the
 * interface lets TIXNGO judge incomplete tickets (enforceMandatoryParameters=false, §3.1.3). Everything else goes as is.
 */
export const injectionTicketIdentitySchema = z.looseObject({ ticketId: ticketIdSchema }, req('an object'));
/** What callers may pass (before zod defaults/transforms; identical here). */
export type InjectionTicketInput = z.input<typeof injectionTicketSchema>;

/** The structural envelope a server checks before looking at items (a failure is a 400). */
export const injectEnvelopeSchema = z.object({
  tickets: z
    .array(anyObject, { error: 'tickets must be a list of ticket objects' })
    .min(1, 'tickets must not be empty')
    .max(MAX_BATCH_ITEMS, `at most ${MAX_BATCH_ITEMS} tickets per call`),
});
export const injectRequestSchema = z.object({
  tickets: z.array(injectionTicketSchema).min(1).max(MAX_BATCH_ITEMS),
});
export type InjectRequest = z.infer<typeof injectRequestSchema>;

// ---------------------------------------------------------------------------------------------
// Per-item results of bulk calls [GAP -> assumed shape]
// ---------------------------------------------------------------------------------------------

export const itemErrorSchema = z.object({
  field: z.string().optional(),
  message: z.string(),
});
export type ItemError = z.infer<typeof itemErrorSchema>;

/** Why an item was refused: bad data, a transition the state forbids, or an unknown id. */
export const itemReasonSchema = z.enum(['INVALID', 'CONFLICT', 'NOT_FOUND']);
export type ItemReason = z.infer<typeof itemReasonSchema>;

export const ticketItemResultSchema = z.object({
  ticketId: z.string(),
  outcome: z.enum(['ACCEPTED', 'REJECTED']),
  /** The ticket's status after the call (accepted items, and refused items that exist). */
  status: reportedStatusSchema.optional(),
  /** Per ticket version after the call (accepted items). */
  version: z.number().int().positive().optional(),
  /** Injection only: true when this call created the ticket (false: re-injection/update). */
  created: z.boolean().optional(),
  reason: itemReasonSchema.optional(),
  errors: z.array(itemErrorSchema).optional(),
});
export type TicketItemResult = z.infer<typeof ticketItemResultSchema>;

export const bulkTicketResponseSchema = z.object({
  results: z.array(ticketItemResultSchema),
});
export type BulkTicketResponse = z.infer<typeof bulkTicketResponseSchema>;

export const injectResponseSchema = bulkTicketResponseSchema.extend({
  /** Event ids created by this call (first sight of a new event.id). */
  eventsCreated: z.array(z.string()),
});
export type InjectResponse = z.infer<typeof injectResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Ticket state (read by id, diff feed)
// ---------------------------------------------------------------------------------------------

export const personSchema = z.looseObject({
  email: z.string(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
});
export type Person = z.infer<typeof personSchema>;

export const holderSchema = z.looseObject({
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  email: z.string().optional(),
});
export type Holder = z.infer<typeof holderSchema>;

export const ticketStateSchema = z.object({
  ticketId: z.string(),
  eventId: z.string(),
  status: reportedStatusSchema,
  walletOwner: personSchema.nullable(),
  ticketHolder: holderSchema.nullable(),
  initialOwner: personSchema.nullable().optional(),
  previousOwner: personSchema.nullable().optional(),
  /** Recipient of a pending transfer (PENDING_TRANSFER only). */
  pendingTransferTo: personSchema.nullable().optional(),
  transferLevel: z.number().int().nonnegative().optional(),
  injectedAt: rfc3339.optional(),
  controlledAt: rfc3339.nullable().optional(),
  updatedAt: rfc3339,
  /** Strictly increasing per ticket with each change of state: the idempotency key of history rows. */
  version: z.number().int().positive(),
  showDeletedTicket: z.boolean().optional(),
  deletionReason: z.string().optional(),
});
/** A ticket as TIXNGO reports it (distinct from the ticket workflow's TicketState in common/lifecycle.ts). */
export type TixngoTicket = z.infer<typeof ticketStateSchema>;

// Read by id (POST …/tickets/search) [GAP -> assumed; needed to reconcile retried injections]
export const searchTicketsRequestSchema = z.object({
  ticketIds: z.array(ticketIdSchema).min(1, 'ticketIds must not be empty').max(MAX_BATCH_ITEMS, `at most ${MAX_BATCH_ITEMS} ticketIds per call`),
});
export type SearchTicketsRequest = z.infer<typeof searchTicketsRequestSchema>;
export const searchTicketsResponseSchema = z.object({
  tickets: z.array(ticketStateSchema),
  notFound: z.array(z.string()),
});
export type SearchTicketsResponse = z.infer<typeof searchTicketsResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Deletion (POST …/tickets/delete) [DOC: existence, showDeletedTicket; INF: reason, path]
// ---------------------------------------------------------------------------------------------

export const deleteItemSchema = z.object({
  ticketId: ticketIdSchema,
  reason: requiredStr(256),
  showDeletedTicket: z.boolean({ error: 'required boolean' }),
});
export type DeleteItem = z.infer<typeof deleteItemSchema>;
export const deleteEnvelopeSchema = z.object({
  tickets: z.array(anyObject).min(1, 'tickets must not be empty').max(MAX_BATCH_ITEMS, `at most ${MAX_BATCH_ITEMS} tickets per call`),
});
export const deleteRequestSchema = z.object({ tickets: z.array(deleteItemSchema).min(1).max(MAX_BATCH_ITEMS) });
export type DeleteRequest = z.infer<typeof deleteRequestSchema>;

// ---------------------------------------------------------------------------------------------
// Mark controlled (POST …/tickets/controlled) [DOC: existence; INF: path, body]
// ---------------------------------------------------------------------------------------------

export const controlledItemSchema = z.object({
  ticketId: ticketIdSchema,
  controlledAt: rfc3339,
});
export type ControlledItem = z.infer<typeof controlledItemSchema>;
export const controlledEnvelopeSchema = deleteEnvelopeSchema;
export const controlledRequestSchema = z.object({ tickets: z.array(controlledItemSchema).min(1).max(MAX_BATCH_ITEMS) });
export type ControlledRequest = z.infer<typeof controlledRequestSchema>;

// ---------------------------------------------------------------------------------------------
// Diff feed (GET …/tickets/diff?paginationKey=&limit=) [DOC: existence, cursor; INF: shape]
// ---------------------------------------------------------------------------------------------

export const diffQuerySchema = z.object({
  /** Opaque key handed back by the previous page; absent/empty = from the beginning. */
  paginationKey: z.string().max(512).optional(),
  limit: z.coerce.number({ error: 'limit must be a number' }).int('limit must be an integer').min(1, 'limit must be at least 1').max(MAX_DIFF_LIMIT, `limit must be at most ${MAX_DIFF_LIMIT}`),
});
export type DiffQuery = z.input<typeof diffQuerySchema>;

export const diffEntrySchema = ticketStateSchema.extend({
  /** Global change sequence of this entry (ordering of the feed). */
  sequence: z.number().int().positive(),
});
export type DiffEntry = z.infer<typeof diffEntrySchema>;

export const diffResponseSchema = z.object({
  tickets: z.array(diffEntrySchema),
  /** Key to pass to the next call; equal to the given key when there was nothing new. */
  nextPaginationKey: z.string().min(1),
  hasMore: z.boolean(),
});
export type DiffResponse = z.infer<typeof diffResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Monthly injection report (GET …/reports/injections) [DOC: params and response; INF: path]
// ---------------------------------------------------------------------------------------------

export const PERIOD_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;
export const injectionReportQuerySchema = z.object({
  period: z.string({ error: 'period is required (YYYY-MM)' }).regex(PERIOD_PATTERN, 'period must be YYYY-MM'),
  limit: z.coerce.number({ error: 'limit is required' }).int('limit must be an integer').min(1, 'limit must be at least 1').max(MAX_REPORT_LIMIT, `limit must be at most ${MAX_REPORT_LIMIT}`),
  offset: z.coerce.number({ error: 'offset is required' }).int('offset must be an integer').min(0, 'offset must be at least 0'),
});
export type InjectionReportQuery = z.input<typeof injectionReportQuerySchema>;

export const injectionReportResponseSchema = z.object({
  /** Number of events with injections in the period (for offset pagination). */
  total: z.number().int().nonnegative(),
  /** Tickets injected in the period, all events together. */
  grandTotal: z.number().int().nonnegative(),
  events: z.array(
    z.object({
      eventId: z.string(),
      eventName: z.string().nullable(),
      startTime: z.string().nullable(),
      injected: z.number().int().nonnegative(),
    }),
  ),
});
export type InjectionReport = z.infer<typeof injectionReportResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Digital privileges [GAP -> assumed paths and shapes; DOC: definition created on first injection]
// ---------------------------------------------------------------------------------------------

export const privilegeDefinitionInputSchema = z.looseObject({
  id: requiredStr(256),
  name: localized(128).refine((v) => typeof v !== 'string' || v.trim() !== '', 'required, must not be empty'),
  description: localized(1024).optional(),
  kind: z.enum(['membership', 'season']).optional(),
  validFrom: rfc3339.optional(),
  validUntil: rfc3339.optional(),
  imageUrl: str(256).optional(),
}, req('an object'));
export type PrivilegeDefinitionInput = z.infer<typeof privilegeDefinitionInputSchema>;

export const privilegeInstanceInputSchema = z.looseObject({
  instanceId: ticketIdSchema,
  privilegeDefinition: privilegeDefinitionInputSchema,
  holder: spectatorDetailsSchema,
  barcode: str(512).optional(),
  validFrom: rfc3339.optional(),
  validUntil: rfc3339.optional(),
  /** Tickets the card gives access to (season card), by ticketId. */
  linkedTicketIds: z.array(ticketIdSchema).optional(),
  details: z.looseObject({ main: keyValueList.optional(), extra: keyValueList.optional(), hidden: keyValueList.optional() }).optional(),
}, req('an object'));
export type PrivilegeInstanceInput = z.input<typeof privilegeInstanceInputSchema>;
export type PrivilegeInstanceParsed = z.infer<typeof privilegeInstanceInputSchema>;

export const privilegesEnvelopeSchema = z.object({
  instances: z
    .array(anyObject, { error: 'instances must be a list of objects' })
    .min(1, 'instances must not be empty')
    .max(MAX_BATCH_ITEMS, `at most ${MAX_BATCH_ITEMS} instances per call`),
});
export const injectPrivilegesRequestSchema = z.object({
  instances: z.array(privilegeInstanceInputSchema).min(1).max(MAX_BATCH_ITEMS),
});

export const privilegeItemResultSchema = z.object({
  instanceId: z.string(),
  outcome: z.enum(['ACCEPTED', 'REJECTED']),
  status: reportedStatusSchema.optional(),
  created: z.boolean().optional(),
  /** True when this call created the privilege definition. */
  definitionCreated: z.boolean().optional(),
  reason: itemReasonSchema.optional(),
  errors: z.array(itemErrorSchema).optional(),
});
export type PrivilegeItemResult = z.infer<typeof privilegeItemResultSchema>;
export const injectPrivilegesResponseSchema = z.object({
  results: z.array(privilegeItemResultSchema),
  definitionsCreated: z.array(z.string()),
});
export type InjectPrivilegesResponse = z.infer<typeof injectPrivilegesResponseSchema>;

export const privilegeDefinitionSchema = z.object({
  id: z.string(),
  name: z.union([z.string(), z.record(z.string(), z.string())]),
  description: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
  kind: z.enum(['membership', 'season']).optional(),
  validFrom: rfc3339.optional(),
  validUntil: rfc3339.optional(),
  imageUrl: z.string().optional(),
  instanceCount: z.number().int().nonnegative(),
  createdAt: rfc3339,
  updatedAt: rfc3339,
  version: z.number().int().positive(),
});
export type PrivilegeDefinition = z.infer<typeof privilegeDefinitionSchema>;

export const privilegeInstanceStateSchema = z.object({
  instanceId: z.string(),
  definitionId: z.string(),
  status: reportedStatusSchema,
  holder: personSchema,
  linkedTicketIds: z.array(z.string()),
  injectedAt: rfc3339,
  updatedAt: rfc3339,
  version: z.number().int().positive(),
});
export type PrivilegeInstanceState = z.infer<typeof privilegeInstanceStateSchema>;

export const searchPrivilegesRequestSchema = z.object({
  instanceIds: z.array(ticketIdSchema).min(1, 'instanceIds must not be empty').max(MAX_BATCH_ITEMS, `at most ${MAX_BATCH_ITEMS} instanceIds per call`),
});
export const searchPrivilegesResponseSchema = z.object({
  instances: z.array(privilegeInstanceStateSchema),
  notFound: z.array(z.string()),
});
export type SearchPrivilegesResponse = z.infer<typeof searchPrivilegesResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Error body of non-2xx answers [GAP -> assumed]
// ---------------------------------------------------------------------------------------------

export const ERROR_CODES = ['BAD_REQUEST', 'UNAUTHORIZED', 'NOT_FOUND', 'METHOD_NOT_ALLOWED', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL'] as const;
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ ticketId: z.string().optional(), field: z.string().optional(), message: z.string() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** `a.b.0.c` style path of a zod issue ('(body)' for the root). */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(body)' : path.map((p) => String(p)).join('.');
}

/** Zod issues as `{ field, message }` pairs (one per unknown key), with an optional path prefix. */
export function issuesToItemErrors(error: z.ZodError, prefix: readonly PropertyKey[] = []): ItemError[] {
  return error.issues.flatMap((i) => {
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => ({ field: issuePath([...prefix, ...i.path, k]), message: 'unknown field' }));
    }
    return [{ field: issuePath([...prefix, ...i.path]), message: i.message }];
  });
}

/** One line naming each invalid field: `tickets.0.event.address.zip: required; ...`. */
export function formatIssues(error: z.ZodError, prefix: readonly PropertyKey[] = [], max = 10): string {
  const all = issuesToItemErrors(error, prefix);
  const parts = all.slice(0, max).map((e) => `${e.field}: ${e.message}`);
  if (all.length > max) parts.push(`(+${all.length - max} more)`);
  return parts.join('; ');
}
