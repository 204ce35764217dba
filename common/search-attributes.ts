// Custom search attributes: declared once, typed, registered by `setup`, `npm start` and the test runner.
// They are not encrypted: ids and statuses only, never personal data.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const TicketIdKey = defineSearchAttributeKey('TicketId', SearchAttributeType.KEYWORD);
export const CardIdKey = defineSearchAttributeKey('CardId', SearchAttributeType.KEYWORD);
export const EventCodeKey = defineSearchAttributeKey('EventCode', SearchAttributeType.KEYWORD);
export const InterfaceNameKey = defineSearchAttributeKey('InterfaceName', SearchAttributeType.KEYWORD);
export const S360StatusKey = defineSearchAttributeKey('S360Status', SearchAttributeType.KEYWORD);
export const TixngoStatusKey = defineSearchAttributeKey('TixngoStatus', SearchAttributeType.KEYWORD);
export const LifecycleStepKey = defineSearchAttributeKey('LifecycleStep', SearchAttributeType.KEYWORD);
export const NeedsAttentionKey = defineSearchAttributeKey('NeedsAttention', SearchAttributeType.BOOL);
export const InterfaceFunctionKey = defineSearchAttributeKey('InterfaceFunction', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [
  TicketIdKey,
  CardIdKey,
  EventCodeKey,
  InterfaceNameKey,
  S360StatusKey,
  TixngoStatusKey,
  LifecycleStepKey,
  NeedsAttentionKey,
  InterfaceFunctionKey,
] as const;

/** Name -> CLI type name, as `temporal operator search-attribute create --type` and `start-dev --search-attribute` take them. */
export function searchAttributeCliSpecs(): { name: string; type: string }[] {
  const cliType: Record<string, string> = { KEYWORD: 'Keyword', BOOL: 'Bool', TEXT: 'Text', INT: 'Int', DOUBLE: 'Double', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList' };
  return ALL_SEARCH_ATTRIBUTES.map((k) => ({ name: k.name, type: cliType[k.type] ?? 'Keyword' }));
}
