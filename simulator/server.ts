// TIXNGO organizer API simulator: a real HTTP server (node:http, no framework) serving the
// contract of tixngo/contract.ts (routes/organizer.ts), with fault injection (faults.ts) and an
// admin API under /__sim (routes/admin.ts).
//
// Admin API (no API key; a stable contract other suites rely on):
//   GET    /__sim/health                      -> { ok: true }
//   GET    /__sim/stats                       -> { calls, tickets, events, privilegeInstances, reinjectedTickets }
//   GET    /__sim/tickets/:ticketId           -> { ticketId, eventId, status, walletOwner, ticketHolder, injectCount, history, ... }
//   POST   /__sim/tickets/:ticketId/status    { status } -> the API reports this status (any string) until the next lifecycle change
//   GET    /__sim/faults                      -> current faults
//   POST   /__sim/faults                      -> merge faults (zod-validated; 400 names the bad field)
//   DELETE /__sim/faults                      -> clear faults
//   POST   /__sim/wallet/:ticketId/download|activate|assign|transfer|accept|reject
//   POST   /__sim/reset                       -> clear all state and faults
import http from 'node:http';
import { FaultInjector, type Faults } from './faults';
import { errorAnswer, send, type Answer } from './http';
import { ADMIN_BASE_PATH, adminApi } from './routes/admin';
import { ORGANIZER_BASE_PATH, organizerApi } from './routes/organizer';
import { SimulatorState } from './state';
import { readStateFile, writeStateFile } from './state/persistence';
import { SimHttpError } from './state/store';

export interface SimulatorOptions {
  /** 0 (default) = a random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** When set, only this key is accepted; otherwise any non-empty key. */
  apiKey?: string;
  /** Delay before a DELETION_PENDING ticket becomes DELETED, default 2000 ms. */
  deletionDelayMs?: number;
  /** JSON file the state is loaded from at start and saved to periodically and on close. */
  persistFile?: string;
  /** One line per request (method, path, status, duration). Never receives the key. */
  log?: (line: string) => void;
}

export interface Simulator {
  /** http://host:port */
  url: string;
  /** url + /v3/organizer/tickets */
  interfaceUrl: string;
  port: number;
  close(): Promise<void>;
  state: SimulatorState;
  /** Current faults (read-only view). */
  faults(): Readonly<Faults>;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log;
  const baseDeletionDelay = opts.deletionDelayMs ?? 2000;
  const state = new SimulatorState({ deletionDelayMs: baseDeletionDelay });
  if (opts.apiKey !== undefined && opts.apiKey === '') throw new Error('apiKey must not be empty when given');

  const saved = opts.persistFile ? readStateFile(opts.persistFile) : undefined;
  if (saved) {
    state.loadPersisted(saved);
    log?.(`loaded state from ${opts.persistFile}: ${state.tickets.size} tickets`);
  }

  const faults = new FaultInjector(state, baseDeletionDelay);
  const calls = new Map<string, number>();
  const handleOrganizer = organizerApi({ state, faults, calls, expectedKey: opts.apiKey });
  const handleAdmin = adminApi({ state, faults, calls });

  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://simulator');
    const p = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const isAdmin = p === ADMIN_BASE_PATH || p.startsWith(`${ADMIN_BASE_PATH}/`);
    const isOrganizer = p === ORGANIZER_BASE_PATH || p.startsWith(`${ORGANIZER_BASE_PATH}/`);
    const work = async (): Promise<Answer> => {
      try {
        if (isAdmin) return await handleAdmin(req, url, p);
        if (isOrganizer) return await handleOrganizer(req, url, p);
        return errorAnswer(404, 'NOT_FOUND', `no such endpoint: ${req.method ?? 'GET'} ${p}`);
      } catch (err) {
        if (err instanceof SimHttpError) return errorAnswer(err.status, err.code, err.message, err.details);
        log?.(`internal error on ${req.method ?? 'GET'} ${p}: ${(err as Error).stack ?? String(err)}`);
        return errorAnswer(500, 'INTERNAL', 'internal simulator error');
      }
    };
    void work()
      .then(async (answer) => {
        // Drain an unread body so keep-alive connections stay usable.
        if (!req.readableEnded) req.resume();
        const latencyMs = faults.current.latencyMs;
        if (isOrganizer && latencyMs) await sleep(latencyMs);
        send(res, answer);
        if (log) {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          log(`${req.method ?? 'GET'} ${p} ${answer.status} ${ms.toFixed(1)}ms`);
        }
      })
      .catch((err: unknown) => {
        log?.(`could not answer ${req.method ?? 'GET'} ${p}: ${(err as Error).message}`);
        res.destroy();
      });
  });
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 35_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('simulator: no TCP address');
  const port = address.port;
  const urlHost = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;

  // -- persistence ------------------------------------------------------------------------
  const persist = () => {
    if (opts.persistFile) writeStateFile(state, opts.persistFile);
  };
  let persistTimer: NodeJS.Timeout | undefined;
  if (opts.persistFile) {
    persistTimer = setInterval(() => {
      if (!state.dirty) return;
      try {
        persist();
      } catch (err) {
        log?.(`could not persist state: ${(err as Error).message}`);
      }
    }, 10_000);
    persistTimer.unref();
  }

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((resolve, reject) => {
      if (persistTimer) clearInterval(persistTimer);
      state.dispose();
      server.close((err) => {
        try {
          persist();
        } catch (e) {
          reject(e as Error);
          return;
        }
        if (err) reject(err);
        else resolve();
      });
      server.closeAllConnections();
    }));

  return { url, interfaceUrl: `${url}${ORGANIZER_BASE_PATH}/tickets`, port, close, state, faults: () => ({ ...faults.current }) };
}
