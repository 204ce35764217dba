// How the S-360 function parameters select tickets (pure, unit tested).
import type { HolderField } from '../common/domain';
import type { FunctionParams } from '../common/functions';
import { splitTicketRefs } from '../contract/function-params';
import type { TicketPayloadRow } from '../db/types';

/** The schedule's filters (§3.1.1): combined with AND; a file number overrides all of them. */
export function matchesFilters(row: TicketPayloadRow, p: FunctionParams | undefined): boolean {
  if (!p) return true;
  if (p.fileNumber !== undefined) return row.fileNumber === p.fileNumber;
  if (p.performances && !p.performances.includes(row.performance.code)) return false;
  if (p.productKinds && !p.productKinds.includes(row.performance.productKind)) return false;
  if (p.tariffs && !(row.tariff !== null && p.tariffs.includes(row.tariff))) return false;
  if (p.categories && !(row.category !== null && p.categories.includes(row.category))) return false;
  if (p.shipmentModes && !p.shipmentModes.includes(row.shipmentMode)) return false;
  return true;
}

/** A predicate for the skip list (`id:<S-360 id>` or ticket number). */
export function skipper(p: FunctionParams | undefined): (row: { id: string; taxNumber?: string }) => boolean {
  const { ids, taxNumbers } = splitTicketRefs(p?.skipTickets);
  const idSet = new Set(ids);
  const taxSet = new Set(taxNumbers);
  return (row) => idSet.has(row.id) || (row.taxNumber !== undefined && taxSet.has(row.taxNumber));
}

const HOLDER_VALUE: Record<HolderField, (r: TicketPayloadRow) => string | null> = {
  FIRSTNAME: (r) => r.holder.firstName,
  LASTNAME: (r) => r.holder.lastName,
  BIRTHDATE: (r) => r.holder.birthdate,
  ID_NUMBER: (r) => r.holder.idNumber,
  COUNTRY_CODE: (r) => r.holder.countryCode,
  BIRTH_REGION: (r) => r.holder.birthRegion,
  BIRTH_PLACE: (r) => r.holder.birthPlace,
};

/** The mandatory ticket-holder fields this ticket's beneficiary lacks (§3.1.1: such tickets wait, silently). */
export function missingHolderFields(row: TicketPayloadRow, fields: readonly HolderField[] | undefined): HolderField[] {
  return (fields ?? []).filter((f) => !HOLDER_VALUE[f](row)?.trim());
}

/** Splits a list into chunks of at most `size` (ticketIterationSize). */
export function chunks<T>(items: readonly T[], size: number | undefined): T[][] {
  const n = size && size > 0 ? size : items.length || 1;
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
}
