// Error e-mails (§2.1 "Email notification to recipients", §3.0 "the e-mail recipients are alerted on errors"):
// when a function run ends in ERROR, or fails, the interface's notification recipients receive ONE e-mail for that
// run, listing the failed tickets with their reasons (ticket ids, field, message), and the open errors ticket
// workflows recorded against the function (they make the run ERROR: activities/executions.ts finishExecution).
// A run ending in WARNING (items skipped, none failed) is e-mailed only when the interface opts in with the custom
// parameter notifyOnWarning=true: the domain alerts on errors, and a warning on every run would teach people to
// ignore the e-mails.
//
// - Personal data: only ids, field names, messages and counts; messages are scrubbed of anything that looks like an
//   e-mail address, as a second guard (the activities already write messages without holder data).
// - Once per run: the e-mail is recorded on the S-360 execution row (function_execution.notified_at, migration 002)
//   and an attempt finding it recorded sends nothing. The record is written after the SMTP server accepted the
//   message, so a crash in between can send it twice (at least once, never lost); its Message-ID is derived from
//   the idempotency key (workflow id + run id), so mail systems can tell the copies are one message.
// - SMTP_URL unset: logged as skipped, not a failure. An SMTP error fails the attempt; the workflow's retry policy
//   tries a few times (workflows/support.ts) and then carries on without the e-mail (workflows/functions.ts).
import { ApplicationFailure, log } from '@temporalio/activity';
import { createTransport } from 'nodemailer';
import type { Config } from '../config';
import type { Repository } from '../db/repo';
import type { ExecutionErrorItem } from '../db/types';
import type { Activities, NotifyRunOutcomeInput, NotifyRunOutcomeResult } from './types';

/** Error type of a notification that could not be sent (retried by the workflow's notify policy). */
export const ERR_NOTIFICATION_FAILED = 'NotificationFailed';

/** Lines listed in one e-mail; the S-360 error log (`s360-tixngo failures`) holds the rest. */
export const MAX_LISTED_ITEMS = 200;

export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
  /** `<...@...>`; stable per run (idempotency key). */
  messageId: string;
}

export interface Mailer {
  send(msg: MailMessage): Promise<{ accepted: string[]; rejected: string[] }>;
}

/** An SMTP mailer (nodemailer) for `smtp://host:port` or `smtps://user:pass@host:port`; one connection per e-mail (no pool to close). */
export function createSmtpMailer(opts: { url: string; from: string; timeoutMs?: number }): Mailer {
  const timeout = opts.timeoutMs ?? 15_000;
  const transport = createTransport({ url: opts.url, connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout }, { from: opts.from });
  return {
    async send(msg) {
      const info = await transport.sendMail({ to: msg.to, subject: msg.subject, text: msg.text, messageId: msg.messageId });
      const addr = (a: string | { address: string }) => (typeof a === 'string' ? a : a.address);
      return { accepted: info.accepted.map(addr), rejected: info.rejected.map(addr) };
    },
  };
}

/** The mailer the configuration asks for, or undefined when SMTP_URL is not set (notifications are skipped). */
export function mailerFromConfig(config: Pick<Config, 'SMTP_URL' | 'SMTP_FROM'>): Mailer | undefined {
  return config.SMTP_URL ? createSmtpMailer({ url: config.SMTP_URL, from: config.SMTP_FROM }) : undefined;
}

const FUNCTION_LABELS: Record<NotifyRunOutcomeInput['fn'], string> = {
  INJECTION: 'Tickets external printing (injection)',
  FEEDBACK: 'Retrieve ticket status from TIXNGO (feedback)',
  PUSH_CANCELLED: 'Push cancelled and invalidated tickets',
  PUSH_CONTROLLED: 'Push controlled tickets',
  PRIVILEGES_INJECTION: 'Inject digital privileges',
};

