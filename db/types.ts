// Row and input types of the repository (db/repo/). Ids of tickets and cards are S-360
// ids as decimal strings (bigint in SQL); interface and performance ids are small integers.
// Timestamps are ISO-8601 strings so that rows survive JSON (Temporal payloads) unchanged.
import type {
  CardKind,
  ExecutionOutcome,
  InterfaceFunction,
  ProductKind,
  S360CardStatus,
  S360TicketStatus,
} from '../common/domain';

export const INTERFACE_TYPES = ['TIXNGO', 'TIXNGO_WITH_TEMPLATE'] as const;
export type InterfaceType = (typeof INTERFACE_TYPES)[number];

export type CustomParams = Record<string, string | number | boolean>;
/** Batch size per function. */
export type FunctionSettings = Record<InterfaceFunction, number>;

export const DEFAULT_FUNCTION_SETTINGS: Readonly<FunctionSettings> = Object.freeze({
  INJECTION: 1000,
  FEEDBACK: 1000,
  PUSH_CANCELLED: 1000,
  PUSH_CONTROLLED: 10000,
  PRIVILEGES_INJECTION: 1000,
});

export interface InterfaceInput {
  name: string;
  url: string;
  loginEmail: string;
  apiKey: string;
  notificationEmails?: string[] | undefined;
  customParams?: CustomParams | undefined;
  settings?: Partial<FunctionSettings> | undefined;
  type?: InterfaceType | undefined;
  /** IANA time zone in which the function parameters' dates (Date from) are read; default UTC. */
  timeZone?: string | undefined;
}

/** An interface as listed: everything but the API key (not even encrypted). */
export interface InterfaceRow {
  id: number;
  name: string;
  type: InterfaceType;
  url: string;
  loginEmail: string;
  notificationEmails: string[];
  customParams: CustomParams;
  settings: FunctionSettings;
  /** IANA time zone in which `DD/MM/YY hh:mm` dates (Date from) are read. */
  timeZone: string;
  createdAt: string;
}

export interface InterfaceCredentials {
  url: string;
  login: string;
  apiKey: string;
}

export interface PerformanceInput {
  code: string;
  name: string;
  productKind: ProductKind;
  venueSite: string;
  addressLine1?: string | null | undefined;
  city: string;
  zip: string;
  countryCode: string;
  timezone?: string | undefined;
  startTime: Date | string;
  endTime?: Date | string | null | undefined;
  /** Comfort variables of a non-dated product (§3.1.4): TIXAct, TIXStart, TIXExp, TIXRGrp. */
  comfortVariables?: ComfortVariables | null | undefined;
}

/** The comfort variables of a product (§3.1.4), as S-360 stores them (performance.comfort_variables). */
export type ComfortVariables = Partial<Record<'TIXAct' | 'TIXStart' | 'TIXExp' | 'TIXRGrp', string>>;

export interface PerformanceRow {
  id: number;
  code: string;
  name: string;
  productKind: ProductKind;
  venueSite: string;
  addressLine1: string | null;
  city: string;
  zip: string;
  countryCode: string;
  timezone: string;
  startTime: string;
  endTime: string | null;
  comfortVariables: ComfortVariables | null;
  createdAt: string;
}

export interface TicketHolder {
  title: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  /** YYYY-MM-DD */
  birthdate: string | null;
  idNumber: string | null;
  countryCode: string | null;
  birthRegion: string | null;
  birthPlace: string | null;
}

/** Everything needed to build a TIXNGO injection payload for one ticket. */
export interface TicketPayloadRow {
  id: string;
  taxNumber: string;
  barcode: string;
  status: S360TicketStatus;
  invalidationReason: string | null;
  statusChangedAt: string;
  controlledAt: string | null;
  interfaceId: number | null;
  shipmentMode: string;
  block: string | null;
  row: string | null;
  seat: string | null;
  category: string | null;
  tariff: string | null;
  price: number | null;
  currency: string | null;
  fileNumber: string | null;
  holder: TicketHolder;
  performance: Omit<PerformanceRow, 'createdAt'>;
  /** The ticket this one replaces (reprint, take back: ticket.replaced_ticket_id), null for an original ticket. */
  replacedTicket: ReplacedTicketInfo | null;
  updatedAt: string;
}

/**
 * What injection needs to know about the ticket a replacement replaces (§3.1.2, §9.1, §9.3): its own state only, one
 * level (the chain is not followed further), read in the same query as the replacement.
 */
export interface ReplacedTicketInfo {
  id: string;
  status: S360TicketStatus;
  /** Compared with resetInjectionInvalidationReasons (e.g. REPRINT, MOBILE_TAKE_BACK). */
  invalidationReason: string | null;
  /** Its wallet owner as feedback last reported it (mobile_ticket.wallet_owner); null while feedback reported none. */
  lastWalletOwner: unknown;
}

/** A new cultural contact for a replacement ticket (take back, §9.3). */
export interface ReprintHolder {
  email: string;
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
}

