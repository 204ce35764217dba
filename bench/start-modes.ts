// Micro-benchmark: how fast can this machine's dev server create workflows, by start mode?
//   node --import tsx bench/start-modes.ts --address 127.0.0.1:7233 --n 3000 --concurrency 128
// Modes: start (immediate first workflow task, no worker: creation only), delayed (startDelay: the first workflow
// task is deferred), signalWithStart (what the fan-out did first).
import { Client, Connection } from '@temporalio/client';
import { performance } from 'node:perf_hooks';
import crypto from 'node:crypto';
import { temporalConnectionOptions } from '../temporal/connection';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
}

async function main() {
  const address = arg('address', '127.0.0.1:7233');
  const n = Number(arg('n', '3000'));
  const conc = Number(arg('concurrency', '128'));
  const modes = arg('modes', 'start,delayed,signalWithStart').split(',');
  const connection = await Connection.connect(temporalConnectionOptions({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default' }));
  const client = new Client({ connection });
  for (const mode of modes) {
    const prefix = `sm-${mode}-${crypto.randomBytes(3).toString('hex')}`;
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: conc }, async () => {
        for (;;) {
          const i = next++;
          if (i >= n) return;
          const base = { taskQueue: `sm-${mode}`, workflowId: `${prefix}-${i}`, args: [{ ticketId: String(i) }] };
          if (mode === 'start') await client.workflow.start('noop', base);
          else if (mode === 'delayed') await client.workflow.start('noop', { ...base, startDelay: '1h' });
          else await client.workflow.signalWithStart('noop', { ...base, signal: 'ev', signalArgs: [{ type: 'injected' }] });
        }
      }),
    );
    const ms = performance.now() - t0;
    console.log(JSON.stringify({ mode, n, conc, ms: Math.round(ms), perSec: Math.round((n / ms) * 1000) }));
  }
  await connection.close();
}
void main();
