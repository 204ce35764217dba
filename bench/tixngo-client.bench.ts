// Micro-benchmark: bulk injection through TixngoClient into the simulator running in a child
// process (client and server do not share one event loop).
//
//   node --import tsx bench/tixngo-client.bench.ts --tickets 100000 --batch 1000 [--concurrency 1] [--json]
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import fetch from 'node-fetch';
import { TixngoClient } from '../tixngo/client';
import type { InjectionTicketInput } from '../tixngo/contract';

const root = path.resolve(__dirname, '..');

const positiveInt = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return Number(v);
};

interface BenchOptions {
  tickets: number;
  batch: number;
  concurrency: number;
  json?: boolean;
}

function startSimulatorProcess(): Promise<{ child: ChildProcess; interfaceUrl: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'simulator', 'main.ts'), '--port', '0'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env },
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`simulator did not start within 30 s: ${err}`));
    }, 30_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /interface URL: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, interfaceUrl: m[1]! });
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited early (code ${code}): ${err}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function makeTicket(eventId: string, i: number): InjectionTicketInput {
  return {
    ticketId: `BENCH-${eventId}-${i}`,
    event: {
      id: eventId,
      name: 'Benchmark final',
      startTime: '2027-06-01T20:00:00+02:00',
      expirationDate: '2027-06-02T02:00:00+02:00',
      address: { site: 'Stade de Genève', city: 'Genève', countryCode: 'CH', zip: '1212' },
    },
    purchaseDetails: { price: 85, currency: 'CHF', category: 'ADULT', taxNumber: `TAX${i}`, fileId: `F${Math.floor(i / 4)}` },
    security: { barcode: `BC${String(i).padStart(12, '0')}` },
    spectatorDetails: { email: `fan${i}@example.org`, firstName: 'Alex', lastName: `Fan ${i}` },
    activationParameters: { method: 'online', time: '2027-06-01T18:00:00+02:00' },
    ticketDetails: { main: [{ key: 'Block', value: String(i % 40) }, { key: 'Seat', value: String(i % 500) }] },
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const program = new Command('tixngo-client.bench')
    .option('--tickets <n>', 'tickets to inject', positiveInt('--tickets'), 100_000)
    .option('--batch <n>', 'tickets per call (max 10000)', positiveInt('--batch'), 1000)
    .option('--concurrency <n>', 'calls in flight', positiveInt('--concurrency'), 1)
    .option('--json', 'print the result as JSON');
  program.parse(process.argv);
  const opts = program.opts<BenchOptions>();

  const { child, interfaceUrl } = await startSimulatorProcess();
  try {
    const client = new TixngoClient({ url: interfaceUrl, login: 'bench@example.org', apiKey: 'bench-key-not-secret', timeoutMs: 120_000 });
    const eventId = `BENCH-EV-${Date.now()}`;
    const batches: number[][] = [];
    for (let start = 0; start < opts.tickets; start += opts.batch) {
      batches.push([start, Math.min(opts.tickets, start + opts.batch)]);
    }
    const latencies: number[] = [];
    let accepted = 0;
    let rejected = 0;
    let next = 0;
    const started = process.hrtime.bigint();
    const worker = async () => {
      while (next < batches.length) {
        const [from, to] = batches[next++]!;
        const tickets: InjectionTicketInput[] = [];
        for (let i = from!; i < to!; i++) tickets.push(makeTicket(eventId, i));
        const t0 = process.hrtime.bigint();
        const r = await client.injectTickets(tickets);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        accepted += r.accepted;
        rejected += r.rejected;
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency, batches.length) }, () => worker()));
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    const stats = (await (await fetch(`${new URL(interfaceUrl).origin}/__sim/stats`)).json()) as { calls: Record<string, number>; tickets: Record<string, number> };
    latencies.sort((a, b) => a - b);
    const result = {
      tickets: opts.tickets,
      batch: opts.batch,
      concurrency: opts.concurrency,
      accepted,
      rejected,
      elapsedMs: Math.round(elapsedMs),
      ticketsPerSecond: Math.round((accepted / elapsedMs) * 1000),
      callsMade: batches.length,
      simulatorCalls: stats.calls['POST /v3/organizer/tickets'] ?? 0,
      callLatencyMs: { p50: Math.round(percentile(latencies, 50)), p95: Math.round(percentile(latencies, 95)), max: Math.round(latencies.at(-1) ?? 0) },
      simulatorTickets: stats.tickets,
    };
    if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      process.stdout.write(
        `${result.accepted} tickets injected (${result.rejected} rejected) in ${result.elapsedMs} ms: ${result.ticketsPerSecond} tickets/s\n` +
          `${result.callsMade} calls of ${opts.batch} (simulator counted ${result.simulatorCalls}), concurrency ${opts.concurrency}; ` +
          `per call p50 ${result.callLatencyMs.p50} ms, p95 ${result.callLatencyMs.p95} ms, max ${result.callLatencyMs.max} ms\n`,
      );
    }
    if (rejected > 0) process.exitCode = 1;
  } finally {
    await stopChild(child);
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench failed: ${err.message}\n`);
  process.exitCode = 1;
});
