// Evaluated once per worker in the reusable V8 context, before any workflow (workers/bundle.ts passes this file as
// bundleWorkflowCode's preloadModules): the modules it loads are then shared by every workflow instead of being
// evaluated again in each one. The SDK freezes what they export, so only modules without per-workflow state, whose
// exports are never written, belong here: zod and the contract's validation (./validate, which keeps its schemas
// private). Loaded per workflow, they cost about 4 MB of heap per cached workflow and most of a ticket workflow's
// first-task CPU (docs/benchmarks.md "On-sale scale").
import { z } from 'zod';
import { checkInput } from './validate';

// zod sets its global configuration lazily (default locale and memoizer at the first schema built), in an object
// the SDK freezes after the preload: validate.ts has built its schemas by now; fail the worker here, not in a
// workflow, if that ever changes. This also uses the imports, which webpack would drop otherwise (zod declares no
// side effects).
if (z.object({ preload: z.string() }).safeParse({ preload: 0 }).success || typeof checkInput !== 'function') {
  throw new Error('workflows/preload: zod did not load');
}
