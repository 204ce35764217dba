// injectTicketBatch over an in-memory S-360 and a scripted TIXNGO client (test/helpers/activity-fakes.ts): what is
// sent, what is marked injected, what is recorded as failed, and how TIXNGO errors become Temporal failures.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { ERR_CONFIG, ERR_TIXNGO_CONFLICT, ERR_TIXNGO_REJECTED, ERR_TIXNGO_TRANSIENT, ERR_TIXNGO_UNAUTHORIZED } from '../../common/errors';
import { TixngoError } from '../../tixngo/errors';
import { tixngoClientFactory } from '../../workers/worker';
import { API_KEY, IFACE, activitiesWith, activityEnv, fakeRepo, fakeTixngo, ticket } from '../helpers/activity-fakes';

const input = { interfaceName: 'demo', limit: 10, executionId: 'exec-1' };

/** The activity's failure, or a test failure when it succeeded or threw something else. */
async function failureOf(run: () => Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await run();
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    return err;
  }
  assert.fail('the activity succeeded');
}

describe('injectTicketBatch', () => {
  test('happy path: every ticket sent in one call with the interface credentials, all marked injected', async () => {
    const s360 = fakeRepo([ticket('1'), ticket('2'), ticket('3')]);
    const tixngo = fakeTixngo();
    const { run, heartbeats } = activityEnv();
    const acts = activitiesWith(s360.repo, tixngo.factory);

    const res = await run(acts.main.injectTicketBatch, input);

    assert.deepEqual(res.accepted, [
      { ticketId: '1', eventCode: 'E1' },
      { ticketId: '2', eventCode: 'E1' },
      { ticketId: '3', eventCode: 'E1' },
    ]);
    assert.deepEqual(res.rejected, []);
    assert.equal(res.selected, 3);
    assert.equal(res.tixngoCalls, 1);
    assert.equal(res.lastId, '3');
    assert.equal(res.done, true, 'fewer than limit: the selection is exhausted');
    assert.deepEqual(tixngo.calls.map((c) => [c.op, c.ids]), [['injectTickets', ['1', '2', '3']]]);
    assert.deepEqual(tixngo.credentials, [{ url: IFACE.url, login: IFACE.loginEmail, apiKey: API_KEY }]);
    assert.deepEqual(s360.marked, [{ fn: 'INJECTION', items: [{ id: '1' }, { id: '2' }, { id: '3' }], runId: 'exec-1' }]);
    assert.deepEqual(s360.errors, []);
    assert.ok(heartbeats.some((h) => JSON.stringify(h) === JSON.stringify({ posted: true })), 'the bulk call is announced before it is made');
  });

  test('per-ticket rejections: recorded in S-360 with field and type, the others still marked', async () => {
    const s360 = fakeRepo([ticket('1'), ticket('2'), ticket('3')]);
    const tixngo = fakeTixngo({
      reject: {
        '2': { reason: 'INVALID', errors: [{ field: 'spectatorDetails.email', message: 'required' }] },
        '3': { reason: 'CONFLICT' },
      },
    });
    const { run } = activityEnv();
    const res = await run(activitiesWith(s360.repo, tixngo.factory).main.injectTicketBatch, input);

    assert.deepEqual(res.accepted, [{ ticketId: '1', eventCode: 'E1' }]);
    assert.deepEqual(res.rejected, [
      { itemId: '2', eventCode: 'E1', type: ERR_TIXNGO_REJECTED, field: 'spectatorDetails.email', message: 'ticket 2: spectatorDetails.email: required' },
      { itemId: '3', eventCode: 'E1', type: ERR_TIXNGO_CONFLICT, field: undefined, message: 'ticket 3: CONFLICT' },
    ]);
    assert.deepEqual(s360.marked, [{ fn: 'INJECTION', items: [{ id: '1' }], runId: 'exec-1' }]);
    assert.deepEqual(s360.errors, [
      {
        fn: 'INJECTION',
        itemKind: 'ticket',
        items: [
          { itemId: '2', field: 'spectatorDetails.email', message: 'ticket 2: spectatorDetails.email: required' },
          { itemId: '3', field: undefined, message: 'ticket 3: CONFLICT' },
        ],
        runId: 'exec-1',
      },
    ]);
  });

  test('a retried attempt does not send again what TIXNGO already holds (exactly once)', async () => {
    const s360 = fakeRepo([ticket('1'), ticket('2'), ticket('3')]);
    const tixngo = fakeTixngo({ held: ['2'] });
    // Attempt 2 whose predecessor announced its bulk call and never got an answer.
    const { run } = activityEnv({ attempt: 2, heartbeatDetails: { posted: true } });
    const res = await run(activitiesWith(s360.repo, tixngo.factory).main.injectTicketBatch, input);

    assert.deepEqual(tixngo.calls.map((c) => [c.op, c.ids]), [
      ['getTickets', ['1', '2', '3']],
      ['injectTickets', ['1', '3']],
    ]);
    assert.equal(res.tixngoCalls, 2);
    assert.deepEqual(s360.marked[0]?.items.map((i) => i.id).sort(), ['1', '2', '3']);
  });

  test('a retried attempt whose predecessor got an error status reads nothing back', async () => {
    const s360 = fakeRepo([ticket('1')]);
    const tixngo = fakeTixngo();
    const { run } = activityEnv({ attempt: 2, heartbeatDetails: { posted: false } });
    await run(activitiesWith(s360.repo, tixngo.factory).main.injectTicketBatch, input);
    assert.deepEqual(tixngo.calls.map((c) => c.op), ['injectTickets']);
  });

  test('a retry after a failed sub-call does not send again what the earlier sub-calls had accepted, and reports it', async () => {
    // Forced page: the earlier attempt's tickets are selected again (a force list re-sends PRINTED tickets).
    const s360 = fakeRepo([ticket('1'), ticket('2'), ticket('3')]);
    const tixngo = fakeTixngo();
    const { run } = activityEnv({ attempt: 2, heartbeatDetails: { posted: false, accepted: [{ ticketId: '1', eventCode: 'E1' }] } });
    const res = await run(activitiesWith(s360.repo, tixngo.factory).main.injectTicketBatch, input);
    assert.deepEqual(tixngo.calls.map((c) => [c.op, c.ids]), [['injectTickets', ['2', '3']]]);
    assert.deepEqual(res.accepted.map((a) => a.ticketId).sort(), ['1', '2', '3']);
    assert.equal(res.selected, 3);
    assert.deepEqual(s360.marked.flatMap((m) => m.items.map((i) => i.id)).sort(), ['1', '2', '3'], 'marked again: idempotent');
  });

  test('simulation: checks every payload, reports what would be sent, sends and marks nothing', async () => {
    const s360 = fakeRepo([ticket('1'), ticket('2', { holder: { ...ticket('2').holder, email: null } })]);
    const tixngo = fakeTixngo();
    const { run } = activityEnv();
    const res = await run(activitiesWith(s360.repo, tixngo.factory).main.injectTicketBatch, { ...input, params: { simulationMode: true } });
    assert.deepEqual(tixngo.calls, []);
    assert.deepEqual(s360.marked, []);
    assert.deepEqual(s360.errors, []);
    assert.deepEqual(res.simulated, [{ itemId: '1', action: 'inject' }]);
    assert.deepEqual(res.rejected.map((r) => [r.itemId, r.field]), [['2', 'spectatorDetails.email']]);
    assert.equal(res.skipped, 1);
  });

  test('401 from TIXNGO: a non-retryable TixngoUnauthorized failure, nothing marked or recorded', async () => {
    const s360 = fakeRepo([ticket('1'), ticket('2')]);
    const tixngo = fakeTixngo({ fail: new TixngoError('unauthorized', 'TIXNGO POST /organizer/tickets: HTTP 401 (login or API key refused)', { httpStatus: 401, operation: 'injectTickets' }) });
    const { run, heartbeats } = activityEnv();
    const failure = await failureOf(() => run(activitiesWith(s360.repo, tixngo.factory).main.injectTicketBatch, input));

    assert.equal(failure.type, ERR_TIXNGO_UNAUTHORIZED);
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /^injection on interface 'demo': /);
    assert.deepEqual(s360.marked, []);
    assert.deepEqual(s360.errors, []);
    // TIXNGO answered: a retry (by a person, after fixing the key) need not read back what it holds.
    assert.deepEqual(heartbeats.at(-1), { posted: false });
  });
});

