// Operator and S-360-side commands: ticket list/show/retry, s360 cancel/reprint/control, failures, reconcile.
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { S360_TICKET_STATUSES, type S360TicketStatus } from '../../common/domain';
import { cardWorkflowId, ticketWorkflowId } from '../../common/ids';
import { loadConfig } from '../../config';
import { RefusedError } from '../../db/validation';
import { loadSecretKey } from '../../config/secrets';
import { reconcileInterface } from '../../ops/reconcile';
import type { RetryResult, TicketState } from '../../common/lifecycle';
import { requestRetryUpdate } from '../../workflows/messages';
import { readTicketState } from '../../temporal/ticket-state';
import { ERR_NOTHING_TO_RETRY } from '../../common/errors';
import { withClient, withRepo } from '../context';
import { CliError, intOption, output, table } from '../util';

/** `ticket show` printed what it could read, but a side of the ticket is missing (Temporal or the database down). */
export const PARTIAL_EXIT_CODE = 3;

function ids(values: string[]): string[] {
  const out = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  for (const id of out) if (!/^\d+$/.test(id)) throw new CliError(`ticket id '${id}' is not a number`);
  return out;
}

interface Refusal {
  id: string;
  reason: string;
}

/** Every requested id that was not changed, once each, with why. */
function refusals(requested: readonly string[], changed: readonly string[], why: (id: string) => string): Refusal[] {
  const done = new Set(changed);
  return [...new Set(requested)].filter((id) => !done.has(id)).map((id) => ({ id, reason: why(id) }));
}

function alreadyText(t: { status: S360TicketStatus; invalidationReason: string | null }): string {
  return `already ${t.status}${t.invalidationReason ? ` (${t.invalidationReason})` : ''}`;
}

/** What a box-office change did; a refused id makes the command fail (exit 1) after the others were changed. */
function reportChanges(json: boolean | undefined, changed: string[], refused: Refusal[], done: string): void {
  output(json, { changed, refused }, () => [`${changed.length} ticket(s) ${done}`, ...refused.map((r) => `  refused ${r.id}: ${r.reason}`)].join('\n'));
  if (refused.length > 0) {
    if (!json) process.stderr.write(`error: ${refused.length} ticket(s) refused: ${refused.map((r) => r.id).join(', ')}\n`);
    process.exitCode = 1;
  }
}

