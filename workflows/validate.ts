// The start contract, enforced inside the workflows. S-360 starts and signals them with any Temporal client (the
// official `temporal` CLI included), so the edge checks of the CLI and the schedules are not enough: a wrong input
// used to fail a workflow task (retried without end), or reach an activity that retried it while the run held its
// interface's execution lock. Each workflow checks its input first, before any activity, and fails the run at once
// with a non-retryable ApplicationFailure of type InvalidInput naming the field; each signal handler drops a wrong
// argument with a warning.
//
// The schemas are contract/start-contract.ts itself, imported into the sandbox, not a copy: one source of truth
// for the CLI, the JSON Schema document and the workflows. zod is pure (a parse depends on the value alone), so
// this is deterministic; and for a valid input it adds no command, so recorded histories replay unchanged.
import { ApplicationFailure, log } from '@temporalio/workflow';
import type { z } from 'zod';
import { ERR_INVALID_INPUT } from '../common/errors';
import { contractProblem } from '../contract/start-contract';

/** Throws InvalidInput (non-retryable: the same input fails the same way) unless `input` fits `schema`. */
export function checkInput(workflowType: string, schema: z.ZodType, input: unknown): void {
  const problem = contractProblem(schema, input);
  if (problem === undefined) return;
  throw ApplicationFailure.create({ type: ERR_INVALID_INPUT, message: `${workflowType}: invalid input: ${problem}`, nonRetryable: true });
}

/**
 * Wraps a signal handler: an argument that does not fit `schema` is dropped with a warning naming the signal and
 * the field. Signals have no validator in Temporal (only updates do), so dropping is the only refusal; failing the
 * workflow over one wrong signal would lose a good ticket's lifecycle.
 */
export function checkedSignal<A>(signalName: string, schema: z.ZodType, handler: (arg: A) => void): (arg: A) => void {
  return (arg: A) => {
    const problem = contractProblem(schema, arg);
    if (problem !== undefined) {
      log.warn(`signal ${signalName} dropped: invalid argument: ${problem}`, { signal: signalName, problem });
      return;
    }
    handler(arg);
  };
}
