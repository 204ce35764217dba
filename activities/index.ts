// The activities: every side effect of the product. Built by createActivities(deps) so that workers pass the real
// S-360 repository, secret key and Temporal client, and tests can pass their own.
//
// Rules kept here:
//  - one batch = one bulk TIXNGO call + one S-360 transaction for its outcome;
//  - exactly-once effects from at-least-once execution: on a retried attempt, injection first asks TIXNGO which
//    tickets it already holds and does not send them again; every S-360 write is an idempotent upsert;
//  - the API key is read from S-360 (decrypted in memory) and never leaves this process: not in workflow input,
//    history, logs or error messages.
import { Context, ApplicationFailure, log } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { InterfaceFunction, S360TicketStatus, TixngoStatus } from '../common/domain';
import { ERR_ALREADY_RUNNING, ERR_CONFIG, ERR_INVALID_TICKET_DATA, ERR_TIXNGO_CONFLICT, ERR_TIXNGO_NOT_FOUND, ERR_TIXNGO_REJECTED } from '../common/errors';
import { cardWorkflowId, ticketWorkflowId } from '../common/ids';
import {
  CardIdKey,
  EventCodeKey,
  InterfaceNameKey,
  LifecycleStepKey,
  NeedsAttentionKey,
  S360StatusKey,
  TicketIdKey,
  TixngoStatusKey,
} from '../common/search-attributes';
import type { Repository } from '../db/repository';
import type { InterfaceRow, TicketPayloadRow } from '../db/types';
import type { SecretKey } from '../db/secrets';
import { TixngoClient, TixngoError, type TicketOutcome } from '../tixngo/client';
import type { NotifyResult } from '../common/functions';
import type { LifecycleOptions, TicketEvent } from '../common/lifecycle';
import { cardEventSignal, ticketEventSignal } from '../workflows/messages';
import { toFailure } from './failures';
import { buildPrivilegePayload, buildTicketPayload, showDeletedTicketFor } from './payload';
import { chunks, matchesFilters, missingHolderFields, skipper } from './params';
import { splitTicketRefs } from '../contract/function-params';
import { formatIssues, injectionTicketSchema, issuePath } from '../tixngo/contract';
import { createNotifyActivities, type Mailer } from './notify';
import type { Activities, BatchInput, BatchResultBase, InterfaceInfo } from './types';

export interface ActivityDeps {
  repo: Repository;
  secretKey: SecretKey | readonly SecretKey[];
  /** Temporal client for the fan-out activities (start/signal ticket workflows). */
  client: Client;
  taskQueue: string;
  tixngo: { auth: 'header' | 'basic'; keyHeader: string; timeoutMs: number };
  /** Parallel start/signal calls inside one fan-out activity. */
  fanoutConcurrency?: number;
  /**
   * Start new ticket workflows with eager workflow start: the server hands their first workflow task back in the
   * start response, to this process's worker, instead of through matching. Needs `client` on the worker's
   * NativeConnection (the SDK refuses it otherwise) and the server's system.enableEagerWorkflowStart (default on).
   */
  eagerStart?: boolean;
  /** How long interface rows and credentials are cached (default 30 s; tests use 0 to see changes at once). */
  interfaceCacheMs?: number;
  /** SMTP mailer of the error e-mails (mailerFromConfig); undefined: they are logged as skipped. */
  mailer?: Mailer;
}

const DEFAULT_CACHE_MS = 30_000;

type ItemFailureOut = BatchResultBase['rejected'][number];

/** `ticket 123: spectatorDetails.email: required` from a per-item result. */
function describeRejection(kind: string, id: string, r: Pick<TicketOutcome, 'errors' | 'reason'>): { message: string; field?: string } {
  const errs = r.errors ?? [];
  const field = errs.find((e) => e.field)?.field;
  const detail = errs.length ? errs.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ') : (r.reason ?? 'rejected');
  return { message: `${kind} ${id}: ${detail}`, field };
}

function failureType(r: Pick<TicketOutcome, 'reason'> & { local?: boolean }): string {
  if (r.local) return ERR_INVALID_TICKET_DATA;
  if (r.reason === 'CONFLICT') return ERR_TIXNGO_CONFLICT;
  if (r.reason === 'NOT_FOUND') return ERR_TIXNGO_NOT_FOUND;
  return ERR_TIXNGO_REJECTED;
}

/** Runs fn over items with at most `limit` in flight. */
async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(lanes);
}

