// TIXNGO statuses as reported (V3, V4, legacy, unknown) -> the V3 vocabulary (docs/tixngo-api.md "Statuses as
// reported"), the lenient response schemas, and the feedback metrics of statuses and tickets S-360 does not know.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TIXNGO_STATUSES } from '../../common/domain';
import { countResult, createMetrics } from '../../observability/metrics';
import { diffResponseSchema, ticketItemResultSchema } from '../../tixngo/contract';
import { boundedStatus, toTixngoStatus } from '../../tixngo/statuses';

describe('toTixngoStatus', () => {
  test('V3 statuses map to themselves', () => {
    for (const s of TIXNGO_STATUSES) assert.equal(toTixngoStatus(s), s);
  });
  test('V4 and legacy statuses map to their V3 meaning', () => {
    assert.equal(toTixngoStatus('NOT_DOWNLOADED'), 'INJECTED');
    assert.equal(toTixngoStatus('RECEIVED'), 'DOWNLOADED');
    assert.equal(toTixngoStatus('TRANSFER_PENDING'), 'PENDING_TRANSFER');
  });
  test('anything else is unknown, including other cases and inherited object keys', () => {
    for (const s of ['WHATEVER', 'downloaded', ' DOWNLOADED', '', 'toString', '__proto__']) assert.equal(toTixngoStatus(s), undefined, s);
    assert.equal(toTixngoStatus(undefined), undefined);
  });
  test('boundedStatus cuts and cleans what goes to logs, columns and labels', () => {
    assert.equal(boundedStatus('WHATEVER'), 'WHATEVER');
    assert.equal(boundedStatus('A\nB'), 'A?B');
    assert.equal(boundedStatus('X'.repeat(200)).length, 64);
  });
});

describe('response schemas accept any status', () => {
  test('a diff page with V4, legacy and unknown statuses parses', () => {
    const entry = (ticketId: string, status: string, sequence: number) => ({
      ticketId,
      eventId: 'E1',
      status,
      walletOwner: null,
      ticketHolder: null,
      updatedAt: '2026-05-01T10:00:00Z',
      version: 1,
      sequence,
    });
    const r = diffResponseSchema.safeParse({ tickets: [entry('1', 'NOT_DOWNLOADED', 1), entry('2', 'RECEIVED', 2), entry('3', 'WHATEVER', 3)], nextPaginationKey: 'k', hasMore: false });
    assert.ok(r.success, r.success ? '' : r.error.message);
    assert.ok(ticketItemResultSchema.safeParse({ ticketId: '1', outcome: 'ACCEPTED', status: 'BRAND_NEW' }).success);
  });
});

describe('feedback metrics', () => {
  test('unknown statuses by interface and status; tickets S-360 does not know apart from the skipped ones', async () => {
    const m = createMetrics({ processMetrics: false });
    countResult(m, 'syncFeedbackPage', { interfaceName: 'demo' }, { changed: [], unknown: 2, skipped: 1, unknownStatuses: { WHATEVER: 3 }, received: 10, hasMore: false, tixngoCalls: 1 });
    const text = await m.registry.metrics();
    const value = (line: string) => {
      const hit = text.split('\n').find((l) => l.startsWith(`${line} `));
      assert.ok(hit, `no series ${line} in\n${text}`);
      return Number(hit.split(' ').pop());
    };
    assert.equal(value('s360_tixngo_unknown_status_total{interface="demo",status="WHATEVER"}'), 3);
    assert.equal(value('s360_feedback_unknown_tickets_total{interface="demo"}'), 2);
    assert.equal(value('s360_tickets_skipped_total{function="FEEDBACK",interface="demo"}'), 4);
    assert.equal(value('s360_tickets_succeeded_total{function="FEEDBACK",interface="demo"}'), 4);
    assert.equal(value('s360_tickets_processed_total{function="FEEDBACK",interface="demo"}'), 10);
  });
});
