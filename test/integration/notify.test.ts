// Error e-mails on the real stack: Temporal dev server, worker with the real activities, TIXNGO simulator, S-360 on
// PostgreSQL, and a real SMTP server (smtp-server, in process). One e-mail per run that ends in ERROR or WARNING or
// fails, to the interface's recipients, listing the failed tickets without personal data; a failing SMTP server
// never fails the run.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import { createNotifyActivities, createSmtpMailer, type MailMessage, type Mailer } from '../../activities/notify';
import type { NotifyRunOutcomeInput, NotifyRunOutcomeResult } from '../../activities/types';
import { seed } from '../../db/seed';
import { ticketWorkflowId } from '../../common/ids';
import { requestRetryUpdate } from '../../workflows/messages';
import { createStack, eventually, type Stack } from '../helpers/stack';
import { closedPort, startSmtpServer, type TestSmtpServer } from '../helpers/smtp';

const RECIPIENTS = ['ops@example.org', 'oncall@example.net'];

let s: Stack;
let smtp: TestSmtpServer;
/** The worker's mailer; tests point it at a good, a refusing or no SMTP server. */
const mailer: Mailer & { target: Mailer } = {
  target: { send: () => Promise.reject(new Error('no target')) },
  send(msg: MailMessage) {
    return this.target.send(msg);
  },
};
const smtpMailer = (url: string) => createSmtpMailer({ url, from: 'bridge@example.org', timeoutMs: 5_000 });

async function ticketIds(eventCode: string, n: number): Promise<string[]> {
  const res = await seed(s.db.knex, { eventCode, tickets: n, interfaceName: s.interfaceName });
  return Array.from({ length: n }, (_, i) => String(BigInt(res.firstTicketId!) + BigInt(i)));
}

/** Every holder name and e-mail of an event: none may appear in an e-mail. */
async function personalData(eventCode: string): Promise<string[]> {
  const rows = (await s.db
    .knex('ticket')
    .join('performance', 'performance.id', 'ticket.performance_id')
    .where('performance.code', eventCode)
    .select('ticket.holder_first_name', 'ticket.holder_last_name', 'ticket.holder_email')) as { holder_first_name: string | null; holder_last_name: string | null; holder_email: string | null }[];
  const values = rows.flatMap((r) => [r.holder_first_name, r.holder_last_name, r.holder_email]).filter((v): v is string => !!v && v.length >= 3);
  assert.ok(values.length > 0, 'the seed gives holders names and e-mails');
  return values;
}

async function lastExecution(): Promise<{ id: string; workflow_id: string; run_id: string; outcome: string; notified_at: Date | null; notification_message_id: string | null }> {
  const row = (await s.db.knex('function_execution').orderBy('id', 'desc').first()) as { id: string | number; workflow_id: string; run_id: string; outcome: string; notified_at: Date | null; notification_message_id: string | null };
  return { ...row, id: String(row.id) };
}

before(async () => {
  smtp = await startSmtpServer();
  mailer.target = smtpMailer(smtp.url);
  s = await createStack({ notificationEmails: RECIPIENTS, mailer });
});
after(async () => {
  await s?.close();
  await smtp?.close();
});

