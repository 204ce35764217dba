// syncFeedbackPage over an in-memory S-360 and a scripted TIXNGO diff feed: the page is read from the stored
// cursor and applied together with the next one; skipped and unknown tickets are counted, not applied.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DiffEntry } from '../../tixngo/contract';
import { activitiesWith, activityEnv, fakeRepo, fakeTixngo, ticket } from '../helpers/activity-fakes';

const entry = (ticketId: string, status: DiffEntry['status'], version: number, sequence: number): DiffEntry => ({
  ticketId,
  eventId: 'E1',
  status,
  walletOwner: { email: 'owner@example.org' },
  ticketHolder: null,
  updatedAt: '2026-05-01T10:00:00Z',
  version,
  sequence,
  transferLevel: 0,
});

test('syncFeedbackPage: reads after the stored cursor, applies the page with the next cursor', async () => {
  const s360 = fakeRepo([ticket('31', { status: 'PRINTED' }), ticket('32', { status: 'PRINTED' })], { cursor: 'k-10' });
  const tixngo = fakeTixngo({
    diff: { tickets: [entry('31', 'DOWNLOADED', 3, 11), entry('32', 'TRANSFERRED', 2, 12), entry('99', 'INJECTED', 1, 13)], nextPaginationKey: 'k-13', hasMore: true },
  });
  const { run } = activityEnv();
  const res = await run(activitiesWith(s360.repo, tixngo.factory).main.syncFeedbackPage, { interfaceName: 'demo', limit: 50, params: { skipTickets: ['id:32'] } });

  assert.deepEqual(tixngo.calls, [{ op: 'getDiff', ids: [], body: { paginationKey: 'k-10', limit: 50 } }]);
  assert.equal(s360.feedback.length, 1);
  assert.equal(s360.feedback[0]!.nextCursor, 'k-13');
  assert.deepEqual(
    s360.feedback[0]!.changes.map((c) => [c.ticketId, c.tixngoStatus, c.version]),
    [
      ['31', 'DOWNLOADED', 3],
      ['99', 'INJECTED', 1],
    ],
    'the skipped ticket is not applied',
  );
  assert.equal(s360.cursor, 'k-13');
  assert.deepEqual(res, {
    changed: [{ ticketId: '31', eventCode: 'E1', tixngoStatus: 'DOWNLOADED', version: 3 }],
    unknown: 1, // 99 unknown to S-360 (issue #10: counted apart from the skip list)
    skipped: 1, // 32 on the skip list
    unknownStatuses: {},
    received: 3,
    hasMore: true,
    tixngoCalls: 1,
  });
});

test('syncFeedbackPage: no cursor yet reads the feed from its beginning', async () => {
  const s360 = fakeRepo([]);
  const tixngo = fakeTixngo({ diff: { tickets: [], nextPaginationKey: 'k-1', hasMore: false } });
  const { run } = activityEnv();
  const res = await run(activitiesWith(s360.repo, tixngo.factory).main.syncFeedbackPage, { interfaceName: 'demo', limit: 5 });
  assert.deepEqual(tixngo.calls[0]?.body, { paginationKey: undefined, limit: 5 });
  assert.equal(s360.cursor, 'k-1');
  assert.equal(res.hasMore, false);
});

test('syncFeedbackPage: statuses are mapped, an unknown one is stored raw and not reported as a change; skip list by ticket number', async () => {
  const s360 = fakeRepo([ticket('41'), ticket('42'), ticket('43'), ticket('44')]);
  const tixngo = fakeTixngo({
    diff: {
      tickets: [entry('41', 'NOT_DOWNLOADED', 2, 1), entry('42', 'RECEIVED', 2, 2), entry('43', 'WHATEVER', 2, 3), entry('44', 'DOWNLOADED', 2, 4)],
      nextPaginationKey: 'k-4',
      hasMore: false,
    },
  });
  const { run } = activityEnv();
  const res = await run(activitiesWith(s360.repo, tixngo.factory).main.syncFeedbackPage, { interfaceName: 'demo', limit: 50, params: { skipTickets: ['100000000044'] } });
  assert.deepEqual(
    s360.feedback[0]!.changes.map((c) => [c.ticketId, c.tixngoStatus, c.rawStatus]),
    [
      ['41', 'INJECTED', 'NOT_DOWNLOADED'],
      ['42', 'DOWNLOADED', 'RECEIVED'],
      ['43', null, 'WHATEVER'],
    ],
    '44 skipped by its ticket number',
  );
  assert.equal(s360.cursor, 'k-4');
  assert.deepEqual(res.changed.map((c) => [c.ticketId, c.tixngoStatus]), [
    ['41', 'INJECTED'],
    ['42', 'DOWNLOADED'],
  ]);
  assert.deepEqual(res.unknownStatuses, { WHATEVER: 1 });
  assert.equal(res.skipped, 1);
  assert.equal(res.unknown, 0);
});
