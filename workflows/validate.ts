// The start contract, enforced inside the workflows. S-360 starts and signals them with any Temporal client (the
// official `temporal` CLI included), so the edge checks of the CLI and the schedules are not enough: a wrong input
// used to fail a workflow task (retried without end), or reach an activity that retried it while the run held its
// interface's execution lock. Each workflow checks its input first, before any activity, and fails the run at once
// with a non-retryable ApplicationFailure of type InvalidInput naming the field; each signal handler drops a wrong
// argument with a warning. An input or argument the worker could not decrypt (sent by a client with another codec
// key) arrives as the codec's `$undecryptable` marker: the run fails with UndecryptableInput naming the key id, the
// signal is dropped with a warning naming it (never the payload: the worker cannot read it anyway).
//
// The schemas are contract/start-contract.ts itself (its buildStartContract), not a copy: one source of truth for
// the CLI, the JSON Schema document and the workflows. zod is pure (a parse depends on the value alone), so this is
// deterministic; and for a valid input it adds no command, so recorded histories replay unchanged.
//
// This module is preloaded (workflows/preload.ts): evaluated once per worker and shared by every workflow, with the
// schemas it builds, instead of zod and the contract evaluated again in each workflow (about 4 MB of heap per cached
// workflow and most of a ticket workflow's first-task CPU; docs/benchmarks.md "On-sale scale"). The SDK freezes a
// preloaded module's exports, so the schemas stay private here and workflows name them instead of importing them
// (a frozen zod schema fails when zod fills one of its lazy fields).
import { ApplicationFailure, log } from '@temporalio/workflow';
import type { z } from 'zod';
import { ERR_INVALID_INPUT, ERR_UNDECRYPTABLE_INPUT } from '../common/errors';
import { undecryptable } from '../common/undecryptable';
import { buildStartContract, contractProblem } from '../contract/start-contract';

const contract = buildStartContract();
const functionRun = contract.functionRunWorkflowInputSchema;
/** The input schema of each workflow type. */
const INPUTS = {
  injectTickets: functionRun,
  pushCancelled: functionRun,
  pushControlled: functionRun,
  feedbackSync: functionRun,
  injectPrivileges: functionRun,
  ticketLifecycle: contract.ticketLifecycleWorkflowInputSchema,
  privilegeLifecycle: contract.privilegeLifecycleWorkflowInputSchema,
  injectionFanout: contract.injectionFanoutInputSchema,
  deletionWaiter: contract.deletionWaiterInputSchema,
} satisfies Record<string, z.ZodType>;
/** The argument schema of each checked signal. */
const SIGNALS = {
  ticketEvent: contract.ticketEventSchema,
  cardEvent: contract.cardEventSchema,
  cancel: contract.cancelRequestSchema.optional(),
  control: contract.controlRequestSchema.optional(),
} satisfies Record<string, z.ZodType>;
export type CheckedWorkflowType = keyof typeof INPUTS;
export type CheckedSignalName = keyof typeof SIGNALS;

/** What to do about a payload encrypted with a key this worker does not hold (no payload content: ids only). */
function keyProblem(what: string, m: { keyId: string; reason: 'unknown-key' | 'damaged' }): string {
  return m.reason === 'damaged'
    ? `${what} is encrypted with codec key id '${m.keyId}' but does not decrypt with this worker's key of that id (another key under the same S360_CODEC_KEY_ID, or damaged data)`
    : `${what} is encrypted with codec key id '${m.keyId}', which this worker does not hold: the client that sent it uses another codec key (another S360_CODEC_KEY, or another DATA_DIR with a generated key); give it the workers' S360_CODEC_KEY, or add that key to the workers' S360_CODEC_OLD_KEYS as ${m.keyId}:<key>`;
}

/**
 * Throws InvalidInput (non-retryable: the same input fails the same way) unless `input` fits `schema`; an input the
 * worker could not decrypt (the codec's `$undecryptable` marker) throws UndecryptableInput, naming the key id.
 */
export function checkInput(workflowType: CheckedWorkflowType, input: unknown): void {
  const locked = undecryptable(input);
  if (locked) {
    const message = `${workflowType}: ${keyProblem('the input', locked)}`;
    log.warn(message, { keyId: locked.keyId, reason: locked.reason });
    throw ApplicationFailure.create({ type: ERR_UNDECRYPTABLE_INPUT, message, nonRetryable: true });
  }
  const problem = contractProblem(INPUTS[workflowType], input);
  if (problem === undefined) return;
  throw ApplicationFailure.create({ type: ERR_INVALID_INPUT, message: `${workflowType}: invalid input: ${problem}`, nonRetryable: true });
}

/**
 * Wraps a signal handler: an argument that does not fit `schema` is dropped with a warning naming the signal and
 * the field. Signals have no validator in Temporal (only updates do), so dropping is the only refusal; failing the
 * workflow over one wrong signal would lose a good ticket's lifecycle.
 */
export function checkedSignal<A>(signalName: CheckedSignalName, handler: (arg: A) => void): (arg: A) => void {
  const schema: z.ZodType = SIGNALS[signalName];
  return (arg: A) => {
    const locked = undecryptable(arg);
    if (locked) {
      log.warn(`signal ${signalName} dropped: ${keyProblem('its argument', locked)}`, { signal: signalName, keyId: locked.keyId, reason: locked.reason });
      return;
    }
    const problem = contractProblem(schema, arg);
    if (problem !== undefined) {
      log.warn(`signal ${signalName} dropped: invalid argument: ${problem}`, { signal: signalName, problem });
      return;
    }
    handler(arg);
  };
}
