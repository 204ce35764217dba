// Named lists of test files, for `npm test -- --suite <name>` (scripts/run-tests.ts). One place, so CI, the README
// and a developer run the same files.
//
// - core: what must pass on every Temporal engine (the dev server and the PostgreSQL-backed server with 4 shards):
//   the five functions end to end, the ticket lifecycle (workflow with stub activities, and on the real stack),
//   the worker SIGKILLed mid-injection, schedules, replay.
// - engine: faults of the engine itself (Temporal server SIGKILLed, PostgreSQL restarted, one of two workers
//   SIGKILLed); they skip unless the run is on the PostgreSQL engine.
export const TEST_SUITES = {
  core: [
    'test/integration/functions.test.ts',
    'test/workflow/ticket-lifecycle.test.ts',
    'test/integration/ticket-lifecycle-fixes.test.ts',
    'test/integration/worker-kill.test.ts',
    'test/integration/schedules.test.ts',
    'test/replay',
  ],
  engine: ['test/engine'],
} as const satisfies Record<string, readonly string[]>;

export type TestSuiteName = keyof typeof TEST_SUITES;
