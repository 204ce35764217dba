// TIXNGO statuses as reported -> the V3 lifecycle vocabulary S-360 and the workflows use (domain reference §6.1-6.4;
// the table is in docs/tixngo-api.md). Pure module: no I/O, safe in the workflow sandbox.
import { TIXNGO_STATUSES, type TixngoStatus } from '../common/domain';

const V3: ReadonlySet<string> = new Set(TIXNGO_STATUSES);

/**
 * Statuses of the other generations that mean a V3 status (§6.2 history mode, §6.3 V4). Values both generations
 * share (INJECTED, DOWNLOADED, ACTIVATED, TRANSFERRED, CONTROLLED, DELETION_PENDING, DELETED, PENDING_TRANSFER)
 * are V3 values already and map to themselves.
 */
export const STATUS_ALIASES: Readonly<Record<string, TixngoStatus>> = {
  /** V4: injected, never downloaded. */
  NOT_DOWNLOADED: 'INJECTED',
  /** History mode: in the spectator's wallet. */
  RECEIVED: 'DOWNLOADED',
  /** History mode: a transfer is pending. */
  TRANSFER_PENDING: 'PENDING_TRANSFER',
};

/** The V3 status a reported status means, or undefined for a status this bridge does not know. */
export function toTixngoStatus(reported: string | undefined | null): TixngoStatus | undefined {
  if (reported === undefined || reported === null) return undefined;
  if (V3.has(reported)) return reported as TixngoStatus;
  return Object.hasOwn(STATUS_ALIASES, reported) ? STATUS_ALIASES[reported] : undefined;
}

/** At most this many characters of a reported status are stored, logged or used as a metric label. */
export const MAX_REPORTED_STATUS_LENGTH = 64;

/** A reported status fit for a log line, a database column or a metric label: bounded, printable. */
export function boundedStatus(reported: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach a log line
  const clean = reported.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > MAX_REPORTED_STATUS_LENGTH ? `${clean.slice(0, MAX_REPORTED_STATUS_LENGTH - 1)}…` : clean;
}
