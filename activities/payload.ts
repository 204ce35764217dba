// Builds TIXNGO payloads from S-360 rows (pure functions, unit tested). The TIXNGO client then checks each
// payload against the contract and refuses, per ticket and before any call, what misses a mandatory field
// (enforceMandatoryParameters, §3.1.3), naming the field; with enforceMandatoryParameters=false TIXNGO decides.
import type { CardPayloadRow, CustomParams, TicketPayloadRow } from '../db/types';
import type { InjectionTicketInput, PrivilegeInstanceInput } from '../tixngo/contract';
import { applyComfortVariables, checkTimeZone, formatInZone, PayloadError } from './comfort';

const HOUR = 3_600_000;
/** Language of the single-language S-360 texts when sendMultilingualAsJsonObject is on and defaultLanguage unset. */
export const DEFAULT_LANGUAGE = 'en';

function iso(v: string | null | undefined): string | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().replace('.000Z', 'Z');
}

function param(params: CustomParams, key: string, def: boolean): boolean {
  const v = params[key];
  if (v === undefined) return def;
  return v === true || v === 'true';
}

function kv(entries: [string, string | number | null | undefined][]): { key: string; value: string }[] {
  return entries.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([key, value]) => ({ key, value: String(value) }));
}

interface Owner {
  email?: string;
  firstName?: string;
  lastName?: string;
}
function asOwner(v: unknown): Owner | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  return typeof o.email === 'string' && o.email
    ? { email: o.email, firstName: typeof o.firstName === 'string' ? o.firstName : undefined, lastName: typeof o.lastName === 'string' ? o.lastName : undefined }
    : undefined;
}

