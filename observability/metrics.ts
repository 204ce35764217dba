// Prometheus metrics of the worker process (prom-client), served on /metrics together with the Temporal SDK's own
// runtime metrics (Core's Prometheus exporter, bound on loopback and appended to every scrape).
//
// Per function and interface (counted from the batch results of the activities, see instrumentActivities):
//   s360_tickets_processed_total / _succeeded_total / _failed_total / _skipped_total   (cards for PRIVILEGES_INJECTION)
//   s360_batches_total, s360_tixngo_calls_total
// Per activity: s360_activity_duration_seconds{activity,outcome} (histogram; outcome ok|error).
// Feedback: s360_feedback_unknown_tickets_total{interface} (tickets of the feed S-360 does not know) and
//   s360_tixngo_unknown_status_total{interface,status} (tickets stored with a status the bridge does not map).
// Labels hold function names, interface names and activity types only, and the unknown statuses TIXNGO reported
// (bounded in length by the activity; a new one is rare and deserves its own series).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 's360_';

/** Function label of the activities whose results carry batch counts. */
export const ACTIVITY_FUNCTION: Readonly<Record<string, string>> = {
  injectTicketBatch: 'INJECTION',
  pushCancelledBatch: 'PUSH_CANCELLED',
  pushControlledBatch: 'PUSH_CONTROLLED',
  syncFeedbackPage: 'FEEDBACK',
  injectPrivilegeBatch: 'PRIVILEGES_INJECTION',
  // One TIXNGO read per call (a ticket workflow polling a pending deletion).
  readTixngoStatus: 'TICKET_STATUS',
};

export interface ProductMetrics {
  registry: Registry;
  processed: Counter<'function' | 'interface'>;
  succeeded: Counter<'function' | 'interface'>;
  failed: Counter<'function' | 'interface'>;
  skipped: Counter<'function' | 'interface'>;
  batches: Counter<'function' | 'interface'>;
  tixngoCalls: Counter<'function' | 'interface'>;
  unknownTickets: Counter<'interface'>;
  unknownStatus: Counter<'interface' | 'status'>;
  activityDuration: Histogram<'activity' | 'outcome'>;
}

