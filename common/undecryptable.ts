// What a worker reads in place of a payload it cannot decrypt (codec/encryption-codec.ts, worker mode): a payload
// encrypted with a codec key id the worker does not hold (a client with another S360_CODEC_KEY or DATA_DIR), or
// damaged. The workflows refuse it at their entry (workflows/validate.ts): the run fails at once, naming the key id,
// instead of its workflow task failing forever. Nothing of the payload is in it.

export const UNDECRYPTABLE = '$undecryptable';

export interface UndecryptableMarker {
  [UNDECRYPTABLE]: {
    /** The key id in the payload's metadata ('' when it had none). */
    keyId: string;
    /** unknown-key: not one of this process's keys; damaged: a known key id, but the data does not decrypt. */
    reason: 'unknown-key' | 'damaged';
  };
}

/** The marker's details when `v` is one, else undefined. */
export function undecryptable(v: unknown): UndecryptableMarker[typeof UNDECRYPTABLE] | undefined {
  if (typeof v !== 'object' || v === null || !(UNDECRYPTABLE in v)) return undefined;
  const m = (v as Record<string, unknown>)[UNDECRYPTABLE];
  if (typeof m !== 'object' || m === null) return undefined;
  const { keyId, reason } = m as Record<string, unknown>;
  return { keyId: typeof keyId === 'string' ? keyId : '', reason: reason === 'damaged' ? 'damaged' : 'unknown-key' };
}
