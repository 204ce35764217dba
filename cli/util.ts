// Small helpers shared by the CLI commands.
import { Command } from 'commander';

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
