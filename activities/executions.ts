// The bookkeeping of a function run: its interface, and its S-360 execution row (one run per function and interface).
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ERR_ALREADY_RUNNING } from '../common/errors';
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

    async finishExecution({ executionId, outcome, counts, error }) {
      await repo.finishExecution(executionId, { outcome, counts: { ...counts }, error });
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
