// Finds or obtains the `temporal` CLI (which embeds the Temporal dev server), in this order:
//   1. $TEMPORAL_CLI_PATH
//   2. `temporal` on PATH
//   3. a binary built earlier by this project: $(go env GOBIN) or $(go env GOPATH)/bin (outlives a fresh clone)
//   4. `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` when Go is present
//   5. otherwise undefined: callers fall back to @temporalio/testing's own download.
// Idempotent; when the binary exists it answers in milliseconds (one `go env` call at most).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** The `go` binary: on PATH, else the conventional /usr/local/go/bin/go; undefined without a Go toolchain. */
export function findGo(): string | undefined {
  return onPath('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/** Where `go install` puts binaries: $(go env GOBIN), $(go env GOPATH)/bin, ~/go/bin. */
export function goBinDirs(): string[] {
  const dirs: string[] = [];
  const go = findGo();
  if (go) {
    try {
      const [gobin, gopath] = execFileSync(go, ['env', 'GOBIN', 'GOPATH'], { encoding: 'utf8' }).split('\n');
      if (gobin) dirs.push(gobin);
      for (const p of (gopath ?? '').split(path.delimiter)) if (p) dirs.push(path.join(p, 'bin'));
    } catch {
      /* fall through to the conventional default */
    }
  }
  dirs.push(path.join(os.homedir(), 'go', 'bin'));
  return [...new Set(dirs)];
}

export type CliSource = 'env' | 'path' | 'built-earlier' | 'built-now';

/** Returns the path of a usable `temporal` binary without building anything, or undefined. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): { path: string; source: CliSource } | undefined {
  const fromEnv = env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH: ${fromEnv} is not an executable file`);
    return { path: fromEnv, source: 'env' };
  }
  const p = onPath('temporal');
  if (p) return { path: p, source: 'path' };
  for (const dir of goBinDirs()) {
    const candidate = path.join(dir, 'temporal');
    if (isExecutable(candidate)) return { path: candidate, source: 'built-earlier' };
  }
  return undefined;
}

/**
 * Finds the CLI, building it with Go when it is missing and Go is available.
 * Returns undefined only when there is no binary and no Go toolchain.
 */
export function ensureTemporalCli(log: (msg: string) => void = (m) => process.stderr.write(`${m}\n`)): { path: string; source: CliSource } | undefined {
  const found = findTemporalCli();
  if (found) return found;
  const go = findGo();
  if (!go) return undefined;
  log(`temporal CLI not found; building ${TEMPORAL_CLI_MODULE} with Go (first time only, a few minutes)...`);
  const res = spawnSync(go, ['install', TEMPORAL_CLI_MODULE], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (res.status !== 0) {
    throw new Error(`go install ${TEMPORAL_CLI_MODULE} failed with exit code ${res.status}; see the output above`);
  }
  const built = findTemporalCli();
  if (!built) throw new Error(`go install ${TEMPORAL_CLI_MODULE} succeeded but no temporal binary was found in ${goBinDirs().join(', ')}`);
  return { path: built.path, source: 'built-now' };
}
