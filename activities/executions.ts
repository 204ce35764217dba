// The bookkeeping of a function run: its interface, and its S-360 execution row (one run per function and interface).
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ERR_ALREADY_RUNNING } from '../common/errors';
import { splitTicketRefs } from '../contract/function-params';
import type { ActivityContext } from './context';
import type { Activities, InterfaceInfo } from './types';

export function createExecutionActivities(ctx: ActivityContext): Pick<Activities, 'resolveInterface' | 'startExecution' | 'finishExecution'> {
  const { repo, deps } = ctx;
  return {
    async resolveInterface(name): Promise<InterfaceInfo> {
      const row = await ctx.iface(name);
      const kr = row.customParams.killRatio;
      const killRatio = typeof kr === 'number' ? kr : typeof kr === 'string' && kr.trim() !== '' ? Number(kr) : undefined;
      return { interfaceId: String(row.id), name: row.name, batchSizes: row.settings, killRatio: Number.isFinite(killRatio) ? killRatio : undefined };
    },

    async startExecution({ interfaceName, fn, workflowId, runId }) {
      const row = await ctx.iface(interfaceName);
      // One run of a function per interface at a time (§3.6): a manual run and a scheduled one have different
      // workflow ids (the schedule appends its time), so the id alone does not keep them apart; S-360 does.
      const r = await repo.startExclusiveExecution({ interfaceId: row.id, fn, workflowId, runId }, (id) => workflowRunning(deps.client, id));
      if ('running' in r) {
        throw ApplicationFailure.create({
          type: ERR_ALREADY_RUNNING,
          nonRetryable: true,
          message: `${fn} is already running on interface '${row.name}' (workflow ${r.running.workflowId}, started ${r.running.startedAt}); this run did nothing`,
        });
      }
      return r.started;
    },

    async finishExecution({ executionId, outcome, counts, error, openErrors }) {
      if (!openErrors) {
        await repo.finishExecution(executionId, { outcome, counts: { ...counts }, error });
        return undefined;
      }
      // Errors of ticket workflows (a deletion never confirmed, a retry that failed again) belong to no run: no run
      // selects those tickets again, so without this the function would report OK while they wait for a person.
      const row = await ctx.iface(openErrors.interfaceName);
      if (openErrors.skipTickets?.length) {
        // Skipping a ticket is the operator's way to drop its error (§3.0 "until someone skips the bad tickets").
        const skipped = await repo.resolveTicketRefs(row.id, splitTicketRefs(openErrors.skipTickets));
        await repo.resolveErrors(row.id, openErrors.fn, 'ticket', skipped);
      }
      const open = await repo.listWorkflowErrors(row.id, openErrors.fn, { eventCode: openErrors.eventCode, limit: 1 });
      const final = open.total > 0 ? 'ERROR' : outcome;
      await repo.finishExecution(executionId, { outcome: final, counts: { ...counts }, error });
      return { outcome: final, openWorkflowErrors: open.total };
    },
  };
}

/** Whether the latest run of a workflow id is running (not found: no). */
async function workflowRunning(client: Client, workflowId: string): Promise<boolean> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return d.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