export function createMetrics(opts: { processMetrics?: boolean } = {}): ProductMetrics {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const labelNames = ['function', 'interface'] as const;
  const counter = (name: string, help: string) => new Counter({ name: `${METRIC_PREFIX}${name}`, help, labelNames, registers: [registry] });
  return {
    registry,
    processed: counter('tickets_processed_total', 'Tickets (cards for PRIVILEGES_INJECTION) selected from S-360 or received from TIXNGO, per function and interface'),
    succeeded: counter('tickets_succeeded_total', 'Tickets accepted by TIXNGO and recorded in S-360 (feedback: changes applied), per function and interface'),
    failed: counter('tickets_failed_total', 'Tickets rejected (by TIXNGO or before the call for missing data), per function and interface'),
    skipped: counter('tickets_skipped_total', 'Tickets selected but not sent (other event, unknown to S-360), per function and interface'),
    batches: counter('batches_total', 'Batches (one activity, one bulk TIXNGO call, one S-360 transaction), per function and interface'),
    tixngoCalls: counter('tixngo_calls_total', 'Calls made to the TIXNGO API, per function and interface'),
    unknownTickets: new Counter({
      name: `${METRIC_PREFIX}feedback_unknown_tickets_total`,
      help: 'Tickets returned by the TIXNGO feed that S-360 does not know (ignored), per interface',
      labelNames: ['interface'] as const,
      registers: [registry],
    }),
    unknownStatus: new Counter({
      name: `${METRIC_PREFIX}tixngo_unknown_status_total`,
      help: 'Tickets TIXNGO reported with a status S-360 does not map (raw status stored, error recorded), per interface and status',
      labelNames: ['interface', 'status'] as const,
      registers: [registry],
    }),
    activityDuration: new Histogram({
      name: `${METRIC_PREFIX}activity_duration_seconds`,
      help: 'Duration of activity executions (each attempt), by activity type and outcome',
      labelNames: ['activity', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const len = (v: unknown): number | undefined => (Array.isArray(v) ? v.length : undefined);

/** Counts one activity result into the per-function counters (shapes of activities/types.ts). */
export function countResult(m: ProductMetrics, activity: string, input: unknown, result: unknown): void {
  const fn = ACTIVITY_FUNCTION[activity];
  if (!fn) return;
  const labels = { function: fn, interface: isRecord(input) && typeof input.interfaceName === 'string' ? input.interfaceName : 'unknown' };
  if (activity === 'readTixngoStatus') {
    m.tixngoCalls.inc(labels, 1);
    return;
  }
  if (!isRecord(result)) return;
  m.batches.inc(labels);
  const calls = num(result.tixngoCalls);
  if (calls) m.tixngoCalls.inc(labels, calls);
  const selected = num(result.selected);
  if (selected !== undefined) {
    // Batch results: selected, acceptedCount (injection, count only) | accepted | pushed, rejected, skipped.
    m.processed.inc(labels, selected);
    m.succeeded.inc(labels, num(result.acceptedCount) ?? len(result.accepted) ?? len(result.pushed) ?? 0);
    m.failed.inc(labels, len(result.rejected) ?? 0);
    m.skipped.inc(labels, num(result.skipped) ?? 0);
    return;
  }
  const received = num(result.received);
  if (received !== undefined) {
    // Feedback page: received, unknown, skipped, unknownStatuses (as the workflow's summary counts them).
    const unknown = num(result.unknown) ?? 0;
    const byStatus = isRecord(result.unknownStatuses) ? Object.entries(result.unknownStatuses).flatMap(([s, n]) => (num(n) ? [[s, num(n)!] as const] : [])) : [];
    for (const [status, n] of byStatus) m.unknownStatus.inc({ interface: labels.interface, status }, n);
    const skippedByList = num(result.skipped);
    // A result without `skipped` (recorded before it was counted apart) counted the skip list in `unknown`.
    const skipped = skippedByList === undefined ? unknown : skippedByList + byStatus.reduce((a, [, n]) => a + n, 0);
    const notInS360 = skippedByList === undefined ? 0 : unknown;
    m.processed.inc(labels, received);
    m.succeeded.inc(labels, Math.max(0, received - skipped - notInS360));
    m.skipped.inc(labels, skipped);
    if (notInS360) m.unknownTickets.inc({ interface: labels.interface }, notInS360);
  }
}

type ActivityFn = (...args: never[]) => Promise<unknown>;

/**
 * The same activities, each timed (s360_activity_duration_seconds) and with its batch result counted. Behaviour,
 * arguments, results and errors are unchanged.
 */
export function instrumentActivities<T extends { [K in keyof T]: ActivityFn }>(activities: T, m: ProductMetrics): T {
  const out: Partial<Record<keyof T, ActivityFn>> = {};
  for (const name of Object.keys(activities) as (keyof T & string)[]) {
    const fn = activities[name];
    const wrapped = async (...args: never[]): Promise<unknown> => {
      const end = m.activityDuration.startTimer({ activity: name });
      let result: unknown;
      try {
        result = await fn(...args);
      } catch (err) {
        end({ outcome: 'error' });
        throw err;
      }
      end({ outcome: 'ok' });
      try {
        countResult(m, name, args[0], result);
      } catch {
        /* counting never fails an activity */
      }
      return result;
    };
    Object.defineProperty(wrapped, 'name', { value: name });
    out[name] = wrapped;
  }
  return out as T;
}

export interface MetricsServer {
  /** Where to scrape it from this machine (127.0.0.1 when it listens on every interface). */
  url: string;
  /** The address it really listens on, host:port as the socket reports it (METRICS_HOST, default 127.0.0.1). */
  address: string;
  close(): Promise<void>;
}

/**
 * Serves GET /metrics: the product's registry, then the SDK's Core metrics when `coreMetricsUrl` is given (its
 * exporter's /metrics, fetched on each scrape; skipped with a comment line when it does not answer).
 */
export async function startMetricsServer(opts: { host: string; port: number; metrics: ProductMetrics; coreMetricsUrl?: string }): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; metrics are on GET /metrics\n');
      return;
    }
    void (async () => {
      let body = await opts.metrics.registry.metrics();
      if (opts.coreMetricsUrl) {
        try {
          const core = await fetch(opts.coreMetricsUrl, { signal: AbortSignal.timeout(2000) });
          body += `\n# Temporal SDK runtime (Core) metrics\n${await core.text()}`;
        } catch (err) {
          body += `\n# Temporal SDK runtime metrics unavailable: ${(err as Error).name}\n`;
        }
      }
      res.writeHead(200, { 'content-type': opts.metrics.registry.contentType }).end(body);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('metrics collection failed\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`cannot serve metrics on ${opts.host}:${opts.port} (METRICS_PORT, METRICS_HOST): ${err.code ?? err.message}`, { cause: err })),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.address === '0.0.0.0' || addr.address === '::' ? '127.0.0.1' : addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}/metrics`,
    address: `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
