// Digital privileges (cards): one batch = one page of S-360 cards, one bulk TIXNGO call, one S-360 write of the
// outcome; like tickets, a retried attempt first asks TIXNGO which cards it already holds.
import { privilegeInstanceInputSchema } from '../tixngo/contract';
import { describeRejection, failureType, mayHaveBeenAccepted, posting, simulateItems, type ActivityContext, type ItemFailureOut } from './context';
import { toFailure } from './failures';
import { buildPrivilegePayload } from './payload';
import type { Activities } from './types';

export function createPrivilegeActivities(ctx: ActivityContext): Pick<Activities, 'injectPrivilegeBatch'> {
  const { repo } = ctx;
  return {
    async injectPrivilegeBatch(input) {
      const row = await ctx.iface(input.interfaceName);
      const runId = input.executionId ?? 'manual';
      let ids: string[];
      let cards;
      const accepted: { cardId: string; productCode: string }[] = [];
      if (input.itemIds) {
        const all = (await repo.loadCardsForPayload(input.itemIds)).filter((c) => c.interfaceId === row.id);
        for (const c of all) if (c.status === 'PRINTED') accepted.push({ cardId: c.id, productCode: c.productCode });
        cards = all.filter((c) => c.status === 'NOT_PRINTED');
        ids = input.itemIds;
      } else {
        ids = await repo.selectPrivilegeCandidates(row.id, { afterId: input.afterId, limit: input.limit, params: input.params });
        cards = await repo.loadCardsForPayload(ids);
      }
      const selected = input.itemIds ? cards.length + accepted.length : ids.length;
      const lastId = input.itemIds ? undefined : ids[ids.length - 1];
      const done = input.itemIds ? true : ids.length < input.limit;
      if (input.params?.simulationMode) {
        // Simulation (§3.1.1): build and check every instance, send nothing, mark nothing, record nothing.
        const sim = simulateItems(cards, 'card', privilegeInstanceInputSchema, buildPrivilegePayload, () => ({ action: 'inject' }), (c) => c.productCode);
        return { selected, accepted: [], rejected: sim.rejected, skipped: selected - sim.rejected.length, lastId, done, tixngoCalls: 0, simulated: sim.simulated };
      }
      const productOf = new Map(cards.map((c) => [c.id, c.productCode]));
      const rejected: ItemFailureOut[] = [];
      let calls = 0;
      if (cards.length) {
        const client = await ctx.tixngo(row);
        const held = new Set<string>();
        if (mayHaveBeenAccepted()) {
          try {
            const found = await client.getPrivilegeInstances(cards.map((c) => c.id));
            calls++;
            for (const i of found.instances) held.add(i.instanceId);
          } catch (err) {
            throw toFailure(err, `privileges injection on interface '${row.name}' (checking what TIXNGO already holds)`);
          }
        }
        for (const id of held) accepted.push({ cardId: id, productCode: productOf.get(id)! });
        const toSend = cards.filter((c) => !held.has(c.id)).map(buildPrivilegePayload);
        if (toSend.length) {
          let res;
          try {
            res = await posting(() => client.injectPrivileges(toSend));
          } catch (err) {
            throw toFailure(err, `privileges injection on interface '${row.name}'`);
          }
          if (res.results.some((r) => !r.local)) calls++;
          for (const r of res.results) {
            const productCode = productOf.get(r.instanceId) ?? '';
            if (r.outcome === 'ACCEPTED') accepted.push({ cardId: r.instanceId, productCode });
            else rejected.push({ itemId: r.instanceId, eventCode: productCode, type: failureType(r), ...describeRejection('card', r.instanceId, r) });
          }
        }
      }
      await repo.markCardsInjected(
        row.id,
        accepted.map((a) => a.cardId),
        runId,
      );
      await ctx.recordFailures(row, 'PRIVILEGES_INJECTION', 'card', rejected, runId);
      return { selected, accepted, rejected, skipped: 0, lastId, done, tixngoCalls: calls };
    },
  };
}
