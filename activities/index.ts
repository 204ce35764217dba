// The activities: every side effect of the product. Built by createActivities(deps) so that workers pass the real
// S-360 repository, secret key, TIXNGO client factory and Temporal client, and tests can pass their own.
//
// Rules kept here:
//  - one batch = one bulk TIXNGO call + one S-360 transaction for its outcome;
//  - exactly-once effects from at-least-once execution: on a retried attempt, injection first asks TIXNGO which
//    tickets it already holds and does not send them again; every S-360 write is an idempotent upsert;
//  - the API key is read from S-360 (decrypted in memory) and never leaves this process: not in workflow input,
//    history, logs or error messages.
import { createActivityContext, type ActivityDeps } from './context';
import { createDeletionActivities } from './deletions';
import { createExecutionActivities } from './executions';
import { createFanoutActivities } from './fanout';
import { withS360Failures } from './failures';
import { createFeedbackActivities } from './feedback';
import { createInjectionActivities } from './injection';
import { createLifecycleActivities } from './lifecycle';
import { createNotifyActivities } from './notify';
import { createPrivilegeActivities } from './privileges';
import { createPushActivities } from './push';
import type { ActivityGroups } from './types';

export type { ActivityDeps, ActivityRepository, TixngoClientFactory, TixngoClientLike } from './context';

/** Every activity, grouped by the task queue that runs it; the groups share one interface and credentials cache. */
export function createActivities(deps: ActivityDeps): ActivityGroups {
  const ctx = createActivityContext(deps);
  return {
    main: withS360Failures({
      // Error e-mails (activities/notify.ts): the same object for every worker, so none can miss the activity.
      ...createNotifyActivities({ repo: deps.repo, mailer: deps.mailer }),
      ...createExecutionActivities(ctx),
      ...createInjectionActivities(ctx),
      ...createPushActivities(ctx),
      ...createFeedbackActivities(ctx),
      ...createPrivilegeActivities(ctx),
      ...createLifecycleActivities(ctx),
      ...createDeletionActivities(ctx),
    }),
    fanout: withS360Failures(createFanoutActivities(ctx)),
  };
}
