// `worker`: the worker alone, for production (Temporal, PostgreSQL and TIXNGO are elsewhere).
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { startWorker } from '../../workers/main';

export function register(program: Command): void {
  program
    .command('worker')
    .description('Run the worker (workflows and activities) against TEMPORAL_ADDRESS and the S-360 database; SIGINT/SIGTERM stop it gracefully')
    .action(async () => {
      const config = loadConfig();
      const w = await startWorker(config);
      process.stderr.write(`worker running on task queue ${config.TEMPORAL_TASK_QUEUE} (namespace ${config.TEMPORAL_NAMESPACE}, Temporal ${config.TEMPORAL_ADDRESS})\n`);
      // The SDK runtime turns SIGINT/SIGTERM into a graceful worker shutdown.
      await w.done;
    });
}
