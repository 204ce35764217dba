// The deletion waiter's activities (workflows/deletion-waiter.ts): confirm a push run's deletions in bulk, and wake
// the waiters when feedback sees deletions.
//
// pollDeletions reads the run's tickets still not DELETED in S-360 (PUSH_CANCELLED markers of the execution, from
// S-360's database: no ticket list travels through the workflow), asks TIXNGO for them by id with one
// `tickets/search` call per 1,000, signals the ticket workflows whose status is no longer DELETION_PENDING, then
// stores every status read in the mobile view as feedback stores it. Signals go before the write: a retry after a
// crash in between finds the status still unstored and signals again, which the ticket workflow ignores (same
// version); the other order could store DELETED and never tell the workflow.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { TixngoStatus } from '../common/domain';
import { ticketWorkflowId } from '../common/ids';
import { toTixngoStatus } from '../tixngo/statuses';
import { ticketEventSignal, wakeDeletionWaiterSignal } from '../workflows/messages';
import type { ActivityContext } from './context';
import { toFailure } from './failures';
import { mapLimit } from './fanout';
import { ticketChange } from './feedback';
import type { Activities, PollDeletionsResult } from './types';

/** Tickets per TIXNGO read: one `tickets/search` call per 1,000 pending tickets and round. */
export const DELETION_READ_SIZE = 1_000;

interface Resumed {
  lastId?: string;
  pending: number;
  confirmed: number;
  signalled: number;
  tixngoCalls: number;
  read: number;
}

export function createDeletionActivities(ctx: ActivityContext): Pick<Activities, 'pollDeletions' | 'wakeDeletionWaiters'> {
  const { repo, deps } = ctx;
  return {
    async pollDeletions({ interfaceName, executionId, afterId, maxTickets, countTotal }) {
      const activity = Context.current();
      const row = await ctx.iface(interfaceName);
      const client = await ctx.tixngo(row);
      const total = countTotal ? await repo.countPushedInRun(row.id, 'PUSH_CANCELLED', executionId) : undefined;
      const resumed = activity.info.heartbeatDetails as Resumed | undefined;
      const acc: Resumed = resumed ?? { lastId: afterId, pending: 0, confirmed: 0, signalled: 0, tixngoCalls: 0, read: 0 };
      const budget = maxTickets ?? 10_000;
      const result = (done: boolean): PollDeletionsResult => ({
        ...(total !== undefined ? { total } : {}),
        pending: acc.pending,
        confirmed: acc.confirmed,
        signalled: acc.signalled,
        tixngoCalls: acc.tixngoCalls,
        ...(acc.lastId !== undefined ? { lastId: acc.lastId } : {}),
        done,
      });
      for (;;) {
        const todo = Math.min(DELETION_READ_SIZE, budget - acc.read);
        if (todo <= 0) return result(false);
        const page = await repo.selectPendingDeletionsInRun(row.id, executionId, acc.lastId, todo);
        if (page.length === 0) return result(true);
        let found;
        try {
          found = await client.getTickets(page.map((p) => p.ticketId));
        } catch (err) {
          throw toFailure(err, `reading ${page.length} deleted tickets of execution ${executionId} on interface '${row.name}'`);
        }
        acc.tixngoCalls++;
        const stored = new Map(page.map((p) => [p.ticketId, p]));
        const changed: { ticketId: string; tixngoStatus: TixngoStatus; version: number }[] = [];
        let deleted = 0;
        for (const t of found.tickets) {
          const status = toTixngoStatus(t.status);
          if (status === 'DELETED') deleted++;
          const before = stored.get(t.ticketId);
          // The push left the workflow in DELETION_PENDING: only another status is news to it.
          if (!status || status === 'DELETION_PENDING' || !before) continue;
          if (before.version !== null && t.version <= before.version) continue;
          changed.push({ ticketId: t.ticketId, tixngoStatus: status, version: t.version });
        }
        await mapLimit(changed, deps.fanoutConcurrency ?? 32, async (c) => {
          try {
            await deps.client.workflow.getHandle(ticketWorkflowId(c.ticketId)).signal(ticketEventSignal, { type: 'feedback', tixngoStatus: c.tixngoStatus, version: c.version });
            acc.signalled++;
          } catch (err) {
            // Closed already (DELETED through feedback, or by an earlier attempt of this activity): nothing to tell.
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          }
        });
        await repo.applyTicketStates(
          row.id,
          found.tickets.map(ticketChange),
          executionId,
        );
        acc.confirmed += deleted;
        acc.pending += page.length - deleted;
        acc.read += page.length;
        acc.lastId = page[page.length - 1]!.ticketId;
        activity.heartbeat(acc);
        if (page.length < todo) return result(true);
      }
    },

    async wakeDeletionWaiters({ interfaceName }) {
      const quoted = interfaceName.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
      let woken = 0;
      for await (const w of deps.client.workflow.list({ query: `WorkflowType = 'deletionWaiter' AND ExecutionStatus = 'Running' AND InterfaceName = '${quoted}'` })) {
        try {
          await deps.client.workflow.getHandle(w.workflowId).signal(wakeDeletionWaiterSignal);
          woken++;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
      return { woken };
    },
  };
}
