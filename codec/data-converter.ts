// The one data converter of the product, shared by the Client (temporal/connection.ts), every Worker
// (workers/worker.ts), the replay tests and the test environment: AES-256-GCM payload codec + failure messages
// encoded as payloads. Built once per process and key configuration (memoised).
import type { DataConverter } from '@temporalio/common';
import { loadConfig } from '../config';
import { EncryptionCodec } from './encryption-codec';
import { loadCodecKeys, type CodecKeyConfig } from './keys';

/** Path of the failure converter module (loaded by path: it also runs inside the workflow sandbox). */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

const cache = new Map<string, { codec: EncryptionCodec; dataConverter: DataConverter }>();

function entry(config: CodecKeyConfig, undecryptable: 'throw' | 'marker' = 'throw') {
  const k = JSON.stringify([config.S360_CODEC_KEY ?? null, config.S360_CODEC_KEY_ID ?? null, config.S360_CODEC_OLD_KEYS ?? null, config.S360_CODEC_KEY ? null : config.dataDir, undecryptable]);
  let hit = cache.get(k);
  if (!hit) {
    const codec = new EncryptionCodec(loadCodecKeys(config), { undecryptable });
    hit = { codec, dataConverter: { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH } };
    cache.set(k, hit);
  }
  return hit;
}

/** The data converter for this process's configuration (default: the environment). */
export function getDataConverter(config: CodecKeyConfig = loadConfig()): DataConverter {
  return entry(config).dataConverter;
}

/**
 * The workers' data converter: as getDataConverter(), except that a payload the worker cannot decrypt (another
 * client's key) is read as the `$undecryptable` marker, which the workflows refuse at entry with a clear,
 * non-retryable failure naming the key id (workflows/validate.ts), instead of a workflow task failing forever.
 */
export function getWorkerDataConverter(config: CodecKeyConfig = loadConfig()): DataConverter {
  return entry(config, 'marker').dataConverter;
}

/** The payload codec inside getDataConverter() (the codec server uses it directly). */
export function getPayloadCodec(config: CodecKeyConfig = loadConfig()): EncryptionCodec {
  return entry(config).codec;
}
