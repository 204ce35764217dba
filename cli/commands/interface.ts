import type { Command } from 'commander';

// TODO(owner of this module): register the 'interface' command(s) on the program.
export function register(_program: Command): void {}