export function register(program: Command): void {
  const ticket = program.command('ticket').description('Inspect and retry tickets');

  ticket
    .command('list')
    .description('Tickets of an event with their S-360 and mobile (TIXNGO) status, and how many match')
    .requiredOption('--event <code>', 'event/performance code')
    .option('--status <status>', `S-360 status: ${S360_TICKET_STATUSES.join(', ')}`)
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 100)
    .option('--after <id>', 'only tickets with a larger id (paging)')
    .option('--count', 'only the number of tickets per S-360 status')
    .option('--json', 'print JSON')
    .action(async (opts: { event: string; status?: string; limit: number; after?: string; count?: boolean; json?: boolean }) => {
      if (opts.status && !(S360_TICKET_STATUSES as readonly string[]).includes(opts.status)) {
        throw new CliError(`--status must be one of ${S360_TICKET_STATUSES.join(', ')}`);
      }
      const status = opts.status as S360TicketStatus | undefined;
      const config = loadConfig();
      const { rows, counts } = await withRepo(config, async (repo) => {
        const counts = await repo.countTicketsByStatus(opts.event);
        return { counts, rows: opts.count ? [] : await repo.listTickets({ eventCode: opts.event, status, limit: opts.limit, afterId: opts.after }) };
      });
      const matching = status ? counts[status] : Object.values(counts).reduce((a, b) => a + b, 0);
      if (opts.count) {
        const shown = status ? { [status]: counts[status] } : counts;
        output(opts.json, { eventCode: opts.event, total: matching, byStatus: shown }, () =>
          [`${matching} ticket(s) of event ${opts.event}${status ? ` ${status}` : ''}`, ...Object.entries(shown).map(([k, n]) => `  ${k.padEnd(12)} ${n}`)].join('\n'),
        );
        return;
      }
      output(opts.json, rows, () => {
        const what = `ticket(s) of event ${opts.event}${status ? ` ${status}` : ''}`;
        const last = rows.at(-1);
        const footer =
          rows.length < matching
            ? `showing ${rows.length} of ${matching} ${what}${last && rows.length === opts.limit ? ` (next page: --after ${last.id})` : ''}`
            : `${matching} ${what}`;
        return `${table(rows.map((r) => ({ id: r.id, status: r.status, mobile: r.mobileStatus, seat: [r.block, r.row, r.seat].filter(Boolean).join('/'), category: r.category })))}\n${footer}`;
      });
    });

  ticket
    .command('show')
    .description('One ticket: S-360 state, TIXNGO (mobile) state, its workflow (status, step, last error) and open errors')
    .argument('<id>', 'S-360 ticket id')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const config = loadConfig();
      // Each side is read on its own: with Temporal down (or the database), what could be read is still shown, with a
      // note naming what is missing and why, and exit code 3 (PARTIAL_EXIT_CODE). Nothing readable: exit 1.
      const missing: { part: 'S-360' | 'workflow'; reason: string }[] = [];
      const view = await withRepo(config, async (repo) => (await repo.getTicketView(id)) ?? null).catch((err: unknown) => {
        missing.push({ part: 'S-360', reason: (err as Error).message });
        return undefined;
      });
      if (view === null) throw new CliError(`ticket ${id} not found in S-360`);
      const workflowId = ticketWorkflowId(id);
      const wf: { workflowId: string; runId?: string; status: string; state?: TicketState } = await withClient(config, async (client) => {
        const h = client.workflow.getHandle(workflowId);
        try {
          const d = await h.describe();
          if (d.status.name === 'RUNNING') {
            // A dormant ticket workflow (no event since its injection) answers with the state it was started in.
            const { state, dormant } = await readTicketState(client, d.workflowId, d);
            return { workflowId: d.workflowId, runId: d.runId, status: d.status.name, state, ...(dormant ? { dormant } : {}) };
          }
          const state = (await h.result().catch(() => undefined)) as TicketState | undefined;
          return { workflowId: d.workflowId, runId: d.runId, status: d.status.name, state };
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return { workflowId, status: 'NOT_STARTED' };
          throw err;
        }
      }).catch((err: unknown) => {
        missing.push({ part: 'workflow', reason: (err as Error).message });
        return { workflowId, status: 'UNKNOWN' };
      });
      if (!view && missing.some((m) => m.part === 'workflow')) {
        throw new CliError(`ticket ${id}: nothing could be read: ${missing.map((m) => `${m.part}: ${m.reason}`).join('; ')}`);
      }
      const data = { ticket: view?.ticket ?? null, mobile: view?.mobile ?? null, markers: view?.markers ?? null, openErrors: view?.openErrors ?? null, workflow: wf, missing };
      output(opts.json, data, () => {
        const s = 'state' in wf ? wf.state : undefined;
        const dormant = 'dormant' in wf && wf.dormant ? wf.dormant as { since: string; waitingEvents?: number } : undefined;
        const workflowNote = missing.find((m) => m.part === 'workflow');
        const lines: string[] = [];
        if (view) {
          const t = view.ticket;
          lines.push(
            `ticket ${t.id} (${t.taxNumber}) event ${t.performance.code}`,
            `  S-360     ${t.status}${t.invalidationReason ? ` (${t.invalidationReason})` : ''}`,
            ...(t.replacedTicket ? [`  replaces  ${t.replacedTicket.id} (${t.replacedTicket.status}${t.replacedTicket.invalidationReason ? `, ${t.replacedTicket.invalidationReason}` : ''})`] : []),
            `  TIXNGO    ${view.mobile?.tixngoStatus ?? 'NA'} (as of last feedback)`,
            `  processed ${view.markers.map((m) => `${m.function}@${m.processedAt}`).join(', ') || '-'}`,
          );
        } else {
          lines.push(`ticket ${id}`, `  S-360     not read: ${missing.find((m) => m.part === 'S-360')?.reason ?? '?'}`, `  TIXNGO    not read (its state as of last feedback is kept in S-360)`);
        }
        lines.push(
          workflowNote
            ? `  workflow  ${wf.workflowId} not read: ${workflowNote.reason}`
            : `  workflow  ${wf.workflowId} ${wf.status}${s ? `, step ${s.step}${s.needsAttention ? ', NEEDS ATTENTION' : ''}` : ''}${dormant ? ` (dormant since ${dormant.since}: no event since its injection${dormant.waitingEvents ? `, ${dormant.waitingEvents} signal(s) waiting` : ''})` : ''}`,
        );
        if (s?.lastError) lines.push(`  last error ${s.lastError.type}: ${s.lastError.message}`);
        for (const e of view?.openErrors ?? []) lines.push(`  open error [${e.function}] ${e.field ? `${e.field}: ` : ''}${e.message}`);
        return lines.join('\n');
      });
      if (missing.length > 0) {
        process.stderr.write(`warning: ticket ${id} shown in part, without ${missing.map((m) => (m.part === 'workflow' ? 'its workflow (Temporal)' : 'its S-360 side (database)')).join(' and ')}; exit code ${PARTIAL_EXIT_CODE}\n`);
        process.exitCode = PARTIAL_EXIT_CODE;
      }
    });

  ticket
    .command('retry')
    .description('Re-run the failed step of a ticket (or card) workflow after the cause was fixed; says when there is nothing to retry')
    .argument('<id>', 'S-360 ticket id (or card id with --card)')
    .option('--card', 'the id is a membership/season card')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { card?: boolean; json?: boolean }) => {
      const config = loadConfig();
      const workflowId = opts.card ? cardWorkflowId(id) : ticketWorkflowId(id);
      const res = await withClient(config, async (client): Promise<RetryResult> => {
        try {
          return await client.workflow.getHandle(workflowId).executeUpdate(requestRetryUpdate);
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) throw new CliError(`no running workflow ${workflowId}`);
          // The workflow refuses a retry when there is nothing to retry: an answer, not an error.
          const refusal = err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === ERR_NOTHING_TO_RETRY ? err.cause : undefined;
          if (refusal) return { ...(refusal.details?.[0] as RetryResult | undefined), retried: false, message: refusal.message };
          throw err;
        }
      });
      output(opts.json, { workflowId, ...res }, () => res.message);
    });

  const s360 = program.command('s360').description('S-360-side changes (box office, access control); they change only the S-360 database, the pushes carry them to TIXNGO');
  s360
    .command('cancel')
    .description('Cancel (or invalidate) tickets in S-360')
    .argument('<ids...>', 'S-360 ticket ids')
    .option('--reason <reason>', 'cancellation/invalidation reason, e.g. REFUND, REPRINT, MOBILE_TAKE_BACK')
    .option('--invalidate', 'set INVALIDATED instead of CANCELLED')
    .option('--json', 'print JSON')
    .action(async (values: string[], opts: { reason?: string; invalidate?: boolean; json?: boolean }) => {
      const config = loadConfig();
      const target = opts.invalidate ? 'INVALIDATED' : 'CANCELLED';
      const reason = opts.reason ?? null;
      const requested = ids(values);
      const { changed, refused } = await withRepo(config, async (repo) => {
        const before = await repo.ticketStatuses(requested);
        const changed = await repo.cancelTickets(requested.filter((id) => before.has(id)), reason, target);
        return { changed, refused: refusals(requested, changed, (id) => (before.has(id) ? alreadyText(before.get(id)!) : 'unknown in S-360')) };
      });
      reportChanges(opts.json, changed, refused, `${opts.invalidate ? 'invalidated' : 'cancelled'} in S-360`);
    });
  s360
    .command('reprint')
    .description(
      'Reprint (or take back) tickets in S-360, all or nothing: each is INVALIDATED with the reason (Push Cancelled deletes it in TIXNGO) ' +
        'and replaced by a NOT_PRINTED ticket (same event, seat, price, holder; new barcode and ticket number) that the next injection sends ' +
        "to the old ticket's last TIXNGO wallet owner, or to the cultural contact (resetInjectionInvalidationReasons, overlaySpectatorDetailsWithLastOwner)",
    )
    .argument('<ids...>', 'S-360 ticket ids (PRINTED or CONTROLLED)')
    .option('--reason <reason>', 'invalidation reason of the old ticket, e.g. REPRINT, MOBILE_TAKE_BACK', 'REPRINT')
    .option('--holder-email <email>', 'a new cultural contact for the replacements (take back): e-mail')
    .option('--holder-first-name <name>', 'its first name (with --holder-email)')
    .option('--holder-last-name <name>', 'its last name (with --holder-email)')
    .option('--json', 'print JSON: [{ replaced, ticketId }]')
    .action(async (values: string[], opts: { reason: string; holderEmail?: string; holderFirstName?: string; holderLastName?: string; json?: boolean }) => {
      const newContact = opts.holderEmail !== undefined || opts.holderFirstName !== undefined || opts.holderLastName !== undefined;
      if (newContact && !opts.holderEmail?.trim()) throw new CliError('--holder-first-name/--holder-last-name need --holder-email (the new cultural contact receives the ticket by e-mail)');
      const config = loadConfig();
      const mapping = await withRepo(config, async (repo) => {
        try {
          return await repo.reprintTickets(ids(values), {
            reason: opts.reason,
            holder: newContact ? { email: opts.holderEmail!, firstName: opts.holderFirstName, lastName: opts.holderLastName } : undefined,
          });
        } catch (err) {
          if (err instanceof RefusedError) throw new CliError(err.message);
          throw err;
        }
      });
      output(opts.json, mapping, () =>
        [`${mapping.length} ticket(s) reprinted in S-360 (old ticket INVALIDATED, reason ${opts.reason.trim()}; replacement NOT_PRINTED)`, ...mapping.map((m) => `  ${m.replaced} -> ${m.ticketId}`)].join('\n'),
      );
    });
  s360
    .command('control')
    .description('Mark tickets controlled (scanned at access control) in S-360')
    .argument('<ids...>', 'S-360 ticket ids')
    .option('--json', 'print JSON')
    .action(async (values: string[], opts: { json?: boolean }) => {
      const config = loadConfig();
      const requested = ids(values);
      const { changed, refused } = await withRepo(config, async (repo) => {
        const before = await repo.ticketStatuses(requested);
        const whyNot = (id: string): string | undefined => {
          const t = before.get(id);
          if (!t) return 'unknown in S-360';
          if (t.status === 'NOT_PRINTED') return 'not injected (NOT_PRINTED): there is no wallet ticket to control';
          if (t.status !== 'PRINTED') return alreadyText(t);
          return undefined;
        };
        const changed = await repo.controlTickets(requested.filter((id) => whyNot(id) === undefined), new Date());
        return { changed, refused: refusals(requested, changed, (id) => whyNot(id) ?? 'changed by someone else meanwhile') };
      });
      reportChanges(opts.json, changed, refused, 'controlled in S-360');
    });

  program
    .command('failures')
    .description('Open interface errors (the S-360 interface error log): function, item, field, message')
    .option('--interface <name>', 'only this interface')
    .option('--json', 'print JSON')
    .action(async (opts: { interface?: string; json?: boolean }) => {
      const config = loadConfig();
      const rows = await withRepo(config, async (repo) => {
        const iface = opts.interface ? await repo.getInterfaceByName(opts.interface) : undefined;
        if (opts.interface && !iface) throw new CliError(`unknown interface '${opts.interface}'`);
        return repo.listOpenErrors({ interfaceId: iface?.id });
      });
      output(opts.json, rows, () => table(rows.map((r) => ({ function: r.function, item: `${r.itemKind} ${r.itemId}`, field: r.field, message: r.message, since: r.firstSeenAt, times: r.occurrences }))));
    });

  program
    .command('reconcile')
    .description('Every ticket whose S-360 status and TIXNGO state disagree, for one event or every event of the interface (exit code 1 when any do)')
    .option('--event <code>', 'only this event/performance code (default: every event of the interface)')
    .option('--interface <name>', 'interface name', 'demo')
    .option('--page-size <n>', 'tickets per S-360 page and TIXNGO read', intOption('--page-size', 1, 1000), 1000)
    .option('--json', 'print JSON')
    .action(async (opts: { event?: string; interface: string; pageSize: number; json?: boolean }) => {
      const config = loadConfig();
      const bar = !opts.json && process.stderr.isTTY === true ? new SingleBar({ format: ' {bar} {value}/{total} tickets | {divergences} divergence(s)', hideCursor: true, clearOnComplete: true }) : undefined;
      let started = false;
      const report = await withRepo(config, async (repo) => {
        try {
          return await reconcileInterface({
            repo,
            secretKey: loadSecretKey(config),
            interfaceName: opts.interface,
            eventCode: opts.event,
            pageSize: opts.pageSize,
            tixngo: { auth: config.TIXNGO_AUTH, keyHeader: config.TIXNGO_KEY_HEADER, timeoutMs: config.TIXNGO_TIMEOUT_MS },
            onProgress: (p) => {
              if (!bar) return;
              if (!started) bar.start(p.total, 0, { divergences: 0 });
              started = true;
              bar.setTotal(p.total);
              bar.update(p.checked, { divergences: p.divergences });
            },
          });
        } finally {
          if (started) bar?.stop();
        }
      });
      output(opts.json, report, () => {
        const scope = report.eventCode ? `event ${report.eventCode}` : `every event (${report.events.length})`;
        const lines = [`checked ${report.checked} ticket(s) of interface ${report.interfaceName}, ${scope}: ${report.divergenceCount} divergence(s)`];
        if (!report.eventCode) for (const e of report.events) lines.push(`  event ${e.eventCode}: ${e.checked} checked, ${e.divergences} divergence(s)`);
        for (const d of report.divergences.slice(0, 50)) lines.push(`  ${d.ticketId}${report.eventCode ? '' : ` (${d.eventCode})`}: ${d.problem}`);
        if (report.divergenceCount > 50) lines.push(`  ... ${report.divergenceCount - 50} more (--json lists up to ${report.divergences.length})`);
        return lines.join('\n');
      });
      if (report.divergenceCount > 0) process.exitCode = 1;
    });
}
