// Operator and S-360-side commands: ticket list/show/retry, s360 cancel/reprint/control, failures, reconcile.
import type { Command } from 'commander';
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { S360_TICKET_STATUSES, type S360TicketStatus } from '../../common/domain';
import { cardWorkflowId, ticketWorkflowId } from '../../common/ids';
import { loadConfig } from '../../config';
import { RefusedError } from '../../db/validation';
import { loadSecretKey } from '../../config/secrets';
import { reconcileEvent } from '../../ops/reconcile';
import type { RetryResult, TicketState } from '../../common/lifecycle';
import { getStateQuery, requestRetryUpdate } from '../../workflows/messages';
import { ERR_NOTHING_TO_RETRY } from '../../common/errors';
import { withClient, withRepo } from '../context';
import { CliError, output, table } from '../util';

function ids(values: string[]): string[] {
  const out = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  for (const id of out) if (!/^\d+$/.test(id)) throw new CliError(`ticket id '${id}' is not a number`);
  return out;
}

export function register(program: Command): void {
  const ticket = program.command('ticket').description('Inspect and retry tickets');

  ticket
    .command('list')
    .description('Tickets of an event with their S-360 and mobile (TIXNGO) status')
    .requiredOption('--event <code>', 'event/performance code')
    .option('--status <status>', `S-360 status: ${S360_TICKET_STATUSES.join(', ')}`)
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 100)
    .option('--after <id>', 'only tickets with a larger id (paging)')
    .option('--json', 'print JSON')
    .action(async (opts: { event: string; status?: string; limit: number; after?: string; json?: boolean }) => {
      if (opts.status && !(S360_TICKET_STATUSES as readonly string[]).includes(opts.status)) {
        throw new CliError(`--status must be one of ${S360_TICKET_STATUSES.join(', ')}`);
      }
      const config = loadConfig();
      const rows = await withRepo(config, (repo) => repo.listTickets({ eventCode: opts.event, status: opts.status as S360TicketStatus | undefined, limit: opts.limit, afterId: opts.after }));
      output(opts.json, rows, () => table(rows.map((r) => ({ id: r.id, status: r.status, mobile: r.mobileStatus, seat: [r.block, r.row, r.seat].filter(Boolean).join('/'), category: r.category }))));
    });

  ticket
    .command('show')
    .description('One ticket: S-360 state, TIXNGO (mobile) state, its workflow (status, step, last error) and open errors')
    .argument('<id>', 'S-360 ticket id')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const config = loadConfig();
      const view = await withRepo(config, (repo) => repo.getTicketView(id));
      if (!view) throw new CliError(`ticket ${id} not found in S-360`);
      const wf = await withClient(config, async (client) => {
        const h = client.workflow.getHandle(ticketWorkflowId(id));
        try {
          const d = await h.describe();
          const state = d.status.name === 'RUNNING' ? await h.query(getStateQuery) : ((await h.result().catch(() => undefined)) as TicketState | undefined);
          return { workflowId: d.workflowId, runId: d.runId, status: d.status.name, state };
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return { workflowId: ticketWorkflowId(id), status: 'NOT_STARTED' };
          throw err;
        }
      });
      const data = { ticket: view.ticket, mobile: view.mobile, markers: view.markers, openErrors: view.openErrors, workflow: wf };
      output(opts.json, data, () => {
        const t = view.ticket;
        const s = 'state' in wf ? wf.state : undefined;
        return [
          `ticket ${t.id} (${t.taxNumber}) event ${t.performance.code}`,
          `  S-360     ${t.status}${t.invalidationReason ? ` (${t.invalidationReason})` : ''}`,
          ...(t.replacedTicket ? [`  replaces  ${t.replacedTicket.id} (${t.replacedTicket.status}${t.replacedTicket.invalidationReason ? `, ${t.replacedTicket.invalidationReason}` : ''})`] : []),
          `  TIXNGO    ${view.mobile?.tixngoStatus ?? 'NA'} (as of last feedback)`,
          `  processed ${view.markers.map((m) => `${m.function}@${m.processedAt}`).join(', ') || '-'}`,
          `  workflow  ${wf.workflowId} ${wf.status}${s ? `, step ${s.step}${s.needsAttention ? ', NEEDS ATTENTION' : ''}` : ''}`,
          ...(s?.lastError ? [`  last error ${s.lastError.type}: ${s.lastError.message}`] : []),
          ...view.openErrors.map((e) => `  open error [${e.function}] ${e.field ? `${e.field}: ` : ''}${e.message}`),
        ].join('\n');
      });
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
      const changed = await withRepo(config, (repo) => repo.cancelTickets(ids(values), opts.reason ?? null, opts.invalidate ? 'INVALIDATED' : 'CANCELLED'));
      output(opts.json, { changed }, () => `${changed.length} ticket(s) ${opts.invalidate ? 'invalidated' : 'cancelled'} in S-360`);
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
      const changed = await withRepo(config, (repo) => repo.controlTickets(ids(values), new Date()));
      output(opts.json, { changed }, () => `${changed.length} ticket(s) controlled in S-360`);
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
    .description('Every ticket whose S-360 status and TIXNGO state disagree (exit code 1 when any do)')
    .requiredOption('--event <code>', 'event/performance code')
    .option('--interface <name>', 'interface name', 'demo')
    .option('--json', 'print JSON')
    .action(async (opts: { event: string; interface: string; json?: boolean }) => {
      const config = loadConfig();
      const report = await withRepo(config, (repo) =>
        reconcileEvent({
          repo,
          secretKey: loadSecretKey(config),
          interfaceName: opts.interface,
          eventCode: opts.event,
          tixngo: { auth: config.TIXNGO_AUTH, keyHeader: config.TIXNGO_KEY_HEADER, timeoutMs: config.TIXNGO_TIMEOUT_MS },
        }),
      );
      output(opts.json, report, () =>
        [`checked ${report.checked} ticket(s) of event ${report.eventCode}: ${report.divergences.length} divergence(s)`, ...report.divergences.slice(0, 50).map((d) => `  ${d.ticketId}: ${d.problem}`)].join('\n'),
      );
      if (report.divergences.length) process.exitCode = 1;
    });
}