describe('the API key never appears in a failure', () => {
  const leaks = (f: ApplicationFailure) => [f.message, f.stack ?? '', JSON.stringify(f.details ?? null), String(f.cause ?? '')].some((t) => t.includes(API_KEY));

  test('TIXNGO refuses the key (401)', async () => {
    const tixngo = fakeTixngo({ fail: new TixngoError('unauthorized', 'TIXNGO POST /organizer/tickets: HTTP 401', { httpStatus: 401 }) });
    const { run } = activityEnv();
    const f = await failureOf(() => run(activitiesWith(fakeRepo([ticket('1')]).repo, tixngo.factory).main.injectTicketBatch, input));
    assert.equal(f.type, ERR_TIXNGO_UNAUTHORIZED);
    assert.equal(leaks(f), false, f.message);
  });

  test('the real client cannot reach TIXNGO: retryable, no key', async () => {
    const s360 = fakeRepo([ticket('1')], { credentials: () => ({ url: 'http://127.0.0.1:1/organizer/tickets', login: IFACE.loginEmail, apiKey: API_KEY }) });
    const { run } = activityEnv();
    const acts = activitiesWith(s360.repo, tixngoClientFactory({ auth: 'basic', keyHeader: 'X-TIXNGO-KEY', timeoutMs: 2_000 }));
    const f = await failureOf(() => run(acts.main.injectTicketBatch, input));
    assert.equal(f.type, ERR_TIXNGO_TRANSIENT);
    assert.equal(f.nonRetryable, false);
    assert.equal(leaks(f), false, f.message);
  });

  test('the real client refuses a malformed key: non-retryable ConfigError that does not show it', async () => {
    const badKey = `${API_KEY} with spaces`;
    const s360 = fakeRepo([ticket('1')], { credentials: () => ({ url: IFACE.url, login: IFACE.loginEmail, apiKey: badKey }) });
    const { run } = activityEnv();
    const acts = activitiesWith(s360.repo, tixngoClientFactory({ auth: 'header', keyHeader: 'X-TIXNGO-KEY', timeoutMs: 2_000 }));
    const f = await failureOf(() => run(acts.main.injectTicketBatch, input));
    assert.equal(f.type, ERR_CONFIG);
    assert.equal(f.nonRetryable, true);
    assert.equal(leaks(f), false, f.message);
    assert.deepEqual(s360.marked, []);
  });
});
