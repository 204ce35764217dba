// Temporal client connection and namespace setup (search attributes), shared by the CLI, dev and workers.
// Every connection the product opens (client, worker's native connection, benchmark) takes its options from
// temporalConnectionOptions(): address, TLS (CA, client certificate, server name) and API key from the validated
// configuration (config/temporal-tls.ts). With none of those variables set it is the plain connection to the dev server.
import { Client, Connection } from '@temporalio/client';
import { getDataConverter } from '../codec/data-converter';
import type { CodecKeyConfig } from '../codec/keys';
import { ALL_SEARCH_ATTRIBUTES } from '../common/search-attributes';
import type { Config } from '../config';
import { temporalUsesTls } from '../config/temporal-tls';
import { connectionError } from './connection-errors';

export { TemporalConnectionError } from './connection-errors';

/** What a connection needs from the configuration: address and namespace, and optionally TLS and the API key. */
export type TemporalConnectionConfig = Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'> &
  Partial<Pick<Config, 'TEMPORAL_TLS' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_SERVER_NAME' | 'TEMPORAL_API_KEY'>>;

/** The options both Connection.connect (client) and NativeConnection.connect (worker) take. */
export interface TemporalConnectionOptions {
  address: string;
  /** false: plain gRPC (the dev server). */
  tls:
    | false
    | {
        serverRootCACertificate?: Buffer;
        clientCertPair?: { crt: Buffer; key: Buffer };
        serverNameOverride?: string;
      };
  apiKey?: string;
  metadata?: Record<string, string>;
}

/**
 * The connection options from the validated configuration. TLS is on when TEMPORAL_TLS says so or, unset, as soon
 * as a TEMPORAL_TLS_* variable or TEMPORAL_API_KEY is set (Temporal Cloud takes API keys over TLS only); with an API
 * key, the namespace also travels as the `temporal-namespace` header, as Temporal Cloud's API-key endpoints expect.
 * The result holds the private key and the API key: pass it to the SDK, never to a log.
 */
export function temporalConnectionOptions(config: TemporalConnectionConfig): TemporalConnectionOptions {
  const opts: TemporalConnectionOptions = { address: config.TEMPORAL_ADDRESS, tls: false };
  if (temporalUsesTls(config)) {
    opts.tls = {
      ...(config.TEMPORAL_TLS_CA ? { serverRootCACertificate: config.TEMPORAL_TLS_CA.pem } : {}),
      ...(config.TEMPORAL_TLS_CERT && config.TEMPORAL_TLS_KEY ? { clientCertPair: { crt: config.TEMPORAL_TLS_CERT.pem, key: config.TEMPORAL_TLS_KEY.pem.reveal() } } : {}),
      ...(config.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME } : {}),
    };
  }
  if (config.TEMPORAL_API_KEY) {
    opts.apiKey = config.TEMPORAL_API_KEY.reveal();
    opts.metadata = { 'temporal-namespace': config.TEMPORAL_NAMESPACE };
  }
  return opts;
}

/**
 * Runs `connect`; on failure throws a TemporalConnectionError whose message is one line naming the variable to fix
 * (TEMPORAL_TLS_CA, TEMPORAL_TLS_CERT, TEMPORAL_API_KEY, TEMPORAL_ADDRESS, ...), found by probing the server.
 */
export async function connectExplained<T>(config: TemporalConnectionConfig, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (err) {
    throw await connectionError(config, err);
  }
}

/** A client with the product's data converter (payloads encrypted with the codec key, see codec/). */
export async function connectClient(config: TemporalConnectionConfig & CodecKeyConfig): Promise<Client> {
  const dataConverter = getDataConverter(config); // before connecting: a bad key leaves nothing open
  const connection = await connectExplained(config, () => Connection.connect({ ...temporalConnectionOptions(config), connectTimeout: '10s' }));
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
