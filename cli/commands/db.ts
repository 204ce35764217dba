import type { Command } from 'commander';

// TODO(owner of this module): register the 'db' command(s) on the program.
export function register(_program: Command): void {}
