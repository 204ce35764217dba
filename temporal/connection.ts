// Temporal client connection and namespace setup (search attributes), shared by the CLI, dev and workers.
import { Client, Connection } from '@temporalio/client';
import { getDataConverter } from '../codec/data-converter';
import type { CodecKeyConfig } from '../codec/keys';
import { ALL_SEARCH_ATTRIBUTES } from '../common/search-attributes';
import type { Config } from '../config';

/** A client with the product's data converter (payloads encrypted with the codec key, see codec/). */
export async function connectClient(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'> & CodecKeyConfig): Promise<Client> {
  const dataConverter = getDataConverter(config); // before connecting: a bad key leaves nothing open
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS, connectTimeout: '10s' });
  } catch (err) {
    throw new Error(`cannot reach Temporal at TEMPORAL_ADDRESS=${config.TEMPORAL_ADDRESS}: ${(err as Error).message}`, { cause: err });
  }
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });
}

/** Numeric IndexedValueType of the operator API for each of our search attribute types. */
const INDEXED_VALUE_TYPE: Record<string, number> = { TEXT: 1, KEYWORD: 2, INT: 3, DOUBLE: 4, BOOL: 5, DATETIME: 6, KEYWORD_LIST: 7 };

/**
 * Registers every custom search attribute the product uses on the namespace. Idempotent: attributes that
 * already exist with the right type are left alone; one that exists with another type is an error.
 */
export async function registerSearchAttributes(client: Client, namespace: string): Promise<{ created: string[]; existing: string[] }> {
  const op = client.connection.operatorService;
  const current = await op.listSearchAttributes({ namespace });
  const have = current.customAttributes ?? {};
  const missing: Record<string, number> = {};
  const existing: string[] = [];
  for (const key of ALL_SEARCH_ATTRIBUTES) {
    const want = INDEXED_VALUE_TYPE[key.type]!;
    if (key.name in have) {
      if (Number(have[key.name]) !== want) throw new Error(`search attribute ${key.name} exists on namespace ${namespace} with another type; expected ${key.type}`);
      existing.push(key.name);
    } else missing[key.name] = want;
  }
  if (Object.keys(missing).length) {
    await op.addSearchAttributes({ namespace, searchAttributes: missing });
  }
  return { created: Object.keys(missing), existing };
}
