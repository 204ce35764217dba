// The list of command modules. Each exports `register(program)`.
import type { Command } from 'commander';
import { register as registerDb } from './db';
import { register as registerInterface } from './interface';
import { register as registerSimulator } from './simulator';
import { register as registerDev } from './dev';
import { register as registerSetup } from './setup';
import { register as registerWorker } from './worker';
import { register as registerRun } from './run';
import { register as registerOps } from './ops';
import { register as registerCodecServer } from './codec-server';
import { register as registerSchedule } from './schedule';
import { register as registerBench } from './bench';
import { register as registerTemporalServer } from './temporal-server';

export function registerCommands(program: Command): void {
  registerDb(program);
  registerInterface(program);
  registerSimulator(program);
  registerDev(program);
  registerSetup(program);
  registerWorker(program);
  registerRun(program);
  registerOps(program);
  registerBench(program);
  registerCodecServer(program);
  registerSchedule(program);
  registerTemporalServer(program);
}
