// Small helpers shared by the CLI commands.
import { Command } from 'commander';
import { parseDateFrom, ticketRefProblem } from '../contract/function-params';

/** An error the CLI prints as a single line (no stack) before exiting non-zero. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Turns any error into a one-line CliError (ConfigError and CliError pass through). */
export function toCliError(err: unknown): Error {
  const e = err as Error;
  if (err instanceof CliError || e?.name === 'ConfigError') return e;
  return new CliError(String(e?.message ?? err).replace(/\s+/g, ' ').trim());
}

/** Prints data as JSON (for --json) or as the given human text. */
export function output(json: boolean | undefined, data: unknown, human: () => string): void {
  if (json) process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else process.stdout.write(`${human()}\n`);
}

/** Formats rows as an aligned text table. */
export function table(rows: Record<string, unknown>[], columns?: string[]): string {
  if (rows.length === 0) return '(none)';
  const cols = columns ?? Object.keys(rows[0]!);
  const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n');
}

export type Registrar = (program: Command) => void;

// Option parsers (commander argParser): a bad value stops the command before it does anything, with one line naming
// the option. They throw CliError rather than commander's InvalidArgumentError: commander would wrap the message
// ("option '--x <n>' argument 'v' is invalid. ...") and print the whole help after it.

/** A whole number from min to max, written in plain digits (1.5, 1e3, 0x10 or 12abc are refused, not truncated). */
export function intOption(flag: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const v = value.trim();
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) {
      throw new CliError(`${flag} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `from ${min} up` : `between ${min} and ${max}`}`);
    }
    return n;
  };
}

/** Comma-separated ticket numbers or id:<S-360 id>; a bad entry is named by its position. */
export function ticketRefsOption(flag: string): (value: string) => string[] {
  return (value) => {
    const refs = value.split(',').map((x) => x.trim()).filter(Boolean);
    if (refs.length === 0) throw new CliError(`${flag}: expected ticket numbers or id:<S-360 id>, comma separated`);
    for (const [i, r] of refs.entries()) {
      const problem = ticketRefProblem(r);
      if (problem) throw new CliError(`${flag}: entry ${i + 1} ${problem}`);
    }
    return refs;
  };
}

/** DD/MM/YY hh:mm (UTC) or RFC 3339, returned as an ISO string. */
export function dateFromOption(flag: string): (value: string) => string {
  return (value) => {
    try {
      return parseDateFrom(value);
    } catch (err) {
      throw new CliError(`${flag}: ${(err as Error).message}`);
    }
  };
}
