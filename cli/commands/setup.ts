// `temporal-cli`: find or build the Temporal CLI; `setup`: register the search attributes on the namespace.
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { ensureTemporalCli } from '../../tooling/temporal-cli';
import { registerSearchAttributes } from '../../temporal/connection';
import { withClient } from '../context';
import { CliError, output } from '../util';

export function register(program: Command): void {
  program
    .command('temporal-cli')
    .description('Find the Temporal CLI ($TEMPORAL_CLI_PATH, PATH, a binary built earlier), building it with Go when missing; prints its path')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const started = Date.now();
      const cli = ensureTemporalCli();
      if (!cli) throw new CliError('no temporal CLI found and no Go toolchain to build it; tests and dev will use the @temporalio/testing download');
      output(opts.json, { ...cli, ms: Date.now() - started }, () => `${cli.path} (${cli.source}, ${Date.now() - started} ms)`);
    });

  program
    .command('setup')
    .description('Register the custom search attributes (TicketId, EventCode, S360Status, TixngoStatus, NeedsAttention, ...) on the configured namespace; safe to rerun')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig();
      const res = await withClient(config, (client) => registerSearchAttributes(client, config.TEMPORAL_NAMESPACE));
      output(opts.json, { namespace: config.TEMPORAL_NAMESPACE, ...res }, () =>
        `namespace ${config.TEMPORAL_NAMESPACE}: created [${res.created.join(', ')}], already there [${res.existing.join(', ')}]`,
      );
    });
}
