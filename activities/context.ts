// What every activity group shares: its dependencies, the interface lookup and the credentials cache, TIXNGO
// clients bound to the activity's cancellation, heartbeats around the bulk calls, and the per-item failure helpers.
import path from 'node:path';
import { Context, ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { z } from 'zod';
import type { InterfaceFunction } from '../common/domain';
import { ERR_CONFIG, ERR_INVALID_TICKET_DATA, ERR_TIXNGO_CONFLICT, ERR_TIXNGO_NOT_FOUND, ERR_TIXNGO_REJECTED } from '../common/errors';
import { splitTicketRefs } from '../contract/function-params';
import type { Repository } from '../db/repo';
import type { SecretKey } from '../config/secrets';
import type { InterfaceCredentials, InterfaceRow, TicketPayloadRow } from '../db/types';
import type { TicketOutcome, TixngoClient } from '../tixngo/client';
import { TixngoError } from '../tixngo/errors';
import { formatIssues, issuePath } from '../tixngo/contract';
import { toFailure } from './failures';
import type { Mailer, NotifyRepository } from './notify';
import type { BatchResultBase, SimulatedItem } from './types';

/** The TIXNGO calls the activities make (tixngo/client.ts TixngoClient; tests pass a fake). */
export type TixngoClientLike = Pick<TixngoClient, 'injectTickets' | 'getTickets' | 'deleteTickets' | 'markControlled' | 'getDiff' | 'injectPrivileges' | 'getPrivilegeInstances'>;

/**
 * Builds the TIXNGO client of one interface from its credentials, bound to the running activity's cancellation.
 * May throw TixngoConfigError (bad URL or key): the activity fails non-retryably, the message never shows the key.
 */
export type TixngoClientFactory = (cred: InterfaceCredentials, signal?: AbortSignal) => TixngoClientLike;

/** The S-360 reads and writes of the activities. */
export type ActivityRepository = Pick<
  Repository,
  | 'getInterfaceByName'
  | 'listInterfaces'
  | 'getInterfaceCredentials'
  | 'recordItemErrors'
  | 'resolveTicketRefs'
  | 'startExclusiveExecution'
  | 'finishExecution'
  | 'selectInjectionCandidates'
  | 'loadTicketsForPayload'
  | 'markInjected'
  | 'selectPushCancelledCandidates'
  | 'selectPushControlledCandidates'
  | 'selectChangedSince'
  | 'markPushed'
  | 'getFeedbackCursor'
  | 'applyFeedbackPage'
  | 'ticketTaxNumbers'
  | 'selectPrivilegeCandidates'
  | 'loadCardsForPayload'
  | 'markCardsInjected'
  | 'selectInjectedInRun'
  | 'selectPendingDeletionsInRun'
  | 'countPushedInRun'
  | 'applyTicketStates'
  | 'cancelTickets'
  | 'controlTickets'
  | 'resolveErrors'
  | keyof NotifyRepository
>;

export interface ActivityDeps {
  repo: ActivityRepository;
  /** Decrypts the interfaces' API keys (several while keys rotate). */
  secretKey: SecretKey | readonly SecretKey[];
  /** TIXNGO client factory (workers/worker.ts tixngoClientFactory). */
  tixngo: TixngoClientFactory;
  /** Temporal client for the fan-out activities (start/signal ticket workflows). */
  client: Client;
  taskQueue: string;
  /** Clock of the caches and of default timestamps; default the system clock. */
  now?: () => Date;
  /** Parallel start/signal calls inside one fan-out activity. */
  fanoutConcurrency?: number;
  /**
   * Start new ticket workflows with eager workflow start: the server hands their first workflow task back in the
   * start response, to this process's worker, instead of through matching. Needs `client` on the worker's
   * NativeConnection (the SDK refuses it otherwise) and the server's system.enableEagerWorkflowStart (default on).
   */
  eagerStart?: boolean;
  /**
   * Dormant ticket workflows: a new ticket workflow started by `injected` gets this start delay (ms), so it exists,
   * is searchable and takes signal-with-start and updates, but runs its first workflow task only when an event
   * wakes it (signal-with-start, an update) or the delay ends. 0 or undefined: the first task runs at once.
   */
  ticketStartDelayMs?: number;
  /** How long interface rows and credentials are cached (default 30 s; tests use 0 to see changes at once). */
  interfaceCacheMs?: number;
  /** SMTP mailer of the error e-mails (mailerFromConfig); undefined: they are logged as skipped. */
  mailer?: Mailer;
  /** Folder of the injection dumps (dumpTnPRvariables): DATA_DIR/dumps; default `.data/dumps`, DATA_DIR's default. */
  dumpDir?: string;
}

const DEFAULT_CACHE_MS = 30_000;

export type ItemFailureOut = BatchResultBase['rejected'][number];

/** The dependencies plus the caches one set of activities shares. */
export interface ActivityContext {
  deps: ActivityDeps;
  repo: ActivityRepository;
  now(): Date;
  /** Absolute folder of the injection dumps. */
  dumpDir: string;
  /** The interface row by name (cached); an unknown name is a non-retryable configuration failure. */
  iface(name: string): Promise<InterfaceRow>;
  /** A TIXNGO client for this interface, bound to the activity's cancellation. */
  tixngo(row: InterfaceRow): Promise<TixngoClientLike>;
  recordFailures(row: InterfaceRow, fn: InterfaceFunction, kind: 'ticket' | 'card', failures: ItemFailureOut[], runId: string): Promise<void>;
  /** One page of a force list, resolved to S-360 ids (keyset pagination over the sorted ids). */
  forcedPage(interfaceId: number, refs: readonly string[], afterId: string | undefined, limit: number): Promise<{ ids: string[]; done: boolean }>;
}

export function createActivityContext(deps: ActivityDeps): ActivityContext {
  const { repo } = deps;
  const now = deps.now ?? (() => new Date());
  const ms = () => now().getTime();
  const CACHE_MS = deps.interfaceCacheMs ?? DEFAULT_CACHE_MS;
  const ifaceCache = new Map<string, { at: number; row: InterfaceRow }>();
  const credCache = new Map<number, { at: number; cred: InterfaceCredentials }>();

  return {
    deps,
    repo,
    now,
    dumpDir: path.resolve(deps.dumpDir ?? path.join('.data', 'dumps')),

    async iface(name) {
      const hit = ifaceCache.get(name);
      if (hit && ms() - hit.at < CACHE_MS) return hit.row;
      const row = await repo.getInterfaceByName(name);
      if (!row) {
        const known = (await repo.listInterfaces()).map((i) => i.name);
        throw ApplicationFailure.create({
          type: ERR_CONFIG,
          message: `unknown interface '${name}'${known.length ? `; known: ${known.join(', ')}` : '; none is configured (s360-tixngo interface add)'}`,
          nonRetryable: true,
        });
      }
      ifaceCache.set(name, { at: ms(), row });
      return row;
    },

    async tixngo(row) {
      let hit = credCache.get(row.id);
      if (!hit || ms() - hit.at > CACHE_MS) {
        try {
          hit = { at: ms(), cred: await repo.getInterfaceCredentials(row.id, deps.secretKey) };
        } catch (err) {
          throw ApplicationFailure.create({ type: ERR_CONFIG, message: `interface '${row.name}': cannot read its API key: ${(err as Error).message}`, nonRetryable: true });
        }
        credCache.set(row.id, hit);
      }
      try {
        return deps.tixngo(hit.cred, cancellationSignal());
      } catch (err) {
        throw toFailure(err, `interface '${row.name}'`);
      }
    },

    async recordFailures(row, fn, kind, failures, runId) {
      if (failures.length === 0) return;
      await repo.recordItemErrors(
        row.id,
        fn,
        kind,
        failures.map((f) => ({ itemId: f.itemId, field: f.field, message: f.message })),
        runId,
      );
    },

    async forcedPage(interfaceId, refs, afterId, limit) {
      const all = await repo.resolveTicketRefs(interfaceId, splitTicketRefs(refs));
      const after = afterId === undefined ? -1n : BigInt(afterId);
      const rest = all.filter((id) => BigInt(id) > after);
      return { ids: rest.slice(0, limit), done: rest.length <= limit };
    },
  };
}

/** The running activity's cancellation, so an HTTP call stops with it; undefined outside an activity (tests). */
function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

export function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    /* not in an activity */
  }
}

