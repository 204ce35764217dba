// Logs and metrics without a server: the runtime logger's filtering and sanitizing, and the activity wrapper's
// counting and timing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { PinoRuntimeLogger, createLogger, maskText, memoryDestination, sanitizeFields } from '../../observability/logger';
import { createMetrics, instrumentActivities } from '../../observability/metrics';

describe('runtime logger', () => {
  test('JSON records with workflow/ticket ids; payload bodies, holder data and keys never written', () => {
    const out = memoryDestination();
    const logger = new PinoRuntimeLogger(createLogger({ level: 'info', destination: out.stream }), { app: 'info', sdk: 'WARN' });
    logger.warn('ticket needs attention', {
      sdkComponent: 'workflow',
      workflowId: 'ticket-1234',
      runId: 'r1',
      type: 'TixngoRejected',
      args: [{ email: 'a.b@example.org' }],
      spectatorDetails: { firstName: 'Gwendoline', lastName: 'Okonkwo' },
      apiKey: 'sk-secret-1234567890',
      error: ApplicationFailure.create({ type: 'TixngoRejected', message: 'ticket 1234: spectatorDetails.email: invalid value g.okonkwo@example.org' }),
    });
    logger.info('activity done', { sdkComponent: 'activity', workflowId: 'card-77', activityType: 'injectPrivilegeBatch', result: { holder: 'x' } });
    const lines = out.lines();
    assert.equal(lines.length, 2);
    const [w, a] = lines as [Record<string, unknown>, Record<string, unknown>];
    assert.equal(w.level, 'warn');
    assert.equal(w.msg, 'ticket needs attention');
    assert.equal(w.workflowId, 'ticket-1234');
    assert.equal(w.ticketId, '1234');
    assert.equal(w.apiKey, '[redacted]');
    assert.equal(w.args, undefined);
    assert.equal(w.spectatorDetails, undefined);
    assert.equal((w.error as { failureType: string }).failureType, 'TixngoRejected');
    assert.match((w.error as { message: string }).message, /invalid value \[email\]/);
    assert.equal(a.cardId, '77');
    assert.equal(a.result, undefined);
    const all = JSON.stringify(lines);
    for (const s of ['a.b@example.org', 'Gwendoline', 'Okonkwo', 'sk-secret-1234567890', 'g.okonkwo@example.org']) assert.ok(!all.includes(s), s);
  });

  test('workflow/activity logs follow LOG_LEVEL, the SDK and Core follow TEMPORAL_LOG_LEVEL', () => {
    const out = memoryDestination();
    const logger = new PinoRuntimeLogger(createLogger({ level: 'info', destination: out.stream }), { app: 'info', sdk: 'WARN' });
    logger.info('mine', { sdkComponent: 'activity' });
    logger.debug('mine, too verbose', { sdkComponent: 'workflow' });
    logger.info('sdk chatter', { sdkComponent: 'worker' });
    logger.warn('core warning', { sdkComponent: 'core' });
    assert.deepEqual(
      out.lines().map((l) => l.msg),
      ['mine', 'core warning'],
    );
  });

  test('sanitizing: e-mails masked in any text, bounded depth, bytes summarised', () => {
    assert.equal(maskText('to x.y+z@mail.example.ch now'), 'to [email] now');
    const s = sanitizeFields({ note: 'a@b.io', nested: { deeper: { deepest: { gone: { further: { x: 1 } } } } }, bin: new Uint8Array(4), password: 'p' });
    assert.equal(s.note, '[email]');
    assert.equal(s.bin, '[4 bytes]');
    assert.equal(s.password, '[redacted]');
    assert.match(JSON.stringify(s.nested), /…/);
  });
});

describe('activity metrics', () => {
  test('each activity timed; batch results counted per function and interface; errors rethrown unchanged', async () => {
    const m = createMetrics({ processMetrics: false });
    let calls = 0;
    const acts = instrumentActivities(
      {
        async injectTicketBatch(input: { interfaceName: string }) {
          calls++;
          return { selected: 5, accepted: [1, 2, 3], rejected: [{ itemId: '9' }], skipped: 1, tixngoCalls: 1, done: true, input };
        },
        async pushCancelledBatch(_input: { interfaceName: string }) {
          return { selected: 2, pushed: [1, 2], rejected: [], skipped: 0, tixngoCalls: 1, done: true };
        },
        async syncFeedbackPage(_input: { interfaceName: string; limit: number }) {
          return { changed: [1], unknown: 2, received: 7, hasMore: false, tixngoCalls: 1 };
        },
        async readTixngoStatus(_input: { interfaceName: string; ticketId: string }) {
          throw ApplicationFailure.create({ type: 'TixngoTransient', message: 'down' });
        },
      },
      m,
    );
    const r = await acts.injectTicketBatch({ interfaceName: 'demo' });
    assert.equal(r.selected, 5);
    assert.equal(calls, 1);
    await acts.injectTicketBatch({ interfaceName: 'demo' });
    await acts.pushCancelledBatch({ interfaceName: 'other' });
    await acts.syncFeedbackPage({ interfaceName: 'demo', limit: 10 });
    await assert.rejects(acts.readTixngoStatus({ interfaceName: 'demo', ticketId: '1' }), (e: Error) => e instanceof ApplicationFailure && e.type === 'TixngoTransient');

    const text = await m.registry.metrics();
    const value = (line: string) => {
      const hit = text.split('\n').find((l) => l.startsWith(`${line} `));
      assert.ok(hit, `no series ${line} in\n${text}`);
      return Number(hit.split(' ').pop());
    };
    assert.equal(value('s360_tickets_processed_total{function="INJECTION",interface="demo"}'), 10);
    assert.equal(value('s360_tickets_succeeded_total{function="INJECTION",interface="demo"}'), 6);
    assert.equal(value('s360_tickets_failed_total{function="INJECTION",interface="demo"}'), 2);
    assert.equal(value('s360_tickets_skipped_total{function="INJECTION",interface="demo"}'), 2);
    assert.equal(value('s360_batches_total{function="INJECTION",interface="demo"}'), 2);
    assert.equal(value('s360_tixngo_calls_total{function="INJECTION",interface="demo"}'), 2);
    assert.equal(value('s360_tickets_succeeded_total{function="PUSH_CANCELLED",interface="other"}'), 2);
    assert.equal(value('s360_tickets_processed_total{function="FEEDBACK",interface="demo"}'), 7);
    assert.equal(value('s360_tickets_succeeded_total{function="FEEDBACK",interface="demo"}'), 5);
    assert.equal(value('s360_tickets_skipped_total{function="FEEDBACK",interface="demo"}'), 2);
    assert.equal(value('s360_activity_duration_seconds_count{activity="injectTicketBatch",outcome="ok"}'), 2);
    assert.equal(value('s360_activity_duration_seconds_count{activity="readTixngoStatus",outcome="error"}'), 1);
    // A failed call produced no result: nothing counted for it.
    assert.ok(!text.includes('s360_tixngo_calls_total{function="TICKET_STATUS"'));
  });
});
