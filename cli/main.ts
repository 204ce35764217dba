// The `s360-tixngo` command line. Each command lives in cli/commands/<name>.ts and registers itself here.
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { CliError } from './util';
import { ConfigError, loadConfig } from '../config';
import { causeChain, explainTemporalError, oneLine } from '../temporal/errors';
import { registerCommands } from './commands';

/** The package version, read at run time: the CLI runs from its sources (tsx) or from a build next to package.json. */
function packageVersion(): string {
  for (const dir of [path.resolve(__dirname, '..'), path.resolve(__dirname, '../..')]) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 's360-tixngo' && pkg.version) return pkg.version;
    } catch {
      // not there: try the next candidate
    }
  }
  return 'unknown';
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('s360-tixngo')
    .description('Durable bridge between SecuTix 360 (S-360) and the TIXNGO mobile wallet, on Temporal')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .enablePositionalOptions();
  registerCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    const e = err as Error;
    const code = err instanceof CliError ? err.exitCode : 1;
    const expected = err instanceof CliError || err instanceof ConfigError || ['ZodError', 'ValidationError', 'TemporalConnectionError'].includes(e.name);
    process.stderr.write(`error: ${expected ? e.message : unexpectedLine(err)}\n`);
    if (!expected && process.env.DEBUG) process.stderr.write(`${e.stack}\n`);
    process.exitCode = code;
  }
}

/**
 * An error no command turned into a CliError: a Temporal error explained (cause and fix) when it is one, otherwise
 * its message followed by the messages of its causes ("Failed to start Workflow" alone says nothing).
 */
function unexpectedLine(err: unknown): string {
  let target = { address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233', namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' };
  try {
    const c = loadConfig();
    target = { address: c.TEMPORAL_ADDRESS, namespace: c.TEMPORAL_NAMESPACE };
  } catch {
    // a bad configuration is reported by the command itself; keep the environment's values
  }
  const explained = explainTemporalError(err, target);
  if (explained) return explained;
  const messages: string[] = [];
  for (const e of causeChain(err)) {
    const m = oneLine(typeof (e as Error).message === 'string' ? (e as Error).message : String(e));
    if (m && !messages.some((x) => x.includes(m))) messages.push(m);
  }
  return messages.join(': ') || String(err);
}
