// `s360-tixngo simulator`: runs the TIXNGO organizer API simulator in the foreground.
import type { Command } from 'commander';
import { addSimulatorOptions, runSimulator, type SimulatorCliOptions } from '../../simulator/run';

export function register(program: Command): void {
  const cmd = program
    .command('simulator')
    .description('run the TIXNGO organizer API simulator (fault injection and admin API under /__sim); stops on SIGINT/SIGTERM');
  addSimulatorOptions(cmd)
    .addHelpText(
      'after',
      '\nThe API key: prefer --api-key-env VAR (the key stays out of the process list); --api-key KEY is shown by `ps`.\nWithout either, any non-empty key is accepted. Prints the interface URL (…/v3/organizer/tickets) on start.',
    )
    .action(async (opts: SimulatorCliOptions) => runSimulator(opts));
}
