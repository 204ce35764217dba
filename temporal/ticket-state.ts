// Reads a ticket workflow's state for people (`ticket show`), dormant ticket workflows included.
//
// A ticket workflow started by its injection is dormant (activities/fanout.ts, TICKET_DORMANT_DAYS): it exists and
// is searchable, but has run no workflow task yet, so the server cannot answer a query ("Workflow task is not
// scheduled yet"). Its state is then the one it was started in, which its search attributes hold (they are set at
// the start, and only the workflow itself changes them): that is what this returns, marked `dormant`.
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import type { S360TicketStatus, TixngoStatus } from '../common/domain';
import type { LifecycleStep, TicketState } from '../common/lifecycle';
import { LifecycleStepKey, NeedsAttentionKey, S360StatusKey, TixngoStatusKey } from '../common/search-attributes';
import { getStateQuery } from '../workflows/messages';

export interface DormantInfo {
  /** When the workflow was started (its injection). */
  since: string;
  /** When it runs its first workflow task if no event wakes it first. */
  wakesAt?: string;
  /** Events recorded in its history and not yet processed (plain signals do not wake it; signal-with-start does). */
  waitingEvents: number;
}

/** Started with a start delay (TICKET_DORMANT_DAYS): it may not have run a workflow task yet. */
export function startedDormant(d: WorkflowExecutionDescription): boolean {
  return d.status.name === 'RUNNING' && !!d.executionTime && d.executionTime.getTime() > d.startTime.getTime();
}

/** The server's answer to a query on a workflow whose first workflow task is still behind its start delay. */
export function isNotScheduledYet(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (/workflow task is not scheduled yet/i.test(e.message)) return true;
  return false;
}

/** The state the workflow was started in, from its search attributes (what a dormant workflow answers). */
export function dormantTicketState(d: WorkflowExecutionDescription): TicketState {
  const sa = d.typedSearchAttributes;
  return {
    step: (sa.get(LifecycleStepKey) ?? 'AWAITING_INJECTION') as LifecycleStep,
    s360Status: sa.get(S360StatusKey) as S360TicketStatus | undefined,
    tixngoStatus: sa.get(TixngoStatusKey) as TixngoStatus | undefined,
    needsAttention: sa.get(NeedsAttentionKey) ?? false,
    deletionPolls: 0,
    retries: 0,
    updatedAt: d.startTime.toISOString(),
  };
}

/** The running ticket workflow's state: its getState query, or for a dormant one its start state. */
export async function readTicketState(client: Client, workflowId: string, d: WorkflowExecutionDescription): Promise<{ state: TicketState; dormant?: DormantInfo }> {
  try {
    return { state: await client.workflow.getHandle(workflowId, d.runId).query(getStateQuery) };
  } catch (err) {
    if (!startedDormant(d) || !isNotScheduledYet(err)) throw err;
    return {
      state: dormantTicketState(d),
      dormant: { since: d.startTime.toISOString(), wakesAt: d.executionTime?.toISOString(), waitingEvents: Math.max(0, d.historyLength - 1) },
    };
  }
}