/** A comma-separated list of invalidation reasons (resetInjectionInvalidationReasons, overrideVisibilityFlagForInvalidationReasons). */
function reasonList(params: CustomParams, key: string): string[] {
  return String(params[key] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The recipient that replaces the cultural contact (§3.1.2, §9.1, §9.3), or undefined: the cultural contact.
 *
 * A replacement ticket (reprint, take back: `replacedTicket` set) goes to the last TIXNGO wallet owner of the ticket it
 * replaces, as feedback stored it (mobile_ticket of the replaced ticket; its own state only, the chain is not followed),
 * when overlaySpectatorDetailsWithLastOwner (default true) and the replaced ticket's invalidation reason is not listed
 * in resetInjectionInvalidationReasons (e.g. MOBILE_TAKE_BACK: the new cultural contact receives it).
 *
 * Choices (README, "Choices where the documentation is silent"):
 * - No owner reported for the replaced ticket yet (no feedback since its injection, or never injected): the cultural
 *   contact. If the old ticket was transferred and feedback has not run since, the previous holder receives the
 *   replacement (the stale-feedback risk of §3.6): run feedback before injecting replacements.
 * - A ticket that is not a replacement always goes to its cultural contact, also when it is re-injected (force list)
 *   after feedback reported another wallet owner for it. TIXNGO changes the spectator of a live ticket only while it
 *   is not in a wallet yet (docs/tixngo-api.md), so overlaying the ticket's own owner protects nothing, and it would
 *   undo a correction of the recipient made in S-360 before download. The overlay is for reprints (§3.1.2).
 */
function replacedTicketOwner(row: TicketPayloadRow, params: CustomParams): Owner | undefined {
  const prev = row.replacedTicket;
  if (!prev) return undefined;
  if (!param(params, 'overlaySpectatorDetailsWithLastOwner', true)) return undefined;
  if (prev.invalidationReason && reasonList(params, 'resetInjectionInvalidationReasons').includes(prev.invalidationReason)) return undefined;
  return asOwner(prev.lastWalletOwner);
}

export interface PayloadOptions {
  /** Send mainApplicant=true when the holder's first name, last name and e-mail are present (§3.1.1). */
  mainApplicant?: boolean;
  barcodePrefix?: string;
  barcodeSuffix?: string;
}

/**
 * A text of the event block: plain, or with sendMultilingualAsJsonObject (§3.1.4) an object keyed by language. S-360
 * keeps one language per text here, so the object has one key: the interface's defaultLanguage (default `en`).
 */
function text(v: string, params: CustomParams): string | Record<string, string> {
  if (!param(params, 'sendMultilingualAsJsonObject', false)) return v;
  const lang = typeof params.defaultLanguage === 'string' && params.defaultLanguage ? params.defaultLanguage : DEFAULT_LANGUAGE;
  return { [lang]: v };
}

/**
 * The TIXNGO ticket of an S-360 ticket. Event times are sent in the performance's time zone with its offset (§5.4);
 * the product's comfort variables (§3.1.4) set the activation time and group, and override the event's start and
 * expiration. Throws PayloadError (field named) for a comfort variable or a time zone it cannot read.
 */
export function buildTicketPayload(row: TicketPayloadRow, params: CustomParams = {}, options: PayloadOptions = {}): InjectionTicketInput {
  const p = row.performance;
  const tz = p.timezone || 'UTC';
  checkTimeZone(tz);
  const startMs = Date.parse(p.startTime);
  if (Number.isNaN(startMs)) throw new PayloadError('event.startTime', `performance ${p.code} has no valid start time`);
  const endMs = p.endTime && !Number.isNaN(Date.parse(p.endTime)) ? Date.parse(p.endTime) : startMs + 24 * HOUR;
  const comfort = applyComfortVariables(p.comfortVariables, { start: startMs, end: endMs, timeZone: tz });
  const start = comfort.startTime ?? formatInZone(startMs, tz);
  const end = comfort.expirationDate ?? formatInZone(endMs, tz);
  // A replacement goes to the replaced ticket's last wallet owner, or to the cultural contact (see replacedTicketOwner).
  const lastOwner = replacedTicketOwner(row, params);
  const h = row.holder;
  const spectator = lastOwner ?? { email: h.email ?? undefined, firstName: h.firstName ?? undefined, lastName: h.lastName ?? undefined };
  const prefix = options.barcodePrefix ?? '';
  const suffix = options.barcodeSuffix ?? '';
  const mainApplicant = options.mainApplicant === true && Boolean(h.firstName && h.lastName && h.email);
  return {
    ticketId: row.id,
    event: {
      id: p.code,
      name: text(p.name, params),
      startTime: start,
      expirationDate: end,
      timeZone: tz,
      address: { site: text(p.venueSite, params), city: text(p.city, params), zip: p.zip, countryCode: p.countryCode, line1: p.addressLine1 ?? undefined },
    },
    activationParameters: {
      method: 'online',
      ...(comfort.activationTime ? { time: comfort.activationTime } : {}),
      ...(comfort.groupId ? { groupId: comfort.groupId } : {}),
    },
    security: { barcode: row.barcode ? `${prefix}${row.barcode}${suffix}` : '' },
    spectatorDetails: { email: spectator.email ?? '', firstName: spectator.firstName, lastName: spectator.lastName, title: lastOwner ? undefined : (h.title ?? undefined) },
    ticketHolder: h.firstName || h.lastName ? { firstName: h.firstName ?? undefined, lastName: h.lastName ?? undefined } : undefined,
    mainApplicant: mainApplicant || undefined,
    purchaseDetails: {
      price: row.price ?? undefined,
      currency: row.currency ?? undefined,
      category: row.category ?? undefined,
      taxNumber: row.taxNumber,
      fileId: row.fileNumber ?? undefined,
    },
    ticketDetails: {
      main: kv([
        ['Block', row.block],
        ['Row', row.row],
        ['Seat', row.seat],
      ]),
      extra: kv([
        ['Category', row.category],
        ['Tariff', row.tariff],
      ]),
    },
  };
}

export function buildPrivilegePayload(row: CardPayloadRow): PrivilegeInstanceInput {
  return {
    instanceId: row.id,
    privilegeDefinition: { id: row.productCode, name: row.productName, kind: row.kind, validFrom: iso(row.validFrom), validUntil: iso(row.validTo) },
    holder: { email: row.holder.email ?? '', firstName: row.holder.firstName ?? undefined, lastName: row.holder.lastName ?? undefined },
    barcode: row.cardNumber,
    validFrom: iso(row.validFrom),
    validUntil: iso(row.validTo),
  };
}

/**
 * showDeletedTicket of a deletion (§3.3): the value a ticket's own cancel gave (`explicit`), as is; else the reason
 * is in overrideVisibilityFlagForInvalidationReasons -> true; else the schedule's "Notify spectator" -> true; else
 * visibilityFlagDefaultValue, or its older name isShowDeletedTicket (default false).
 */
export function showDeletedTicketFor(reason: string | null | undefined, params: CustomParams, notifySpectator: boolean | undefined, explicit?: boolean): boolean {
  if (explicit !== undefined) return explicit;
  if (reason && reasonList(params, 'overrideVisibilityFlagForInvalidationReasons').includes(reason)) return true;
  if (notifySpectator) return true;
  return param(params, 'visibilityFlagDefaultValue', param(params, 'isShowDeletedTicket', false));
}

/** A ticket whose payload could not be built (a comfort variable or time zone it cannot read). */
export interface PayloadProblem {
  ticketId: string;
  field: string;
  message: string;
}

/** The payloads of these tickets, and the tickets whose payload cannot be built, each named with the field at fault. */
export function buildTicketPayloads(
  rows: readonly TicketPayloadRow[],
  params: CustomParams = {},
  options: PayloadOptions = {},
): { payloads: { row: TicketPayloadRow; payload: InjectionTicketInput }[]; problems: PayloadProblem[] } {
  const payloads: { row: TicketPayloadRow; payload: InjectionTicketInput }[] = [];
  const problems: PayloadProblem[] = [];
  for (const row of rows) {
    try {
      payloads.push({ row, payload: buildTicketPayload(row, params, options) });
    } catch (err) {
      if (!(err instanceof PayloadError)) throw err;
      problems.push({ ticketId: row.id, field: err.field, message: `ticket ${row.id}: ${err.field}: ${err.message}` });
    }
  }
  return { payloads, problems };
}
