// Domain vocabulary shared by every side (workflows, activities, CLI, simulator).
// Pure: no I/O, no Node builtins, safe inside the workflow sandbox.

/** S-360 ticket statuses (domain reference §6.4, §10). */
export const S360_TICKET_STATUSES = ['NOT_PRINTED', 'PRINTED', 'CONTROLLED', 'CANCELLED', 'INVALIDATED'] as const;
export type S360TicketStatus = (typeof S360_TICKET_STATUSES)[number];

/** S-360 card statuses (membership and season-ticket cards, §3.5). */
export const S360_CARD_STATUSES = ['NOT_PRINTED', 'PRINTED', 'CANCELLED'] as const;
export type S360CardStatus = (typeof S360_CARD_STATUSES)[number];

/** Product kinds injected as tickets attached to a TIXNGO event (§1.2). */
export const PRODUCT_KINDS = ['event', 'match', 'open-pass', 'service'] as const;
export type ProductKind = (typeof PRODUCT_KINDS)[number];

/** Holder fields a function can require before injecting (§3.1.1): tickets whose beneficiary lacks one wait. */
export const HOLDER_FIELDS = ['FIRSTNAME', 'LASTNAME', 'BIRTHDATE', 'ID_NUMBER', 'COUNTRY_CODE', 'BIRTH_REGION', 'BIRTH_PLACE'] as const;
export type HolderField = (typeof HOLDER_FIELDS)[number];

/** Card kinds injected as digital privileges (§1.2, §3.5). */
export const CARD_KINDS = ['membership', 'season'] as const;
export type CardKind = (typeof CARD_KINDS)[number];

/** TIXNGO V3 lifecycle statuses, as the API reports them (§6.1). */
export const TIXNGO_STATUSES = [
  'INJECTED',
  'DOWNLOADED',
  'ASSIGNED',
  'CONTROLLED',
  'PENDING_TRANSFER',
  'FAILURE_TRANSFER',
  'TRANSFERRED',
  'BT_ACTIVATED',
  'MANUAL_ACTIVATED',
  'OFFLINE_ACTIVATED',
  'ONLINE_ACTIVATED',
  'DELETION_PENDING',
  'DELETED',
  'ACTIVATED',
  'DEACTIVATED',
  'DEFAULT',
  'INVALID',
  'PENDING',
  'FAILURE',
] as const;
export type TixngoStatus = (typeof TIXNGO_STATUSES)[number];

/** The five interface functions (§1.3). */
export const INTERFACE_FUNCTIONS = ['INJECTION', 'FEEDBACK', 'PUSH_CANCELLED', 'PUSH_CONTROLLED', 'PRIVILEGES_INJECTION'] as const;
export type InterfaceFunction = (typeof INTERFACE_FUNCTIONS)[number];

/** Outcome of one function execution (§3.0). */
export const EXECUTION_OUTCOMES = ['OK', 'WARNING', 'ERROR'] as const;
export type ExecutionOutcome = (typeof EXECUTION_OUTCOMES)[number];

/** The interface URL must end with this (§2.1). */
export const INTERFACE_URL_SUFFIX = 'organizer/tickets';