const EMAIL_RE = /[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+\.[A-Za-z]{2,}/g;
/** Messages come from S-360 validation and TIXNGO answers: keep them, minus anything shaped like an e-mail address. */
export const scrub = (text: string): string => text.replace(EMAIL_RE, '[address removed]');

/** `<run-outcome.injection-demo.0b2c...@s360-tixngo>`: the same for every attempt of one run's notification. */
export function notificationMessageId(workflowId: string, runId: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return `<run-outcome.${safe(workflowId)}.${safe(runId)}@s360-tixngo>`;
}

/** Subject and text of the e-mail (pure). */
export function buildRunOutcomeMail(input: NotifyRunOutcomeInput, errors: ErrorList, workflowErrors: ErrorList = NO_ERRORS): { subject: string; text: string } {
  const c = input.counts;
  const failedText = input.outcome === 'FAILED' ? 'FAILED' : `ended in ${input.outcome}`;
  const plural = (n: number) => (n === 1 ? '' : 's');
  const why = [
    ...(errors.total ? [`${errors.total} failed item${plural(errors.total)}`] : []),
    ...(workflowErrors.total ? [`${workflowErrors.total} open ticket workflow error${plural(workflowErrors.total)}`] : []),
  ];
  const subject = `[s360-tixngo] ${input.interfaceName}: ${input.fn} ${failedText}${why.length ? ` (${why.join(', ')})` : ''}`;
  const lines = [
    `Interface:  ${input.interfaceName}`,
    `Function:   ${input.fn} - ${FUNCTION_LABELS[input.fn]}`,
    `Outcome:    ${input.outcome}`,
    ...(input.eventCode ? [`Event:      ${input.eventCode}`] : []),
    `Run:        workflow ${input.workflowId}, run ${input.runId} (S-360 execution ${input.executionId})`,
    `Counts:     processed ${c.processed}, succeeded ${c.succeeded}, failed ${c.failed}, skipped ${c.skipped}, ${c.batches} batch(es)`,
  ];
  if (input.error) lines.push('', 'The run stopped:', `  ${scrub(input.error)}`);
  lines.push('');
  const list = (l: ErrorList) => {
    for (const e of l.items) lines.push(`  ${e.itemKind} ${e.itemId}${e.field ? `  [${e.field}]` : ''}  ${scrub(e.message)}`);
    if (l.total > l.items.length) lines.push(`  ... and ${l.total - l.items.length} more`);
  };
  if (errors.total === 0) {
    lines.push(input.outcome === 'WARNING' ? 'No item failed; some were skipped (see the counts).' : 'No failed item was recorded for this run.');
  } else {
    lines.push(`Failed items (${errors.total}):`);
    list(errors);
  }
  if (workflowErrors.total > 0) {
    lines.push(
      '',
      `Open errors of ticket workflows (${workflowErrors.total}), counted against ${input.fn} until the ticket is retried successfully or skipped:`,
    );
    list(workflowErrors);
  }
  lines.push(
    '',
    'What to do: fix the cause in S-360 (or TIXNGO), then retry the tickets (s360-tixngo ticket retry <id>) or run the function again.',
    `Open errors: s360-tixngo failures --interface ${input.interfaceName}`,
    `In the Temporal UI: WorkflowId = "${input.workflowId}"`,
  );
  return { subject, text: `${lines.join('\n')}\n` };
}

/** The S-360 reads and writes of the error e-mail. */
export type NotifyRepository = Pick<Repository, 'getInterfaceByName' | 'getExecutionNotification' | 'listExecutionErrors' | 'listWorkflowErrors' | 'markExecutionNotified'>;

type ErrorList = { total: number; items: ExecutionErrorItem[] };
const NO_ERRORS: ErrorList = { total: 0, items: [] };

/** Whether the interface asked for e-mails about WARNING runs too (custom parameter notifyOnWarning). */
export function notifiesOnWarning(customParams: Record<string, unknown>): boolean {
  const v = customParams.notifyOnWarning;
  return v === true || v === 'true';
}

export function createNotifyActivities(deps: { repo: NotifyRepository; mailer: Mailer | undefined }): Pick<Activities, 'notifyRunOutcome'> {
  const { repo, mailer } = deps;
  return {
    async notifyRunOutcome(input): Promise<NotifyRunOutcomeResult> {
      const about = { interfaceName: input.interfaceName, fn: input.fn, outcome: input.outcome, workflowId: input.workflowId, runId: input.runId };
      const iface = await repo.getInterfaceByName(input.interfaceName);
      if (!iface) {
        log.warn('run outcome e-mail skipped: the interface no longer exists', about);
        return { sent: false, skipped: 'unknown-interface', recipients: 0 };
      }
      if (input.outcome === 'WARNING' && !notifiesOnWarning(iface.customParams)) {
        log.info('run outcome e-mail skipped: WARNING, and the interface does not ask for those (notifyOnWarning)', about);
        return { sent: false, skipped: 'warning-not-notified', recipients: iface.notificationEmails.length };
      }
      const to = iface.notificationEmails;
      if (to.length === 0) {
        log.info('run outcome e-mail skipped: the interface has no notification recipients', about);
        return { sent: false, skipped: 'no-recipients', recipients: 0 };
      }
      if (!mailer) {
        log.warn('run outcome e-mail skipped: SMTP_URL is not set', { ...about, recipients: to.length });
        return { sent: false, skipped: 'smtp-not-configured', recipients: to.length };
      }
      const done = await repo.getExecutionNotification(input.executionId);
      if (done.notifiedAt) {
        log.info('run outcome e-mail already sent', { ...about, notifiedAt: done.notifiedAt });
        return { sent: false, skipped: 'already-sent', recipients: to.length, messageId: done.messageId ?? undefined };
      }
      const errors = await repo.listExecutionErrors(input.executionId, MAX_LISTED_ITEMS);
      const workflowErrors = await repo.listWorkflowErrors(iface.id, input.fn, { eventCode: input.eventCode, limit: MAX_LISTED_ITEMS });
      const mail = buildRunOutcomeMail(input, errors, workflowErrors);
      const messageId = notificationMessageId(input.workflowId, input.runId);
      let res: { accepted: string[]; rejected: string[] };
      try {
        res = await mailer.send({ to, subject: mail.subject, text: mail.text, messageId });
      } catch (err) {
        throw ApplicationFailure.create({
          type: ERR_NOTIFICATION_FAILED,
          message: `run outcome e-mail for interface '${input.interfaceName}' not sent: ${(err as Error).message}`,
        });
      }
      await repo.markExecutionNotified(input.executionId, messageId);
      if (res.rejected.length) log.warn('run outcome e-mail: some recipients were refused', { ...about, refused: res.rejected.length });
      log.info('run outcome e-mail sent', { ...about, recipients: res.accepted.length, failedItems: errors.total, workflowErrors: workflowErrors.total });
      return { sent: true, recipients: res.accepted.length, messageId };
    },
  };
}