export function createActivities(deps: ActivityDeps): Activities {
  const { repo } = deps;
  const CACHE_MS = deps.interfaceCacheMs ?? DEFAULT_CACHE_MS;
  const ifaceCache = new Map<string, { at: number; row: InterfaceRow }>();
  const credCache = new Map<number, { at: number; url: string; login: string; apiKey: string }>();

  const notifyTicket = (interfaceName: string, item: { ticketId: string; eventCode: string; event: TicketEvent }, lifecycleOptions: LifecycleOptions | undefined) =>
    deliverTicketEvent(deps.client, deps.taskQueue, interfaceName, item, lifecycleOptions, deps.eagerStart === true);

  async function iface(name: string): Promise<InterfaceRow> {
    const hit = ifaceCache.get(name);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.row;
    const row = await repo.getInterfaceByName(name);
    if (!row) {
      const known = (await repo.listInterfaces()).map((i) => i.name);
      throw ApplicationFailure.create({
        type: ERR_CONFIG,
        message: `unknown interface '${name}'${known.length ? `; known: ${known.join(', ')}` : '; none is configured (s360-tixngo interface add)'}`,
        nonRetryable: true,
      });
    }
    ifaceCache.set(name, { at: Date.now(), row });
    return row;
  }

  /** A TIXNGO client for this interface, bound to the activity's cancellation. */
  async function tixngo(row: InterfaceRow): Promise<TixngoClient> {
    let cred = credCache.get(row.id);
    if (!cred || Date.now() - cred.at > CACHE_MS) {
      try {
        cred = { at: Date.now(), ...(await repo.getInterfaceCredentials(row.id, deps.secretKey)) };
      } catch (err) {
        throw ApplicationFailure.create({ type: ERR_CONFIG, message: `interface '${row.name}': cannot read its API key: ${(err as Error).message}`, nonRetryable: true });
      }
      credCache.set(row.id, cred);
    }
    let signal: AbortSignal | undefined;
    try {
      signal = Context.current().cancellationSignal;
    } catch {
      signal = undefined; // called outside an activity (tests)
    }
    try {
      return new TixngoClient({ url: cred.url, login: cred.login, apiKey: cred.apiKey, ...deps.tixngo, signal });
    } catch (err) {
      throw toFailure(err, `interface '${row.name}'`);
    }
  }

  function heartbeat(details?: unknown) {
    try {
      Context.current().heartbeat(details);
    } catch {
      /* not in an activity */
    }
  }
  /**
   * Whether an earlier attempt of this activity may have had its bulk call accepted by TIXNGO: it reached the
   * call (heartbeat `{ posted: true }` just before it) and did not get a definite answer (`{ posted: false }` is
   * recorded when TIXNGO answered with an error status, so nothing was accepted). Only then does a retry spend
   * a read-by-id call; under a rate limit this keeps each attempt to a single call.
   */
  function mayHaveBeenAccepted(): boolean {
    try {
      const info = Context.current().info;
      if (info.attempt <= 1) return false;
      const d = info.heartbeatDetails as { posted?: boolean } | undefined;
      return d?.posted !== false;
    } catch {
      return false;
    }
  }
  /** Runs the bulk call, recording around it whether TIXNGO may have accepted it (see mayHaveBeenAccepted). */
  async function posting<T>(call: () => Promise<T>): Promise<T> {
    heartbeat({ posted: true });
    try {
      return await call();
    } catch (err) {
      if (err instanceof TixngoError && err.httpStatus !== undefined) heartbeat({ posted: false });
      throw err;
    }
  }

  /** Tickets of a "do exactly these" call, split by what S-360 says about them. */
  function eligibleTickets(rows: TicketPayloadRow[], ifaceId: number, ok: (r: TicketPayloadRow) => boolean) {
    return rows.filter((r) => r.interfaceId === ifaceId && ok(r));
  }

  async function recordFailures(row: InterfaceRow, fn: InterfaceFunction, kind: 'ticket' | 'card', failures: ItemFailureOut[], runId: string) {
    if (failures.length === 0) return;
    await repo.recordItemErrors(
      row.id,
      fn,
      kind,
      failures.map((f) => ({ itemId: f.itemId, field: f.field, message: f.message })),
      runId,
    );
  }

  /** One page of a force list, resolved to S-360 ids (keyset pagination over the sorted ids). */
  async function forcedPage(interfaceId: number, refs: readonly string[], afterId: string | undefined, limit: number) {
    const all = await repo.resolveTicketRefs(interfaceId, splitTicketRefs(refs));
    const after = afterId === undefined ? -1n : BigInt(afterId);
    const rest = all.filter((id) => BigInt(id) > after);
    return { ids: rest.slice(0, limit), done: rest.length <= limit };
  }

  /**
   * The page of tickets a push works on: exactly `itemIds` (a ticket's own cancel/control, forced); a force list
   * (§3.0, forced too); "Date from" (every ticket changed since, processed or not); or the unprocessed
   * candidates. Then the event, the filters and the skip list apply.
   */
  async function pushPage(row: InterfaceRow, input: BatchInput, fn: 'PUSH_CANCELLED' | 'PUSH_CONTROLLED') {
    const p = input.params;
    const statuses: S360TicketStatus[] = fn === 'PUSH_CANCELLED' ? ['CANCELLED', 'INVALIDATED'] : ['CONTROLLED'];
    let ids: string[];
    let lastId: string | undefined;
    let done: boolean;
    if (input.itemIds) {
      ids = input.itemIds;
      done = true;
    } else if (p?.forceTickets) {
      const forced = await forcedPage(row.id, p.forceTickets, input.afterId, input.limit);
      ids = forced.ids;
      lastId = ids[ids.length - 1];
      done = forced.done;
    } else if (p?.dateFrom) {
      ids = await repo.selectChangedSince(row.id, statuses, p.dateFrom, { afterId: input.afterId, limit: input.limit });
      lastId = ids[ids.length - 1];
      done = ids.length < input.limit;
    } else {
      const c = fn === 'PUSH_CANCELLED'
        ? await repo.selectPushCancelledCandidates(row.id, { afterId: input.afterId, limit: input.limit })
        : await repo.selectPushControlledCandidates(row.id, { afterId: input.afterId, limit: input.limit });
      ids = c.map((x) => x.id);
      lastId = ids[ids.length - 1];
      done = ids.length < input.limit;
    }
    const loaded = eligibleTickets(await repo.loadTicketsForPayload(ids), row.id, (r) => statuses.includes(r.status));
    const inScope = loaded.filter((r) => (!input.eventCode || r.performance.code === input.eventCode) && matchesFilters(r, p));
    const isSkipped = skipper(p);
    const rows = inScope.filter((r) => !isSkipped(r));
    return { rows, selected: inScope.length, skipped: inScope.length - rows.length, lastId, done };
  }

  function customInt(row: InterfaceRow, key: string): number | undefined {
    const v = row.customParams[key];
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
    return Number.isInteger(n) && n > 0 ? n : undefined;
  }

  const activities: Activities = {
    // Error e-mails (activities/notify.ts): the same object for every worker, so none can miss the activity.
    ...createNotifyActivities({ repo, mailer: deps.mailer }),
    async resolveInterface(name): Promise<InterfaceInfo> {
      const row = await iface(name);
      const kr = row.customParams.killRatio;
      const killRatio = typeof kr === 'number' ? kr : typeof kr === 'string' && kr.trim() !== '' ? Number(kr) : undefined;
      return { interfaceId: String(row.id), name: row.name, batchSizes: row.settings, killRatio: Number.isFinite(killRatio) ? killRatio : undefined };
    },

    async startExecution({ interfaceName, fn, workflowId, runId }) {
      const row = await iface(interfaceName);
      // One run of a function per interface at a time (§3.6): a manual run and a scheduled one have different
      // workflow ids (the schedule appends its time), so the id alone does not keep them apart; S-360 does.
      const r = await repo.startExclusiveExecution({ interfaceId: row.id, fn, workflowId, runId }, (id) => workflowRunning(deps.client, id));
      if ('running' in r) {
        throw ApplicationFailure.create({
          type: ERR_ALREADY_RUNNING,
          nonRetryable: true,
          message: `${fn} is already running on interface '${row.name}' (workflow ${r.running.workflowId}, started ${r.running.startedAt}); this run did nothing`,
        });
      }
      return r.started;
    },

    async finishExecution({ executionId, outcome, counts, error }) {
      await repo.finishExecution(executionId, { outcome, counts: { ...counts }, error });
    },

    async injectTicketBatch(input) {
      const row = await iface(input.interfaceName);
      const runId = input.executionId ?? 'manual';
      const p = input.params;
      let alreadyDone: TicketPayloadRow[] = [];
      let rows: TicketPayloadRow[];
      let lastId: string | undefined;
      let done: boolean;
      if (input.itemIds) {
        const all = await repo.loadTicketsForPayload(input.itemIds);
        rows = eligibleTickets(all, row.id, (r) => r.status === 'NOT_PRINTED');
        // Already printed (injected by a later run): nothing to send, report it as injected.
        alreadyDone = eligibleTickets(all, row.id, (r) => r.status === 'PRINTED' || r.status === 'CONTROLLED');
        done = true;
      } else if (p?.forceTickets) {
        // Force list (§3.0): exactly these tickets, sent again even if already injected (TIXNGO updates them).
        const forced = await forcedPage(row.id, p.forceTickets, input.afterId, input.limit);
        const ids = forced.ids;
        rows = (await repo.loadTicketsForPayload(ids)).filter((r) => r.status === 'NOT_PRINTED' || r.status === 'PRINTED' || r.status === 'CONTROLLED');
        lastId = ids[ids.length - 1];
        done = forced.done;
      } else {
        const ids = await repo.selectInjectionCandidates(row.id, { eventCode: input.eventCode, afterId: input.afterId, limit: input.limit });
        rows = await repo.loadTicketsForPayload(ids);
        lastId = ids[ids.length - 1];
        done = ids.length < input.limit;
      }
      // Filters (AND; a file number overrides them) leave other tickets for other schedules: not counted here.
      rows = rows.filter((r) => matchesFilters(r, p));
      const selected = rows.length + alreadyDone.length;
      const isSkipped = skipper(p);
      const skippedRows = rows.filter(isSkipped);
      rows = rows.filter((r) => !isSkipped(r));
      // Mandatory holder fields (§3.1.1): such tickets wait, with the reason recorded, until the data is there.
      const waiting: ItemFailureOut[] = [];
      if (p?.mandatoryHolderFields) {
        rows = rows.filter((r) => {
          const missing = missingHolderFields(r, p.mandatoryHolderFields);
          if (missing.length) {
            waiting.push({ itemId: r.id, eventCode: r.performance.code, type: ERR_INVALID_TICKET_DATA, field: `holder.${missing[0]!.toLowerCase()}`, message: `ticket ${r.id} waits: mandatory holder field(s) ${missing.join(', ')} missing` });
          }
          return missing.length === 0;
        });
      }
      heartbeat();
      const payloadOptions = { mainApplicant: p?.mainApplicant, barcodePrefix: p?.barcodePrefix, barcodeSuffix: p?.barcodeSuffix };
      const eventOf = new Map(rows.map((r) => [r.id, r.performance.code]));
      const accepted: { ticketId: string; eventCode: string }[] = alreadyDone.map((r) => ({ ticketId: r.id, eventCode: r.performance.code }));
      const rejected: ItemFailureOut[] = [];
      let calls = 0;

      if (p?.simulationMode) {
        // Simulation (§3.1.1): build and check every payload, send nothing, mark nothing.
        for (const r of rows) {
          const check = injectionTicketSchema.safeParse(buildTicketPayload(r, row.customParams, payloadOptions));
          if (!check.success) {
            const field = issuePath(check.error.issues[0]!.path);
            rejected.push({ itemId: r.id, eventCode: r.performance.code, type: ERR_INVALID_TICKET_DATA, field, message: `ticket ${r.id}: ${formatIssues(check.error)}` });
          }
        }
        return { selected, accepted: [], rejected, skipped: selected - rejected.length, lastId, done, tixngoCalls: 0 };
      }

      const client = await tixngo(row);
      // Exactly once: a retried attempt may follow a call TIXNGO accepted before the worker died.
      const held = new Set<string>();
      if (mayHaveBeenAccepted() && rows.length) {
        try {
          const found = await client.getTickets(rows.map((r) => r.id));
          calls++;
          for (const t of found.tickets) if (t.status !== 'DELETED' && t.status !== 'DELETION_PENDING') held.add(t.ticketId);
        } catch (err) {
          throw toFailure(err, `injection on interface '${row.name}' (checking what TIXNGO already holds)`);
        }
        if (held.size) log.info('retried injection: tickets already in TIXNGO are not sent again', { count: held.size });
      }
      for (const id of held) accepted.push({ ticketId: id, eventCode: eventOf.get(id)! });

      const toSend = rows.filter((r) => !held.has(r.id)).map((r) => buildTicketPayload(r, row.customParams, payloadOptions));
      // ticketIterationSize (§4) splits a batch into consecutive calls.
      for (const part of chunks(toSend, customInt(row, 'ticketIterationSize'))) {
        let res;
        try {
          res = await posting(() => client.injectTickets(part));
        } catch (err) {
          throw toFailure(err, `injection on interface '${row.name}'`);
        }
        if (res.results.some((r) => !r.local)) calls++;
        for (const r of res.results) {
          const eventCode = eventOf.get(r.ticketId) ?? '';
          if (r.outcome === 'ACCEPTED') accepted.push({ ticketId: r.ticketId, eventCode });
          else rejected.push({ itemId: r.ticketId, eventCode, type: failureType(r), ...describeRejection('ticket', r.ticketId, r) });
        }
        heartbeat();
      }
      await repo.markInjected(
        row.id,
        accepted.map((a) => a.ticketId),
        runId,
      );
      await recordFailures(row, 'INJECTION', 'ticket', [...rejected, ...waiting], runId);
      const skipped = skippedRows.length + waiting.length;
      if (input.countAcceptedOnly) return { selected, accepted: [], acceptedCount: accepted.length, rejected, skipped, lastId, done, tixngoCalls: calls };
      return { selected, accepted, rejected, skipped, lastId, done, tixngoCalls: calls };
    },

    async pushCancelledBatch(input) {
      const row = await iface(input.interfaceName);
      const runId = input.executionId ?? 'manual';
      const page = await pushPage(row, input, 'PUSH_CANCELLED');
      const { selected, lastId, done } = page;
      const details = new Map(page.rows.map((r) => [r.id, r]));
      const items = page.rows.map((r) => ({ id: r.id, status: r.status as 'CANCELLED' | 'INVALIDATED', reason: r.invalidationReason }));
      const pushed: Awaited<ReturnType<Activities['pushCancelledBatch']>>['pushed'] = [];
      const rejected: ItemFailureOut[] = [];
      let calls = 0;
      if (items.length) {
        const client = await tixngo(row);
        const show = new Map(items.map((c) => [c.id, showDeletedTicketFor(c.reason, row.customParams, input.notifySpectator)]));
        let res;
        try {
          res = await client.deleteTickets(items.map((c) => ({ ticketId: c.id, reason: c.reason ?? c.status, showDeletedTicket: show.get(c.id)! })));
        } catch (err) {
          throw toFailure(err, `push cancelled on interface '${row.name}'`);
        }
        if (res.results.some((r) => !r.local)) calls++;
        const byId = new Map(items.map((c) => [c.id, c]));
        for (const r of res.results) {
          const c = byId.get(r.ticketId)!;
          const eventCode = details.get(r.ticketId)?.performance.code ?? '';
          if (r.outcome === 'ACCEPTED') {
            pushed.push({
              ticketId: r.ticketId,
              eventCode,
              reason: c.reason ?? undefined,
              s360Status: c.status,
              tixngoStatus: (r.status ?? 'DELETION_PENDING') as TixngoStatus,
              showDeletedTicket: show.get(r.ticketId)!,
            });
          } else rejected.push({ itemId: r.ticketId, eventCode, type: failureType(r), ...describeRejection('ticket', r.ticketId, r) });
        }
      }
      await repo.markPushed(
        row.id,
        'PUSH_CANCELLED',
        pushed.map((p) => ({ id: p.ticketId, reason: p.reason ?? null })),
        runId,
      );
      await recordFailures(row, 'PUSH_CANCELLED', 'ticket', rejected, runId);
      return { selected, pushed, rejected, skipped: page.skipped, lastId, done, tixngoCalls: calls };
    },

    async pushControlledBatch(input) {
      const row = await iface(input.interfaceName);
      const runId = input.executionId ?? 'manual';
      const page = await pushPage(row, input, 'PUSH_CONTROLLED');
      const { selected, lastId, done } = page;
      const details = new Map(page.rows.map((r) => [r.id, r]));
      const items = page.rows.map((r) => ({ id: r.id, controlledAt: r.controlledAt }));
      const pushed: Awaited<ReturnType<Activities['pushControlledBatch']>>['pushed'] = [];
      const rejected: ItemFailureOut[] = [];
      let calls = 0;
      if (items.length) {
        const client = await tixngo(row);
        let res;
        try {
          res = await client.markControlled(items.map((c) => ({ ticketId: c.id, controlledAt: new Date(c.controlledAt ?? Date.now()).toISOString() })));
        } catch (err) {
          throw toFailure(err, `push controlled on interface '${row.name}'`);
        }
        if (res.results.some((r) => !r.local)) calls++;
        for (const r of res.results) {
          const eventCode = details.get(r.ticketId)?.performance.code ?? '';
          if (r.outcome === 'ACCEPTED') pushed.push({ ticketId: r.ticketId, eventCode, tixngoStatus: (r.status ?? 'CONTROLLED') as TixngoStatus });
          else rejected.push({ itemId: r.ticketId, eventCode, type: failureType(r), ...describeRejection('ticket', r.ticketId, r) });
        }
      }
      await repo.markPushed(
        row.id,
        'PUSH_CONTROLLED',
        pushed.map((p) => ({ id: p.ticketId })),
        runId,
      );
      await recordFailures(row, 'PUSH_CONTROLLED', 'ticket', rejected, runId);
      return { selected, pushed, rejected, skipped: page.skipped, lastId, done, tixngoCalls: calls };
    },

    async syncFeedbackPage({ interfaceName, limit, params }) {
      const row = await iface(interfaceName);
      const client = await tixngo(row);
      const cursor = await repo.getFeedbackCursor(row.id);
      let page;
      try {
        page = await client.getDiff({ paginationKey: cursor ?? undefined, limit });
      } catch (err) {
        throw toFailure(err, `feedback on interface '${row.name}'`);
      }
      // Skip list (§3.0): ignored even when TIXNGO returns them; the cursor still moves past them.
      const isSkipped = skipper(params);
      const skippedTickets = page.tickets.filter((t) => isSkipped({ id: t.ticketId }));
      const tickets = page.tickets.filter((t) => !isSkipped({ id: t.ticketId }));
      const eventOf = new Map(tickets.map((t) => [t.ticketId, t.eventId]));
      const versionOf = new Map(tickets.map((t) => [t.ticketId, t.version]));
      // Cursor and changes in one transaction: the cursor only moves once the page is stored.
      const res = await repo.applyFeedbackPage(
        row.id,
        tickets.map((t) => ({
          ticketId: t.ticketId,
          tixngoStatus: t.status,
          walletOwner: t.walletOwner,
          ticketHolder: t.ticketHolder,
          details: { updatedAt: t.updatedAt, transferLevel: t.transferLevel, pendingTransferTo: t.pendingTransferTo ?? null, deletionReason: t.deletionReason },
          version: t.version,
          updatedAt: t.updatedAt,
        })),
        page.nextPaginationKey,
      );
      if (res.unknown.length) log.warn('feedback: tickets unknown to S-360 ignored', { count: res.unknown.length, first: res.unknown[0] });
      return {
        changed: res.changed.map((c) => ({ ticketId: c.ticketId, eventCode: eventOf.get(c.ticketId) ?? '', tixngoStatus: c.tixngoStatus as TixngoStatus, version: versionOf.get(c.ticketId) ?? 0 })),
        unknown: res.unknown.length + skippedTickets.length,
        received: page.tickets.length,
        hasMore: page.hasMore,
        tixngoCalls: 1,
      };
    },

    async injectPrivilegeBatch(input) {
      const row = await iface(input.interfaceName);
      const runId = input.executionId ?? 'manual';
      let ids: string[];
      let cards;
      const accepted: { cardId: string; productCode: string }[] = [];
      if (input.itemIds) {
        const all = (await repo.loadCardsForPayload(input.itemIds)).filter((c) => c.interfaceId === row.id);
        for (const c of all) if (c.status === 'PRINTED') accepted.push({ cardId: c.id, productCode: c.productCode });
        cards = all.filter((c) => c.status === 'NOT_PRINTED');
        ids = input.itemIds;
      } else {
        ids = await repo.selectPrivilegeCandidates(row.id, { afterId: input.afterId, limit: input.limit });
        cards = await repo.loadCardsForPayload(ids);
      }
      const productOf = new Map(cards.map((c) => [c.id, c.productCode]));
      const rejected: ItemFailureOut[] = [];
      let calls = 0;
      if (cards.length) {
        const client = await tixngo(row);
        const held = new Set<string>();
        if (mayHaveBeenAccepted()) {
          try {
            const found = await client.getPrivilegeInstances(cards.map((c) => c.id));
            calls++;
            for (const i of found.instances) held.add(i.instanceId);
          } catch (err) {
            throw toFailure(err, `privileges injection on interface '${row.name}' (checking what TIXNGO already holds)`);
          }
        }
        for (const id of held) accepted.push({ cardId: id, productCode: productOf.get(id)! });
        const toSend = cards.filter((c) => !held.has(c.id)).map(buildPrivilegePayload);
        if (toSend.length) {
          let res;
          try {
            res = await posting(() => client.injectPrivileges(toSend));
          } catch (err) {
            throw toFailure(err, `privileges injection on interface '${row.name}'`);
          }
          if (res.results.some((r) => !r.local)) calls++;
          for (const r of res.results) {
            const productCode = productOf.get(r.instanceId) ?? '';
            if (r.outcome === 'ACCEPTED') accepted.push({ cardId: r.instanceId, productCode });
            else rejected.push({ itemId: r.instanceId, eventCode: productCode, type: failureType(r), ...describeRejection('card', r.instanceId, r) });
          }
        }
      }
      await repo.markCardsInjected(
        row.id,
        accepted.map((a) => a.cardId),
        runId,
      );
      await recordFailures(row, 'PRIVILEGES_INJECTION', 'card', rejected, runId);
      return {
        selected: input.itemIds ? cards.length + accepted.length : ids.length,
        accepted,
        rejected,
        skipped: 0,
        lastId: input.itemIds ? undefined : ids[ids.length - 1],
        done: input.itemIds ? true : ids.length < input.limit,
        tixngoCalls: calls,
      };
    },

    async notifyTicketWorkflows({ interfaceName, items, lifecycleOptions }) {
      const ctx = Context.current();
      const start = typeof ctx.info.heartbeatDetails === 'number' ? ctx.info.heartbeatDetails : 0;
      const result: NotifyResult = { notified: 0, closed: 0 };
      const chunk = Math.max(1, deps.fanoutConcurrency ?? 32) * 4;
      for (let i = start; i < items.length; i += chunk) {
        await mapLimit(items.slice(i, i + chunk), deps.fanoutConcurrency ?? 32, async (item) => {
          count(result, await notifyTicket(interfaceName, item, lifecycleOptions));
        });
        ctx.heartbeat(Math.min(i + chunk, items.length));
      }
      return result;
    },

    async notifyInjectedTickets({ interfaceName, executionId, afterId, maxTickets, lifecycleOptions }) {
      const ctx = Context.current();
      const row = await iface(interfaceName);
      const resumed = ctx.info.heartbeatDetails as { lastId?: string; notified?: number; closed?: number } | undefined;
      const result: NotifyResult = { notified: resumed?.notified ?? 0, closed: resumed?.closed ?? 0 };
      let lastId = resumed?.lastId ?? afterId;
      const budget = maxTickets ?? 5_000;
      const page = Math.max(1, deps.fanoutConcurrency ?? 32) * 8;
      for (;;) {
        const todo = Math.min(page, budget - result.notified - result.closed);
        if (todo <= 0) return { ...result, lastId, done: false };
        const items = await repo.selectInjectedInRun(row.id, executionId, lastId, todo);
        await mapLimit(items, deps.fanoutConcurrency ?? 32, async (item) => {
          count(result, await notifyTicket(interfaceName, { ...item, event: { type: 'injected' } }, lifecycleOptions));
        });
        if (items.length) lastId = items[items.length - 1]!.ticketId;
        ctx.heartbeat({ lastId, ...result });
        if (items.length < todo) return { ...result, lastId, done: true };
      }
    },

    async notifyCardWorkflows({ interfaceName, items }) {
      const result: NotifyResult = { notified: 0, closed: 0 };
      await mapLimit(items, deps.fanoutConcurrency ?? 32, async (item) => {
        try {
          await deps.client.workflow.signalWithStart('privilegeLifecycle', {
            taskQueue: deps.taskQueue,
            workflowId: cardWorkflowId(item.cardId),
            args: [{ cardId: item.cardId, productCode: item.productCode, interfaceName }],
            signal: cardEventSignal,
            signalArgs: [item.event],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            typedSearchAttributes: [
              { key: CardIdKey, value: item.cardId },
              { key: EventCodeKey, value: item.productCode },
              { key: InterfaceNameKey, value: interfaceName },
              { key: LifecycleStepKey, value: item.event.type === 'injected' ? 'INJECTED' : 'AWAITING_INJECTION' },
              { key: NeedsAttentionKey, value: item.event.type !== 'injected' },
            ],
          });
          result.notified++;
        } catch (err) {
          if (err instanceof WorkflowExecutionAlreadyStartedError) result.closed++;
          else throw err;
        }
      });
      return result;
    },

    async applyS360Cancel({ ticketIds, reason, status }) {
      await repo.cancelTickets(ticketIds, reason ?? null, status);
    },

    async applyS360Control({ ticketIds, at }) {
      await repo.controlTickets(ticketIds, at ?? new Date());
    },

    async readTixngoStatus({ interfaceName, ticketId }) {
      const row = await iface(interfaceName);
      const client = await tixngo(row);
      try {
        const res = await client.getTickets([ticketId]);
        const t = res.tickets[0];
        return t ? { found: true, tixngoStatus: t.status, version: t.version } : { found: false };
      } catch (err) {
        throw toFailure(err, `reading ticket ${ticketId} on interface '${row.name}'`);
      }
    },

    async recordItemError({ interfaceName, fn, itemKind, itemId, message, field }) {
      const row = await iface(interfaceName);
      await repo.recordItemErrors(row.id, fn, itemKind, [{ itemId, field, message }], 'lifecycle');
    },

    async resolveItemErrors({ interfaceName, fn, itemKind, itemIds }) {
      const row = await iface(interfaceName);
      await repo.resolveErrors(row.id, fn, itemKind, itemIds);
    },
  };
  return activities;
}

