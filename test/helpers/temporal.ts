// A real Temporal server for tests: the one the test runner started (TEMPORAL_TEST_ADDRESS: the dev server, or the
// PostgreSQL-backed server with `--engine postgres`), one a test started itself (`address`), or, when a file is run
// alone, a dev server started through @temporalio/testing with the local CLI binary. Namespace `default`, with
// every search attribute registered (by the runner's tooling).
// Its client uses the product's data converter (codec/), like the workers createWorkers() builds.
import { after, before } from 'node:test';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { installRuntime } from '../../workers/worker';
import { getDataConverter } from '../../codec/data-converter';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/search-attributes';
import { ensureTemporalCli } from '../../tooling/temporal-cli';

/** The engine of the test run (`npm test -- --engine`): 'dev' or 'postgres'. */
export const testEngine = (): string => process.env.TEST_ENGINE || 'dev';

export async function createTestEnv(opts: { address?: string } = {}): Promise<TestWorkflowEnvironment> {
  const client = { dataConverter: getDataConverter() };
  const address = opts.address ?? process.env.TEMPORAL_TEST_ADDRESS;
  if (address) return TestWorkflowEnvironment.createFromExistingServer({ address, namespace: 'default', client });
  const cli = ensureTemporalCli();
  return TestWorkflowEnvironment.createLocal({
    client,
    server: {
      executable: cli ? { type: 'existing-path', path: cli.path } : { type: 'cached-download' },
      searchAttributes: [...ALL_SEARCH_ATTRIBUTES],
    },
  });
}

/**
 * For a test file that runs its own workers: installs the SDK runtime and connects to the test server before the
 * file's tests, tears the connection down after them. Returns the environment's accessor.
 */
export function useTestEnv(): () => TestWorkflowEnvironment {
  let env: TestWorkflowEnvironment | undefined;
  before(async () => {
    installRuntime();
    env = await createTestEnv();
  });
  after(async () => {
    await env?.teardown();
  });
  return () => {
    if (!env) throw new Error('the test environment is not ready (useTestEnv registers a before hook)');
    return env;
  };
}
