// The single-ticket activities of the ticket workflow: S-360 changes it is asked to make (cancel/control signals;
// S-360 stays the master), TIXNGO's view of one ticket, and its own error records.
import type { ActivityContext } from './context';
import { toTixngoStatus } from '../tixngo/statuses';
import { toFailure } from './failures';
import type { Activities } from './types';

export function createLifecycleActivities(ctx: ActivityContext): Pick<Activities, 'applyS360Cancel' | 'applyS360Control' | 'readTixngoStatus' | 'recordItemError'> {
  const { repo } = ctx;
  return {
    async applyS360Cancel({ ticketIds, reason, status }) {
      await repo.cancelTickets(ticketIds, reason ?? null, status);
    },

    async applyS360Control({ ticketIds, at }) {
      await repo.controlTickets(ticketIds, at ?? ctx.now());
    },

    async readTixngoStatus({ interfaceName, ticketId }) {
      const row = await ctx.iface(interfaceName);
      const client = await ctx.tixngo(row);
      try {
        const res = await client.getTickets([ticketId]);
        const t = res.tickets[0];
        if (!t) return { found: false };
        // A status S-360 does not map is left out: the workflow keeps polling on what it knows.
        const tixngoStatus = toTixngoStatus(t.status);
        return tixngoStatus ? { found: true, tixngoStatus, version: t.version } : { found: true, version: t.version };
      } catch (err) {
        throw toFailure(err, `reading ticket ${ticketId} on interface '${row.name}'`);
      }
    },

    async recordItemError({ interfaceName, fn, itemKind, itemId, message, field }) {
      const row = await ctx.iface(interfaceName);
      await repo.recordItemErrors(row.id, fn, itemKind, [{ itemId, field, message }], 'lifecycle');
    },
  };
}
