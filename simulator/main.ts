// Stand-alone entry: `node --import tsx simulator/main.ts [--port N] ...` (same options as the
// `s360-tixngo simulator` command). Used by the benchmark to run the simulator in its own process.
import { Command } from 'commander';
import { addSimulatorOptions, runSimulator, type SimulatorCliOptions } from './run';

const program = addSimulatorOptions(new Command('simulator').description('TIXNGO organizer API simulator'));
program.action(async (opts: SimulatorCliOptions) => runSimulator(opts));
program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`error: ${err.message}\n`);
  process.exitCode = 1;
});