/**
 * The heartbeat details of a batch activity. `posted`: see mayHaveBeenAccepted. `accepted`: what TIXNGO accepted in
 * the sub-calls already made (ticketIterationSize) or already held, so that a retry after a failed later sub-call
 * neither sends them again nor forgets to report them (and marks them, should they not be marked yet).
 */
interface BatchHeartbeat<A> {
  posted?: boolean;
  accepted?: A[];
}

function startDetails<A>(): BatchHeartbeat<A> | undefined {
  try {
    const info = Context.current().info;
    return info.attempt <= 1 ? undefined : (info.heartbeatDetails as BatchHeartbeat<A> | undefined);
  } catch {
    return undefined;
  }
}

/**
 * Whether an earlier attempt of this activity may have had its bulk call accepted by TIXNGO: it reached the
 * call (heartbeat `{ posted: true }` just before it) and did not get a definite answer (`{ posted: false }` is
 * recorded when TIXNGO answered with an error status, so nothing was accepted). Only then does a retry spend
 * a read-by-id call; under a rate limit this keeps each attempt to a single call.
 */
export function mayHaveBeenAccepted(): boolean {
  try {
    if (Context.current().info.attempt <= 1) return false;
  } catch {
    return false;
  }
  return startDetails()?.posted !== false;
}