describe('a run that needs a person sends one e-mail', () => {
  test('ERROR: one e-mail to the recipients, naming interface, function and outcome, listing the failed tickets and reasons, no personal data', async () => {
    const ids = await ticketIds('NT1', 12);
    const bad = [ids[3]!, ids[8]!];
    await s.db.knex('ticket').whereIn('id', bad).update({ holder_email: null });
    const before = smtp.messages.length;

    const summary = await s.run('inject', { eventCode: 'NT1', batchSize: 5 });
    assert.equal(summary.outcome, 'ERROR');
    assert.equal(summary.failed, 2);

    // The workflow waits for the e-mail before it completes: it is there now, once.
    assert.equal(smtp.messages.length - before, 1, 'exactly one e-mail for the run');
    const mail = smtp.messages.at(-1)!;
    assert.deepEqual([...mail.rcptTo].sort(), [...RECIPIENTS].sort());
    assert.equal(mail.mailFrom, 'bridge@example.org');
    for (const r of RECIPIENTS) assert.ok(mail.headers.to?.includes(r), `To names ${r}`);
    assert.ok(mail.subject.includes(s.interfaceName), mail.subject);
    assert.match(mail.subject, /INJECTION/);
    assert.match(mail.subject, /ERROR/);
    assert.match(mail.subject, /2 failed items/);
    for (const id of bad) assert.match(mail.text, new RegExp(`ticket ${id}\\s+\\[spectatorDetails\\.email\\]\\s+ticket ${id}: .*spectatorDetails\\.email`));
    assert.match(mail.text, /Failed items \(2\):/);
    for (const id of ids.filter((i) => !bad.includes(i))) assert.ok(!new RegExp(`ticket ${id}\\b`).test(mail.text), `ticket ${id} did not fail and is not listed`);
    for (const v of await personalData('NT1')) assert.ok(!mail.text.includes(v) && !mail.subject.includes(v), `personal data in the e-mail: ${v}`);

    // Recorded once, under a Message-ID derived from the run (the idempotency key).
    const x = await lastExecution();
    assert.equal(x.outcome, 'ERROR');
    assert.ok(x.notified_at, 'notified_at recorded');
    assert.equal(x.notification_message_id, mail.messageId);
    assert.ok(mail.messageId.includes(x.workflow_id) && mail.messageId.includes(x.run_id), mail.messageId);

    // An activity retry (same run) finds it recorded and sends nothing.
    const input: NotifyRunOutcomeInput = {
      interfaceName: s.interfaceName,
      fn: 'INJECTION',
      executionId: x.id,
      workflowId: x.workflow_id,
      runId: x.run_id,
      outcome: 'ERROR',
      counts: { processed: 12, succeeded: 10, failed: 2, skipped: 0, batches: 3, tixngoCalls: 3 },
    };
    const { notifyRunOutcome } = createNotifyActivities({ repo: s.repo, mailer: smtpMailer(smtp.url) });
    // MockActivityEnvironment.run infers its result as unknown.
    const again = (await new MockActivityEnvironment({ attempt: 2 }).run(notifyRunOutcome, input)) as NotifyRunOutcomeResult;
    assert.deepEqual({ sent: again.sent, skipped: again.skipped, messageId: again.messageId }, { sent: false, skipped: 'already-sent', messageId: mail.messageId });
    assert.equal(smtp.messages.length - before, 1, 'still one e-mail');

    // Without SMTP_URL the notification is skipped, not failed.
    const noSmtp = createNotifyActivities({ repo: s.repo, mailer: undefined });
    const skipped = await new MockActivityEnvironment().run(noSmtp.notifyRunOutcome, input);
    assert.deepEqual(skipped, { sent: false, skipped: 'smtp-not-configured', recipients: 2 });
  });

  test('tickets waiting for a mandatory holder field: no e-mail, the run is OK (they wait silently, §3.1.1)', async () => {
    const ids = await ticketIds('NW1', 4);
    await s.db.knex('ticket').where({ id: ids[1] }).update({ holder_birthdate: null });
    const before = smtp.messages.length;
    const summary = await s.run('inject', { eventCode: 'NW1', params: { mandatoryHolderFields: ['BIRTHDATE'] } });
    assert.equal(summary.outcome, 'OK');
    assert.equal(summary.waiting, 1);
    const again = await s.run('inject', { eventCode: 'NW1', params: { mandatoryHolderFields: ['BIRTHDATE'] } });
    assert.equal(again.outcome, 'OK', 'the next run neither');
    assert.equal(smtp.messages.length - before, 0);
  });

  test('WARNING (skip list): no e-mail, unless the interface asks for them (notifyOnWarning); then one, without personal data', async () => {
    const quiet = await ticketIds('NW0', 2);
    const none = smtp.messages.length;
    const warned = await s.run('inject', { eventCode: 'NW0', params: { skipTickets: [`id:${quiet[0]}`] } });
    assert.equal(warned.outcome, 'WARNING');
    assert.equal(smtp.messages.length, none, 'no e-mail for a WARNING by default');

    await s.repo.updateInterface(s.interfaceName, { customParams: { notifyOnWarning: true } }, s.secretKey, 'test');
    const ids = await ticketIds('NW2', 3);
    const before = smtp.messages.length;
    const summary = await s.run('inject', { eventCode: 'NW2', params: { skipTickets: [`id:${ids[1]}`] } }).finally(() =>
      s.repo.updateInterface(s.interfaceName, { customParams: {} }, s.secretKey, 'test'),
    );
    assert.equal(summary.outcome, 'WARNING');
    assert.equal(smtp.messages.length - before, 1);
    const mail = smtp.messages.at(-1)!;
    assert.match(mail.subject, /INJECTION ended in WARNING/);
    for (const v of await personalData('NW2')) assert.ok(!mail.text.includes(v), `personal data in the e-mail: ${v}`);
  });

  test('OK: no e-mail', async () => {
    await ticketIds('NK1', 3);
    const before = smtp.messages.length;
    const summary = await s.run('inject', { eventCode: 'NK1' });
    assert.equal(summary.outcome, 'OK');
    assert.equal(smtp.messages.length, before);
  });

  test('a failed run (TIXNGO refuses the key) sends one e-mail saying FAILED and why, and still fails', async () => {
    await ticketIds('NF1', 3);
    const before = smtp.messages.length;
    await s.simAdmin('POST', '/__sim/faults', { errorRate: 1, errorStatus: 401 });
    try {
      await assert.rejects(s.run('inject', { eventCode: 'NF1' }), (err: unknown) => err instanceof WorkflowFailedError);
    } finally {
      await s.simAdmin('DELETE', '/__sim/faults');
    }
    assert.equal(smtp.messages.length - before, 1);
    const mail = smtp.messages.at(-1)!;
    assert.match(mail.subject, /INJECTION FAILED/);
    assert.match(mail.text, /The run stopped:\n {2}INJECTION on interface \S+ stopped after 0 succeeded: /);
    assert.ok(!mail.text.includes('test-api-key'), 'no API key in the e-mail');
    const x = await lastExecution();
    assert.equal(x.outcome, 'ERROR');
    assert.ok(x.notified_at);
  });
});

