// Loaded by path (DataConverter.failureConverterPath) into workers, the workflow sandbox and clients: failure
// messages and stack traces go into an encoded-attributes payload, so the payload codec encrypts them too (a
// TIXNGO error text may echo the data it refused). The failure `type` stays readable. Sandbox-safe: no Node
// builtins here.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
