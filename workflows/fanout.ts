// The injection fan-out: after an injection execution's batches are done (every ticket PRINTED in S-360 and
// INJECTED in TIXNGO), this workflow starts the ticket workflows of the tickets it injected. It is a child of the
// function run with parent-close policy ABANDON, so the run ends (and the next scheduled run can start) without
// waiting for it, and the workflows never compete with the injection for the dev server and worker CPU.
//
// The tickets are read from S-360 (processed markers of the execution), page by page, so no ticket list goes
// through workflow history; the cursor is in the activity's heartbeat and in this workflow's input after
// continue-as-new. Ops see its progress in the UI (id `lifecycles-<interface>-<executionId>`, query getFanoutProgress).
import { continueAsNew, setHandler } from '@temporalio/workflow';
import type { InjectionFanoutInput, InjectionFanoutResult, NotifyResult } from '../common/functions';
import { getFanoutProgressQuery } from './messages';
import { activities, continueAsNewDue } from './support';
import { checkInput } from './validate';

export async function injectionFanout(input: InjectionFanoutInput): Promise<InjectionFanoutResult> {
  checkInput('injectionFanout', input);
  const { fanout } = activities();
  const total: NotifyResult = { notified: input.done?.notified ?? 0, closed: input.done?.closed ?? 0 };
  let afterId = input.afterId;
  setHandler(getFanoutProgressQuery, () => ({ ...total, lastTicketId: afterId }));
  for (;;) {
    const r = await fanout.notifyInjectedTickets({
      interfaceName: input.interfaceName,
      executionId: input.executionId,
      afterId,
      maxTickets: input.maxTicketsPerActivity,
      lifecycleOptions: input.lifecycleOptions,
    });
    total.notified += r.notified;
    total.closed += r.closed;
    afterId = r.lastId ?? afterId;
    if (r.done) return { executionId: input.executionId, ...total };
    if (continueAsNewDue()) return continueAsNew<typeof injectionFanout>({ ...input, afterId, done: total });
  }
}