describe('errors of ticket workflows count against their function', () => {
  test('a deletion never confirmed makes the next push-cancelled run ERROR, its e-mail lists the ticket; once retried, the next run is OK', async () => {
    const lifecycle = { deletionPollInitialMs: 100, deletionPollMaxMs: 400, deletionConfirmTimeoutMs: 1_500 };
    const [a, b] = await ticketIds('ND1', 2);
    assert.equal((await s.run('inject', { eventCode: 'ND1', options: { lifecycle } })).outcome, 'OK');
    await eventually('ticket workflows started', () => s.client.workflow.getHandle(ticketWorkflowId(a!)).describe().then(() => true, () => false), (v) => v);

    await s.simAdmin('POST', '/__sim/faults', { deletionNeverConfirms: true });
    try {
      await s.repo.cancelTickets([a!], 'REFUND', 'CANCELLED');
      const first = await s.run('push-cancelled', { eventCode: 'ND1', options: { lifecycle } });
      assert.equal(first.succeeded, 1);
      await eventually(
        'the unconfirmed deletion recorded',
        () => s.repo.listOpenErrors({ fn: 'PUSH_CANCELLED' }),
        (rows) => rows.some((e) => e.itemId === a && /not confirmed/.test(e.message)),
      );

      const before = smtp.messages.length;
      const next = await s.run('push-cancelled', { eventCode: 'ND1', options: { lifecycle } });
      assert.equal(next.processed, 0, 'nothing new to push');
      assert.equal(next.outcome, 'ERROR', 'the open error of the ticket workflow keeps the function in error');
      assert.equal((await lastExecution()).outcome, 'ERROR');
      assert.equal(smtp.messages.length - before, 1);
      const mail = smtp.messages.at(-1)!;
      assert.match(mail.subject, /PUSH_CANCELLED ended in ERROR \(1 open ticket workflow error\)/);
      assert.match(mail.text, new RegExp(`Open errors of ticket workflows \\(1\\)[^\n]*\n  ticket ${a}  .*not confirmed`));
      assert.ok(!new RegExp(`ticket ${b}\\b`).test(mail.text));

      // Another event's run does not answer for this ticket.
      await ticketIds('ND2', 1);
      assert.equal((await s.run('push-cancelled', { eventCode: 'ND2' })).outcome, 'OK');
    } finally {
      await s.simAdmin('DELETE', '/__sim/faults');
    }

    // A successful retry resolves the error: the function is OK again, and sends no e-mail.
    const r = await s.client.workflow.getHandle(ticketWorkflowId(a!)).executeUpdate(requestRetryUpdate);
    assert.equal(r.retried, true);
    await eventually('the error resolved', () => s.repo.listOpenErrors({ fn: 'PUSH_CANCELLED' }), (rows) => !rows.some((e) => e.itemId === a));
    const before = smtp.messages.length;
    assert.equal((await s.run('push-cancelled', { eventCode: 'ND1' })).outcome, 'OK');
    assert.equal(smtp.messages.length, before);
  });
});

describe('a failing SMTP server does not fail the run', () => {
  for (const [what, server] of [
    ['refuses the recipients', () => startSmtpServer({ refuse: 'rcpt' })],
    ['refuses the message data', () => startSmtpServer({ refuse: 'data' })],
  ] as const) {
    test(`SMTP server ${what}: three attempts, then the run ends with its own outcome`, async () => {
      const failing = await server();
      mailer.target = smtpMailer(failing.url);
      try {
        const ids = await ticketIds(`NS${what.length}`, 3);
        await s.db.knex('ticket').where({ id: ids[0] }).update({ holder_email: null });
        const summary = await s.run('inject', { eventCode: `NS${what.length}` });
        assert.equal(summary.outcome, 'ERROR', 'the outcome of the run, not of the e-mail');
        assert.equal(summary.succeeded, 2);
        assert.equal(failing.attempts, 3, 'the notify retry policy: 3 attempts');
        assert.equal(failing.messages.length, 0);
        assert.equal((await lastExecution()).notified_at, null, 'not recorded as sent');
      } finally {
        mailer.target = smtpMailer(smtp.url);
        await failing.close();
      }
    });
  }

  test('SMTP server down (closed port): the run ends with its own outcome', async () => {
    mailer.target = smtpMailer(`smtp://127.0.0.1:${await closedPort()}`);
    try {
      const ids = await ticketIds('NC1', 3);
      await s.db.knex('ticket').where({ id: ids[2] }).update({ holder_email: null });
      const summary = await s.run('inject', { eventCode: 'NC1' });
      assert.equal(summary.outcome, 'ERROR');
      assert.equal((await lastExecution()).notified_at, null);
    } finally {
      mailer.target = smtpMailer(smtp.url);
    }
  });
});
