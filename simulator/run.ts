// Runs the simulator as a foreground process (CLI command and simulator/main.ts share this):
// parses options, starts the server, prints the interface URL, stops cleanly on SIGINT/SIGTERM.
import { Command, InvalidArgumentError } from 'commander';
import { startSimulator } from './server';

export const DEFAULT_SIMULATOR_PORT = 18080;

export interface SimulatorCliOptions {
  port?: number;
  host: string;
  apiKeyEnv?: string;
  apiKey?: string;
  deletionDelayMs?: number;
  persist?: string;
  verbose?: boolean;
}

const intArg = (name: string, min: number, max: number) => (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be an integer`);
  const n = Number(v);
  if (n < min || n > max) throw new InvalidArgumentError(`${name} must be between ${min} and ${max}`);
  return n;
};

/** Adds the simulator options to a command. */
export function addSimulatorOptions(cmd: Command): Command {
  return cmd
    .option('--port <n>', `port to listen on (0 = random; default: $SIMULATOR_PORT or ${DEFAULT_SIMULATOR_PORT})`, intArg('--port', 0, 65535))
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--api-key-env <VAR>', 'accept only the API key held in this environment variable (preferred)')
    .option('--api-key <key>', 'accept only this API key (visible in `ps`: prefer --api-key-env)')
    .option('--deletion-delay-ms <n>', 'delay before DELETION_PENDING becomes DELETED (default 2000)', intArg('--deletion-delay-ms', 0, 86_400_000))
    .option('--persist <file>', 'load state from this JSON file at start, save it periodically and on exit')
    .option('--verbose', 'log one line per request on stderr (never the key)');
}

function resolvePort(opt: number | undefined, env: NodeJS.ProcessEnv): number {
  if (opt !== undefined) return opt;
  const fromEnv = env.SIMULATOR_PORT;
  if (fromEnv === undefined || fromEnv === '') return DEFAULT_SIMULATOR_PORT;
  if (!/^\d+$/.test(fromEnv) || Number(fromEnv) > 65535) throw new InvalidArgumentError('SIMULATOR_PORT must be a port number (0-65535)');
  return Number(fromEnv);
}

function resolveKey(opts: SimulatorCliOptions, env: NodeJS.ProcessEnv): string | undefined {
  if (opts.apiKeyEnv && opts.apiKey) throw new InvalidArgumentError('give either --api-key-env or --api-key, not both');
  if (opts.apiKeyEnv) {
    const v = env[opts.apiKeyEnv];
    if (!v) throw new InvalidArgumentError(`environment variable ${opts.apiKeyEnv} (from --api-key-env) is not set or empty`);
    return v;
  }
  if (opts.apiKey !== undefined && opts.apiKey === '') throw new InvalidArgumentError('--api-key must not be empty');
  return opts.apiKey;
}

/** Starts the simulator and resolves once it has stopped after SIGINT/SIGTERM. */
export async function runSimulator(opts: SimulatorCliOptions, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const apiKey = resolveKey(opts, env);
  const sim = await startSimulator({
    port: resolvePort(opts.port, env),
    host: opts.host,
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(opts.deletionDelayMs !== undefined ? { deletionDelayMs: opts.deletionDelayMs } : {}),
    ...(opts.persist !== undefined ? { persistFile: opts.persist } : {}),
    ...(opts.verbose ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
  });
  process.stdout.write(`TIXNGO simulator listening on ${sim.url} (${apiKey !== undefined ? 'one API key accepted' : 'any non-empty API key accepted'})\n`);
  process.stdout.write(`interface URL: ${sim.interfaceUrl}\n`);
  await new Promise<void>((resolve) => {
    const stop = (sig: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stderr.write(`${sig}: stopping the simulator\n`);
      sim.close().then(resolve, (err: Error) => {
        process.stderr.write(`error while stopping: ${err.message}\n`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