/** Search attributes a ticket workflow starts with, so its first task has nothing to upsert. */
/** Whether the latest run of a workflow id is running (not found: no). */
async function workflowRunning(client: Client, workflowId: string): Promise<boolean> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return d.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

type NotifyOutcome = 'notified' | 'closed';
function count(result: NotifyResult, outcome: NotifyOutcome): void {
  if (outcome === 'notified') result.notified++;
  else result.closed++;
}

/**
 * Delivers one event to a ticket workflow. `injected` usually meets no workflow yet: it is STARTED with the event
 * in its input (one write on the server, no signal; measured about 1.8x the rate of signal-with-start on the dev
 * server), and only when the workflow exists already is the event signalled. Other events use signal-with-start.
 * A closed workflow (DELETED, REJECT_DUPLICATE) is final: nothing to deliver.
 */
async function deliverTicketEvent(
  client: Client,
  taskQueue: string,
  interfaceName: string,
  item: { ticketId: string; eventCode: string; event: TicketEvent },
  lifecycleOptions: LifecycleOptions | undefined,
  eagerStart: boolean,
): Promise<NotifyOutcome> {
  const workflowId = ticketWorkflowId(item.ticketId);
  const base = {
    taskQueue,
    workflowId,
    // A closed ticket workflow (DELETED) is final: never start a second one for the same ticket.
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
    typedSearchAttributes: initialTicketAttributes(item.ticketId, item.eventCode, interfaceName, item.event),
  };
  const input = { ticketId: item.ticketId, eventCode: item.eventCode, interfaceName, options: lifecycleOptions };
  try {
    if (item.event.type === 'injected') {
      await client.workflow.start('ticketLifecycle', { ...base, args: [{ ...input, pendingEvents: [item.event] }], ...(eagerStart ? { requestEagerStart: true } : {}) });
    } else {
      await client.workflow.signalWithStart('ticketLifecycle', { ...base, args: [input], signal: ticketEventSignal, signalArgs: [item.event] });
    }
    return 'notified';
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    if (item.event.type !== 'injected') return 'closed';
  }
  try {
    await client.workflow.getHandle(workflowId).signal(ticketEventSignal, item.event);
    return 'notified';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'closed';
    throw err;
  }
}

function initialTicketAttributes(ticketId: string, eventCode: string, interfaceName: string, event: TicketEvent) {
  const base = [
    { key: TicketIdKey, value: ticketId },
    { key: EventCodeKey, value: eventCode },
    { key: InterfaceNameKey, value: interfaceName },
  ];
  if (event.type === 'injected') {
    return [
      ...base,
      { key: S360StatusKey, value: 'PRINTED' },
      { key: TixngoStatusKey, value: 'INJECTED' },
      { key: LifecycleStepKey, value: 'INJECTED' },
      { key: NeedsAttentionKey, value: false },
    ];
  }
  if (event.type === 'injectionRejected') {
    return [...base, { key: S360StatusKey, value: 'NOT_PRINTED' }, { key: LifecycleStepKey, value: 'AWAITING_INJECTION' }, { key: NeedsAttentionKey, value: true }];
  }
  return [...base, { key: NeedsAttentionKey, value: false }];
}