/**
 * What earlier attempts of this activity knew TIXNGO had accepted (a split batch whose later sub-call failed).
 * Heartbeats are throttled, so after a worker crash this may lag: the items it misses were marked in S-360 (never
 * selected again as unprocessed), and mayHaveBeenAccepted then holds, so an injection asks TIXNGO first.
 */
export function acceptedEarlier<A>(): A[] {
  return startDetails<A>()?.accepted ?? [];
}

/**
 * Runs one bulk call, recording around it whether TIXNGO may have accepted it (see mayHaveBeenAccepted), with what
 * the batch's earlier sub-calls had accepted (see acceptedEarlier).
 */
export async function posting<T, A = unknown>(call: () => Promise<T>, accepted?: readonly A[]): Promise<T> {
  heartbeat(batchDetails(true, accepted));
  try {
    return await call();
  } catch (err) {
    if (err instanceof TixngoError && err.httpStatus !== undefined) heartbeat(batchDetails(false, accepted));
    throw err;
  }
}

/**
 * After a sub-call's accepted items are marked in S-360: records them for a retry. `posted` stays true: should a
 * later heartbeat be lost in the throttle (worker crash), a retry must still ask TIXNGO what it holds.
 */
export function acceptedSoFar<A>(accepted: readonly A[]): void {
  heartbeat(batchDetails(true, accepted));
}

function batchDetails<A>(posted: boolean, accepted: readonly A[] | undefined): BatchHeartbeat<A> {
  return accepted?.length ? { posted, accepted: [...accepted] } : { posted };
}

/**
 * Simulation mode (§3.1.1): each item's wire form checked against the TIXNGO contract, as the client would before
 * sending; the valid ones reported with what the call would do, the others as local rejections. Sends nothing.
 */
export function simulateItems<R extends { id: string }>(
  rows: readonly R[],
  kind: 'ticket' | 'card',
  schema: z.ZodType,
  wire: (r: R) => unknown,
  would: (r: R) => Omit<SimulatedItem, 'itemId'>,
  eventOf: (r: R) => string,
): { simulated: SimulatedItem[]; rejected: ItemFailureOut[] } {
  const simulated: SimulatedItem[] = [];
  const rejected: ItemFailureOut[] = [];
  for (const r of rows) {
    const check = schema.safeParse(wire(r));
    if (check.success) simulated.push({ itemId: r.id, ...would(r) });
    else rejected.push({ itemId: r.id, eventCode: eventOf(r), type: ERR_INVALID_TICKET_DATA, field: issuePath(check.error.issues[0]!.path), message: `${kind} ${r.id}: ${formatIssues(check.error)}` });
  }
  return { simulated, rejected };
}

/** `ticket 123: spectatorDetails.email: required` from a per-item result. */
export function describeRejection(kind: string, id: string, r: Pick<TicketOutcome, 'errors' | 'reason'>): { message: string; field?: string } {
  const errs = r.errors ?? [];
  const field = errs.find((e) => e.field)?.field;
  const detail = errs.length ? errs.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ') : (r.reason ?? 'rejected');
  return { message: `${kind} ${id}: ${detail}`, field };
}

export function failureType(r: Pick<TicketOutcome, 'reason'> & { local?: boolean }): string {
  if (r.local) return ERR_INVALID_TICKET_DATA;
  if (r.reason === 'CONFLICT') return ERR_TIXNGO_CONFLICT;
  if (r.reason === 'NOT_FOUND') return ERR_TIXNGO_NOT_FOUND;
  return ERR_TIXNGO_REJECTED;
}

/** Tickets of a "do exactly these" call, split by what S-360 says about them. */
export function eligibleTickets(rows: TicketPayloadRow[], ifaceId: number, ok: (r: TicketPayloadRow) => boolean): TicketPayloadRow[] {
  return rows.filter((r) => r.interfaceId === ifaceId && ok(r));
}

/** A positive integer custom parameter of the interface (e.g. ticketIterationSize), else undefined. */
export function customInt(row: InterfaceRow, key: string): number | undefined {
  const v = row.customParams[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** A boolean custom parameter of the interface (`true`/`false`, as stored by db/custom-params.ts), else `def`. */
export function customBool(row: InterfaceRow, key: string, def: boolean): boolean {
  const v = row.customParams[key];
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  return def;
}