export interface ReprintOptions {
  /** Invalidation reason of the old ticket; default REPRINT (take back: MOBILE_TAKE_BACK). */
  reason?: string | null | undefined;
  /** Sets a new cultural contact on the replacement instead of copying the old ticket's holder fields. */
  holder?: ReprintHolder | undefined;
}

/** One reprinted ticket: the old (now INVALIDATED) id and its NOT_PRINTED replacement. */
export interface ReprintMapping {
  replaced: string;
  ticketId: string;
}

export interface CardPayloadRow {
  id: string;
  cardNumber: string;
  kind: CardKind;
  productCode: string;
  productName: string;
  validFrom: string | null;
  validTo: string | null;
  interfaceId: number | null;
  status: S360CardStatus;
  holder: { firstName: string | null; lastName: string | null; email: string | null };
  price: number | null;
  currency: string | null;
  updatedAt: string;
}

export type ItemKind = 'ticket' | 'card' | 'event';

export interface ItemErrorInput {
  itemId: string;
  field?: string | null | undefined;
  message: string;
}

export interface ErrorRow {
  id: string;
  interfaceId: number;
  function: InterfaceFunction;
  itemKind: ItemKind;
  itemId: string;
  field: string | null;
  message: string;
  firstSeenAt: string;
  lastSeenAt: string;
  occurrences: number;
  resolvedAt: string | null;
  runId: string | null;
}

export interface PushCancelledCandidate {
  id: string;
  status: 'CANCELLED' | 'INVALIDATED';
  reason: string | null;
}

export interface PushControlledCandidate {
  id: string;
  controlledAt: string | null;
}

export interface PushedItem {
  id: string;
  reason?: string | null | undefined;
}

/** One entry of the TIXNGO diff feed, as the feedback activity hands it over. */
export interface FeedbackChange {
  ticketId: string;
  /** The V3 status TIXNGO's status means (tixngo/statuses.ts); null for a status S-360 does not know. */
  tixngoStatus: string | null;
  /** The status as TIXNGO reported it (default: tixngoStatus). */
  rawStatus?: string;
  walletOwner: unknown;
  ticketHolder: unknown;
  details?: unknown;
  /** Monotonic per ticket (TIXNGO version / sequence). */
  version: number | string;
  updatedAt: Date | string;
}

export interface AppliedFeedbackPage {
  /** Tickets whose mobile status, wallet owner or ticket holder changed. */
  changed: { ticketId: string; tixngoStatus: string }[];
  /** Ticket ids of the page S-360 does not know (ignored). */
  unknown: string[];
  /** Tickets S-360 could not store (doContinueInCaseOfSyncError=true: recorded, the page and cursor stored without them). */
  failed?: { ticketId: string; message: string }[];
}

export interface MarkerRow {
  itemKind: 'ticket' | 'card';
  itemId: string;
  function: InterfaceFunction;
  interfaceId: number | null;
  processedAt: string;
  outcome: 'OK';
  pushedReason: string | null;
  runId: string | null;
}

export interface MobileTicketRow {
  ticketId: string;
  tixngoStatus: string | null;
  walletOwner: unknown;
  ticketHolder: unknown;
  details: unknown;
  tixngoVersion: string | null;
  tixngoUpdatedAt: string | null;
  lastFeedbackAt: string | null;
}

export interface HistoryRow {
  id: string;
  ticketId: string;
  tixngoStatus: string | null;
  walletOwner: unknown;
  ticketHolder: unknown;
  detail: unknown;
  occurredAt: string;
  source: 'INJECTION' | 'FEEDBACK' | 'PUSH_CANCELLED' | 'PUSH_CONTROLLED';
  changeKey: string;
}

export interface TicketView {
  ticket: TicketPayloadRow;
  mobile: MobileTicketRow | null;
  markers: MarkerRow[];
  openErrors: ErrorRow[];
  history: HistoryRow[];
}

export interface TicketListRow {
  id: string;
  taxNumber: string;
  barcode: string;
  status: S360TicketStatus;
  invalidationReason: string | null;
  block: string | null;
  row: string | null;
  seat: string | null;
  category: string | null;
  holderName: string;
  holderEmail: string | null;
  interfaceId: number | null;
  mobileStatus: string | null;
}

export interface ExecutionStart {
  interfaceId: number;
  fn: InterfaceFunction;
  workflowId: string;
  runId: string;
}

export interface ExecutionFinish {
  outcome: ExecutionOutcome;
  counts?: Record<string, number> | undefined;
  error?: string | null | undefined;
}

export interface ExecutionRow {
  id: string;
  interfaceId: number;
  function: InterfaceFunction;
  workflowId: string;
  runId: string;
  startedAt: string;
  endedAt: string | null;
  outcome: ExecutionOutcome | null;
  counts: Record<string, number>;
  error: string | null;
}

/** One line of an error e-mail: which item failed and why (no personal data: ids, field names, messages). */
export interface ExecutionErrorItem {
  itemKind: string;
  itemId: string;
  field: string | null;
  message: string;
}
