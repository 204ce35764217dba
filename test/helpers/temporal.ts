// A real Temporal dev server for tests: the one the test runner started (TEMPORAL_TEST_ADDRESS),
// or, when a file is run alone, one started through @temporalio/testing with the local CLI binary.
// Its client uses the product's data converter (codec/), like the workers createWorkers() builds.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { getDataConverter } from '../../codec/data-converter';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/search-attributes';
import { ensureTemporalCli } from '../../temporal/cli-binary';

export async function createTestEnv(): Promise<TestWorkflowEnvironment> {
  const client = { dataConverter: getDataConverter() };
  const address = process.env.TEMPORAL_TEST_ADDRESS;
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
