// Error type names used in ApplicationFailure.type, retry policies (nonRetryableErrorTypes) and tests.
// Strings, never class names: class names do not survive minification and are not a contract.

/** Network error, timeout or 5xx from TIXNGO: retry with backoff. */
export const ERR_TIXNGO_TRANSIENT = 'TixngoTransient';
/** 429 from TIXNGO: retry after the Retry-After delay. */
export const ERR_TIXNGO_RATE_LIMITED = 'TixngoRateLimited';
/** 4xx validation error: the data is wrong; retrying the same data cannot help. */
export const ERR_TIXNGO_REJECTED = 'TixngoRejected';
/** 401/403: wrong login or API key; stops the function. */
export const ERR_TIXNGO_UNAUTHORIZED = 'TixngoUnauthorized';
/** 404 from TIXNGO. */
export const ERR_TIXNGO_NOT_FOUND = 'TixngoNotFound';
/** 409: TIXNGO refuses a transition (e.g. control of a deleted ticket). */
export const ERR_TIXNGO_CONFLICT = 'TixngoConflict';
/** A response that does not match the contract (malformed JSON, missing field). */
export const ERR_TIXNGO_BAD_RESPONSE = 'TixngoBadResponse';
/** S-360 data that cannot be sent (missing mandatory field) - names the ticket and the field. */
export const ERR_INVALID_TICKET_DATA = 'InvalidTicketData';
/** Misconfiguration (unknown interface, bad URL, missing key). */
export const ERR_CONFIG = 'ConfigError';
/** The run's failure ratio exceeded killRatio. */
export const ERR_KILL_RATIO = 'KillRatioExceeded';

/**
 * A workflow input or signal argument outside the start contract (contract/start-contract.ts); the message names
 * the field. The run fails at once, before any activity (so it takes no execution lock).
 */
export const ERR_INVALID_INPUT = 'InvalidInput';
/**
 * A workflow input encrypted with a codec key the worker does not hold (a client with another S360_CODEC_KEY or
 * DATA_DIR): the run fails at once, naming the key id, before any activity.
 */
export const ERR_UNDECRYPTABLE_INPUT = 'UndecryptableInput';
/** An event, interface, execution or product code asked for by name that S-360 does not have (db NotFoundError). */
export const ERR_NOT_FOUND = 'NotFound';

/** Another run of the same function on the same interface is still running (one at a time, §3.6). */
export const ERR_ALREADY_RUNNING = 'FunctionAlreadyRunning';

/** Errors that no automatic retry can fix. */
export const NON_RETRYABLE_ERROR_TYPES = [
  ERR_ALREADY_RUNNING,
  ERR_TIXNGO_REJECTED,
  ERR_TIXNGO_UNAUTHORIZED,
  ERR_TIXNGO_NOT_FOUND,
  ERR_TIXNGO_CONFLICT,
  ERR_INVALID_TICKET_DATA,
  ERR_CONFIG,
  ERR_KILL_RATIO,
  ERR_INVALID_INPUT,
  ERR_NOT_FOUND,
];
/** TIXNGO did not confirm a deletion within the configured bound. */
export const ERR_DELETION_NOT_CONFIRMED = 'DeletionNotConfirmed';
/** A ticket the lifecycle expected to act on is not in the state S-360 or TIXNGO needs for it. */
export const ERR_NOT_ELIGIBLE = 'NotEligible';

/** A retry was requested but the ticket or card has nothing to retry (the requestRetry update's validator refuses it). */
export const ERR_NOTHING_TO_RETRY = 'NothingToRetry';
/** TIXNGO deleted (or is deleting) a ticket that S-360 still has valid: nobody here asked for it (feedback). */
export const ERR_UNEXPECTED_DELETION = 'UnexpectedDeletion';
