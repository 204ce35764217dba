// The workflow bundle (webpack + swc over workflows/index.ts) is built in a short-lived child process and handed
// to the worker as a file. Built in the worker process itself, webpack left 150+ MB of heap behind for the
// worker's whole life, and a heap cap (--max-old-space-size) made the build itself crawl: the worker of a
// 100,000-ticket on-sale is sized for idle workflows (README "Worker sizing"; docs/benchmarks.md "On-sale scale").
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../codec/data-converter';

/** What all workflows of the worker share (bundleWorkflowCode's preloadModules): nothing with per-workflow state. */
export const PRELOAD_PATH = path.resolve(__dirname, '../workflows/preload.ts');

const BUILD_FLAG = '--build-workflow-bundle';
const BUILD_TIMEOUT_MS = 10 * 60_000;

/** Builds the bundle in this process and writes it to `outPath` (the child's work; also usable directly). */
export async function buildWorkflowBundle(outPath: string): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '../workflows/index.ts'),
    // Failures raised in workflow code are encoded like the others (message and stack trace encrypted).
    failureConverterPath: FAILURE_CONVERTER_PATH,
    // zod (the start contract's input validation) is evaluated once in the reusable V8 context and shared, frozen,
    // by every workflow. Otherwise each workflow evaluates its own copy when it loads (workflows/preload.ts).
    preloadModules: [PRELOAD_PATH],
    logger: new DefaultLogger('WARN'),
  });
  const tmp = `${outPath}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, code);
  await fs.promises.rename(tmp, outPath);
}

/** Runs buildWorkflowBundle in a child node process; rejects with the child's last stderr lines when it fails. */
export function buildWorkflowBundleInChild(outPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', __filename, BUILD_FLAG, outPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: process.env,
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-4_000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`workflow bundle: could not start node: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && fs.existsSync(outPath)) resolve();
      else reject(new Error(`workflow bundle: build failed (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

let bundle: Promise<{ codePath: string }> | undefined;
/**
 * The workflow bundle, built once per process in a child process (a few seconds) into a temporary file that is
 * removed when this process exits.
 */
export function workflowBundle(): Promise<{ codePath: string }> {
  bundle ??= (async () => {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 's360-tixngo-bundle-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    const codePath = path.join(dir, 'workflows.js');
    await buildWorkflowBundleInChild(codePath);
    return { codePath };
  })();
  bundle.catch(() => {
    bundle = undefined; // a failed build is not cached: the next call tries again
  });
  return bundle;
}

if (require.main === module && process.argv[2] === BUILD_FLAG && process.argv[3]) {
  buildWorkflowBundle(process.argv[3]).catch((err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
