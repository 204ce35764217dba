// TixngoClient against a real simulator over real HTTP: every endpoint and every error class.
// Malformed answers come from tiny throwaway node:http servers.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { inspect } from 'node:util';
import fetch from 'node-fetch';
import { startSimulator, type Simulator } from '../../simulator/server';
import { sampleTicket, samplePrivilege } from '../../simulator/fixtures';
import { TixngoClient, type TixngoClientOptions } from '../../tixngo/client';
import { TixngoConfigError, TixngoError } from '../../tixngo/errors';
import {
  ERR_TIXNGO_BAD_RESPONSE,
  ERR_TIXNGO_CONFLICT,
  ERR_TIXNGO_NOT_FOUND,
  ERR_TIXNGO_RATE_LIMITED,
  ERR_TIXNGO_REJECTED,
  ERR_TIXNGO_TRANSIENT,
  ERR_TIXNGO_UNAUTHORIZED,
} from '../../common/errors';

const KEY = 'client-test-key-7Hq2xZ91';
const LOGIN = 'admin@organizer.example';

/** Runs `fn` against a throwaway server answering every request with `handler`. */
async function withServer(handler: http.RequestListener, fn: (interfaceUrl: string) => Promise<void>): Promise<void> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  try {
    await fn(`http://127.0.0.1:${port}/v3/organizer/tickets`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): http.RequestListener => (req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
};

async function rejectsWith(p: Promise<unknown>, check: (e: TixngoError) => void): Promise<TixngoError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TixngoError, `expected a TixngoError, got ${String(err)}`);
    check(err);
    return err;
  }
  assert.fail('expected the call to fail');
}

function assertNoKey(value: unknown, key = KEY): void {
  const texts = [inspect(value, { depth: 10, showHidden: true }), JSON.stringify(value) ?? '', String(value)];
  if (value instanceof Error) texts.push(value.message, value.stack ?? '');
  for (const t of texts) assert.ok(!t.includes(key), `the API key leaked into: ${t.slice(0, 200)}`);
  const b64 = Buffer.from(`${LOGIN}:${key}`).toString('base64');
  for (const t of texts) assert.ok(!t.includes(b64), 'the Basic credentials leaked');
}

void describe('TixngoClient', () => {
  let sim: Simulator;
  let client: TixngoClient;
  const make = (o: Partial<TixngoClientOptions> = {}) => new TixngoClient({ url: sim.interfaceUrl, login: LOGIN, apiKey: KEY, ...o });
  const admin = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${sim.url}/__sim${p}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return (await res.json()) as Record<string, unknown>;
  };

  before(async () => {
    sim = await startSimulator({ port: 0, apiKey: KEY, deletionDelayMs: 100 });
    client = make();
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    await admin('POST', '/reset');
  });

  void describe('endpoints', () => {
    void test('injectTickets: per-ticket outcomes, event creation, re-injection', async () => {
      const r = await client.injectTickets([sampleTicket('C', 1), sampleTicket('C', 2)]);
      assert.deepEqual([r.accepted, r.rejected], [2, 0]);
      assert.deepEqual(r.eventsCreated, ['C-EV']);
      assert.deepEqual(r.results.map((x) => [x.ticketId, x.outcome, x.status, x.created, x.version]), [
        ['C-1', 'ACCEPTED', 'INJECTED', true, 1],
        ['C-2', 'ACCEPTED', 'INJECTED', true, 1],
      ]);
      const again = await client.injectTickets([sampleTicket('C', 1)]);
      assert.deepEqual([again.results[0]!.outcome, again.results[0]!.created, again.eventsCreated], ['ACCEPTED', false, []]);
      assert.equal((await admin('GET', '/tickets/C-1')).injectCount, 2);
      assert.deepEqual(await client.injectTickets([]), { results: [], accepted: 0, rejected: 0, eventsCreated: [] });
    });

    void test('HTTP Basic auth works too', async () => {
      const basic = make({ auth: 'basic' });
      const r = await basic.injectTickets([sampleTicket('B', 1)]);
      assert.equal(r.accepted, 1);
    });

    void test('a batch with invalid and refused tickets: each named with its field, the others accepted', async () => {
      await client.injectTickets([sampleTicket('M', 9)]);
      await client.deleteTickets([{ ticketId: 'M-9', reason: 'CANCELLED', showDeletedTicket: false }]);
      const noZip = sampleTicket('M', 2) as unknown as { event: { address: Record<string, unknown> } };
      delete noZip.event.address.zip;
      const tooLongName = sampleTicket('M', 3, { eventName: 'n'.repeat(129) });
      const r = await client.injectTickets([sampleTicket('M', 1), noZip as never, tooLongName, sampleTicket('M', 9), sampleTicket('M', 4)]);
      assert.deepEqual([r.accepted, r.rejected], [2, 3]);
      assert.deepEqual(r.results.map((x) => [x.ticketId, x.outcome, x.reason]), [
        ['M-1', 'ACCEPTED', undefined],
        ['M-2', 'REJECTED', 'INVALID'],
        ['M-3', 'REJECTED', 'INVALID'],
        ['M-9', 'REJECTED', 'CONFLICT'],
        ['M-4', 'ACCEPTED', undefined],
      ]);
      assert.deepEqual(r.results[1]!.errors, [{ field: 'event.address.zip', message: 'required' }]);
      assert.equal(r.results[1]!.local, true, 'refused by the contract check, never sent');
      assert.deepEqual(r.results[2]!.errors, [{ field: 'event.name', message: 'at most 128 characters' }]);
      assert.equal(r.results[3]!.errors![0]!.field, 'ticketId');
      assert.match(r.results[3]!.errors![0]!.message, /M-9 is DELETION_PENDING/);
      assert.deepEqual((await admin('GET', '/stats')).tickets, { INJECTED: 2, DELETION_PENDING: 1 });
    });

    void test('getTickets: states of found tickets and the ids not found', async () => {
      await client.injectTickets([sampleTicket('G', 1), sampleTicket('G', 2)]);
      await admin('POST', '/wallet/G-2/download');
      const r = await client.getTickets(['G-1', 'G-2', 'G-404']);
      assert.deepEqual(r.notFound, ['G-404']);
      const g2 = r.tickets.find((t) => t.ticketId === 'G-2')!;
      assert.equal(g2.status, 'DOWNLOADED');
      assert.equal(g2.eventId, 'G-EV');
      assert.equal(g2.version, 2);
      assert.deepEqual(g2.walletOwner, { email: 'fan2@example.org', firstName: 'Alex', lastName: 'Fan2' });
      assert.equal(g2.ticketHolder, null);
      assert.ok(!Number.isNaN(Date.parse(g2.updatedAt)));
      assert.deepEqual(await client.getTickets([]), { tickets: [], notFound: [] });
    });

    void test('deleteTickets: DELETION_PENDING, then DELETED; unknown ids reported per item; repeat is accepted', async () => {
      await client.injectTickets([sampleTicket('D', 1)]);
      const r = await client.deleteTickets([
        { ticketId: 'D-1', reason: 'INVALIDATED', showDeletedTicket: true },
        { ticketId: 'D-404', reason: 'INVALIDATED', showDeletedTicket: true },
      ]);
      assert.deepEqual(r.results.map((x) => [x.outcome, x.status, x.reason]), [
        ['ACCEPTED', 'DELETION_PENDING', undefined],
        ['REJECTED', undefined, 'NOT_FOUND'],
      ]);
      let state = (await client.getTickets(['D-1'])).tickets[0]!;
      for (let i = 0; i < 100 && state.status !== 'DELETED'; i++) {
        await new Promise((res) => setTimeout(res, 20));
        state = (await client.getTickets(['D-1'])).tickets[0]!;
      }
      assert.equal(state.status, 'DELETED');
      assert.equal(state.showDeletedTicket, true);
      assert.equal(state.deletionReason, 'INVALIDATED');
      const again = await client.deleteTickets([{ ticketId: 'D-1', reason: 'INVALIDATED', showDeletedTicket: true }]);
      assert.deepEqual([again.results[0]!.outcome, again.results[0]!.status], ['ACCEPTED', 'DELETED']);
    });

    void test('markControlled: CONTROLLED; a deleted ticket is a per-item conflict', async () => {
      await client.injectTickets([sampleTicket('K', 1), sampleTicket('K', 2)]);
      await client.deleteTickets([{ ticketId: 'K-2', reason: 'CANCELLED', showDeletedTicket: false }]);
      const r = await client.markControlled([
        { ticketId: 'K-1', controlledAt: '2027-06-01T19:05:00+02:00' },
        { ticketId: 'K-2', controlledAt: '2027-06-01T19:05:00+02:00' },
        { ticketId: 'K-3', controlledAt: 'yesterday' },
      ]);
      assert.deepEqual(r.results.map((x) => [x.ticketId, x.outcome, x.reason, x.status]), [
        ['K-1', 'ACCEPTED', undefined, 'CONTROLLED'],
        ['K-2', 'REJECTED', 'CONFLICT', 'DELETION_PENDING'],
        ['K-3', 'REJECTED', 'INVALID', undefined],
      ]);
      assert.equal(r.results[2]!.errors![0]!.field, 'controlledAt');
    });

    void test('getDiff: cursor pages through changes; the key advances and is stable', async () => {
      await client.injectTickets([sampleTicket('F', 1), sampleTicket('F', 2), sampleTicket('F', 3)]);
      await admin('POST', '/wallet/F-1/download');
      const p1 = await client.getDiff({ limit: 3 });
      assert.deepEqual(p1.tickets.map((t) => t.ticketId), ['F-1', 'F-2', 'F-3']);
      assert.equal(p1.hasMore, true);
      const p2 = await client.getDiff({ paginationKey: p1.nextPaginationKey, limit: 3 });
      assert.deepEqual(p2.tickets.map((t) => [t.ticketId, t.status, t.version]), [['F-1', 'DOWNLOADED', 2]]);
      assert.ok(p2.tickets[0]!.sequence > p1.tickets[2]!.sequence);
      assert.notEqual(p2.nextPaginationKey, p1.nextPaginationKey);
      assert.deepEqual(await client.getDiff({ paginationKey: p1.nextPaginationKey, limit: 3 }), p2);
      await rejectsWith(client.getDiff({ limit: 0 }), (e) => assert.equal(e.kind, 'rejected'));
      await rejectsWith(client.getDiff({ paginationKey: 'garbage', limit: 3 }), (e) => {
        assert.equal(e.kind, 'rejected');
        assert.equal(e.httpStatus, 400);
        assert.equal(e.itemErrors![0]!.field, 'paginationKey');
      });
    });

    void test('getInjectionReport', async () => {
      await client.injectTickets([sampleTicket('R', 1), sampleTicket('R', 2)]);
      const period = new Date().toISOString().slice(0, 7);
      const r = await client.getInjectionReport({ period, limit: 10, offset: 0 });
      assert.deepEqual(r, { total: 1, grandTotal: 2, events: [{ eventId: 'R-EV', eventName: 'Sample concert', startTime: '2027-06-01T20:00:00+02:00', injected: 2 }] });
      assert.deepEqual(await client.getInjectionReport({ period: '1999-01', limit: 10, offset: 0 }), { total: 0, grandTotal: 0, events: [] });
      const calls = ((await admin('GET', '/stats')).calls as Record<string, number>)['GET /v3/organizer/reports/injections'];
      await rejectsWith(client.getInjectionReport({ period: '2027-1', limit: 10, offset: 0 }), (e) => {
        assert.equal(e.kind, 'rejected');
        assert.equal(e.httpStatus, undefined, 'refused before sending');
        assert.match(e.message, /period: period must be YYYY-MM/);
      });
      assert.equal(((await admin('GET', '/stats')).calls as Record<string, number>)['GET /v3/organizer/reports/injections'], calls);
    });

    void test('privileges: inject, read the definition, read instances', async () => {
      const r = await client.injectPrivileges([samplePrivilege('P', 1), samplePrivilege('P', 2), { instanceId: 'P-3' } as never]);
      assert.deepEqual(r.definitionsCreated, ['P-DEF']);
      assert.deepEqual(r.results.map((x) => [x.instanceId, x.outcome, x.status]), [
        ['P-1', 'ACCEPTED', 'INJECTED'],
        ['P-2', 'ACCEPTED', 'INJECTED'],
        ['P-3', 'REJECTED', undefined],
      ]);
      assert.deepEqual(r.results[2]!.errors!.map((e) => e.field).sort(), ['holder', 'privilegeDefinition']);
      const def = await client.getPrivilegeDefinition('P-DEF');
      assert.deepEqual([def.id, def.name, def.kind, def.instanceCount], ['P-DEF', 'Season membership 2027', 'membership', 2]);
      const inst = await client.getPrivilegeInstances(['P-1', 'P-9']);
      assert.deepEqual(inst.instances.map((i) => [i.instanceId, i.definitionId, i.status]), [['P-1', 'P-DEF', 'INJECTED']]);
      assert.deepEqual(inst.notFound, ['P-9']);
      await rejectsWith(client.getPrivilegeDefinition('UNKNOWN-DEF'), (e) => {
        assert.equal(e.kind, 'not-found');
        assert.equal(e.httpStatus, 404);
        assert.equal(e.errorType, ERR_TIXNGO_NOT_FOUND);
      });
    });

    void test(`more than 10,000 items is refused before any call`, async () => {
      const many = Array.from({ length: 10_001 }, (_, i) => ({ ticketId: `X-${i}`, controlledAt: '2027-06-01T19:00:00Z' }));
      await rejectsWith(client.markControlled(many), (e) => {
        assert.equal(e.kind, 'rejected');
        assert.equal(e.errorType, ERR_TIXNGO_REJECTED);
        assert.match(e.message, /at most 10000/);
      });
      assert.deepEqual((await admin('GET', '/stats')).calls, {});
    });
  });

  void describe('errors', () => {
    void test('429 -> rate-limited, Retry-After parsed (seconds)', async () => {
      await admin('POST', '/faults', { rateLimitPerSecond: 1, retryAfterSeconds: 7 });
      let err: TixngoError | undefined;
      for (let i = 0; i < 4 && !err; i++) {
        try {
          await client.getTickets(['A']);
        } catch (e) {
          err = e as TixngoError;
        }
      }
      assert.ok(err instanceof TixngoError);
      assert.equal(err.kind, 'rate-limited');
      assert.equal(err.httpStatus, 429);
      assert.equal(err.retryAfterMs, 7000);
      assert.equal(err.errorType, ERR_TIXNGO_RATE_LIMITED);
    });

    void test('429 with an HTTP-date Retry-After', async () => {
      const at = new Date(Date.now() + 60_000).toUTCString();
      await withServer(json(429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }, { 'Retry-After': at }), async (url) => {
        const c = new TixngoClient({ url, login: LOGIN, apiKey: KEY });
        await rejectsWith(c.getTickets(['A']), (e) => {
          assert.equal(e.kind, 'rate-limited');
          assert.ok(e.retryAfterMs! > 55_000 && e.retryAfterMs! <= 60_000, String(e.retryAfterMs));
          assert.match(e.message, /slow down/);
        });
      });
    });

    void test('latency beyond the client timeout -> transient (and the call may still have been applied)', async () => {
      await admin('POST', '/faults', { latencyMs: 600 });
      const quick = make({ timeoutMs: 150 });
      const t0 = Date.now();
      await rejectsWith(quick.injectTickets([sampleTicket('T', 1)]), (e) => {
        assert.equal(e.kind, 'transient');
        assert.equal(e.errorType, ERR_TIXNGO_TRANSIENT);
        assert.match(e.message, /timeout/);
      });
      assert.ok(Date.now() - t0 < 550, 'gave up at its own timeout');
      await admin('DELETE', '/faults');
      // A retry must learn what TIXNGO already holds.
      const held = await client.getTickets(['T-1']);
      assert.deepEqual(held.tickets.map((t) => t.status), ['INJECTED']);
    });

    void test('503 (outage) and 5xx (error rate) -> transient', async () => {
      await admin('POST', '/faults', { outageSeconds: 30 });
      await rejectsWith(client.getTickets(['A']), (e) => {
        assert.equal(e.kind, 'transient');
        assert.equal(e.httpStatus, 503);
        assert.equal(e.errorType, ERR_TIXNGO_TRANSIENT);
      });
      await admin('DELETE', '/faults');
      await admin('POST', '/faults', { errorRate: 1, errorStatus: 500 });
      await rejectsWith(client.getDiff({ limit: 1 }), (e) => assert.deepEqual([e.kind, e.httpStatus], ['transient', 500]));
    });

    void test('connection refused -> transient', async () => {
      let url = '';
      await withServer(json(200, {}), async (u) => {
        url = u;
      });
      const c = new TixngoClient({ url, login: LOGIN, apiKey: KEY });
      await rejectsWith(c.getTickets(['A']), (e) => {
        assert.equal(e.kind, 'transient');
        assert.match(e.message, /network error/);
        assertNoKey(e);
      });
    });

    void test('malformed JSON from the server -> bad-response', async () => {
      await withServer(json(200, '{"results": [ oops'), async (url) => {
        const c = new TixngoClient({ url, login: LOGIN, apiKey: KEY });
        await rejectsWith(c.injectTickets([sampleTicket('J', 1)]), (e) => {
          assert.equal(e.kind, 'bad-response');
          assert.equal(e.errorType, ERR_TIXNGO_BAD_RESPONSE);
          assert.match(e.message, /not JSON/);
        });
      });
    });

    void test('a response missing a required field -> bad-response naming the field path', async () => {
      await withServer(json(200, { tickets: [{ ticketId: 'A', eventId: 'E', walletOwner: null, ticketHolder: null, updatedAt: '2027-01-01T00:00:00Z', version: 1 }], hasMore: false }), async (url) => {
        const c = new TixngoClient({ url, login: LOGIN, apiKey: KEY });
        await rejectsWith(c.getDiff({ limit: 10 }), (e) => {
          assert.equal(e.kind, 'bad-response');
          assert.match(e.message, /tickets\.0\.status: /);
          assert.match(e.message, /nextPaginationKey: /);
        });
      });
      await withServer(json(200, { results: [{ ticketId: 'someone-else', outcome: 'ACCEPTED' }], eventsCreated: [] }), async (url) => {
        const c = new TixngoClient({ url, login: LOGIN, apiKey: KEY });
        await rejectsWith(c.injectTickets([sampleTicket('J', 1)]), (e) => {
          assert.equal(e.kind, 'bad-response');
          assert.match(e.message, /results\.0: expected the result of J-1/);
        });
      });
    });

    void test('wrong API key -> unauthorized, and the key is nowhere in the error', async () => {
      for (const auth of ['header', 'basic'] as const) {
        const wrongKey = 'wrong-key-SHOULD-NOT-LEAK';
        const c = make({ apiKey: wrongKey, auth });
        const e = await rejectsWith(c.injectTickets([sampleTicket('U', 1)]), (err) => {
          assert.equal(err.kind, 'unauthorized');
          assert.equal(err.httpStatus, 401);
          assert.equal(err.errorType, ERR_TIXNGO_UNAUTHORIZED);
        });
        assertNoKey(e, wrongKey);
        assertNoKey(c, wrongKey);
      }
    });

    void test('a server echoing the key: scrubbed from message and item errors', async () => {
      const body = { error: { code: 'BAD_REQUEST', message: `bad key ${KEY}`, details: [{ ticketId: 'A', field: 'x', message: `got ${KEY}` }] } };
      await withServer(json(400, body), async (url) => {
        const c = new TixngoClient({ url, login: LOGIN, apiKey: KEY });
        const e = await rejectsWith(c.getTickets(['A']), (err) => {
          assert.equal(err.kind, 'rejected');
          assert.deepEqual(err.itemErrors, [{ ticketId: 'A', field: 'x', message: 'got [redacted]' }]);
        });
        assertNoKey(e);
      });
    });

    void test('400 / 422 -> rejected with item errors; 409 -> conflict; 404 -> not-found; 403 -> unauthorized', async () => {
      const details = [{ ticketId: 'A-1', field: 'event.address.zip', message: 'required' }];
      for (const [status, kind, type] of [
        [400, 'rejected', ERR_TIXNGO_REJECTED],
        [422, 'rejected', ERR_TIXNGO_REJECTED],
        [409, 'conflict', ERR_TIXNGO_CONFLICT],
        [404, 'not-found', ERR_TIXNGO_NOT_FOUND],
        [403, 'unauthorized', ERR_TIXNGO_UNAUTHORIZED],
      ] as const) {
        await withServer(json(status, { error: { code: 'X', message: 'refused', details } }), async (url) => {
          const c = new TixngoClient({ url, login: LOGIN, apiKey: KEY });
          await rejectsWith(c.injectTickets([sampleTicket('A', 1)]), (e) => {
            assert.deepEqual([e.kind, e.httpStatus, e.errorType], [kind, status, type]);
            assert.deepEqual(e.itemErrors, details);
            assert.match(e.message, /ticket A-1: event\.address\.zip: required/);
          });
        });
      }
      // The simulator's own 400 for a structurally invalid body is reachable through a raw path only;
      // an unknown endpoint on the simulator is a 404.
      const wrongPath = new TixngoClient({ url: `${sim.url}/v2/organizer/tickets`, login: LOGIN, apiKey: KEY });
      await rejectsWith(wrongPath.getTickets(['A']), (e) => assert.deepEqual([e.kind, e.httpStatus], ['not-found', 404]));
    });

    void test('outer cancellation aborts the call with the signal reason', async () => {
      await admin('POST', '/faults', { latencyMs: 1000 });
      const ac = new AbortController();
      const c = make({ signal: ac.signal });
      const reason = new Error('activity cancelled');
      setTimeout(() => ac.abort(reason), 50);
      await assert.rejects(c.getTickets(['A']), (e) => e === reason);
      await assert.rejects(c.getTickets(['A']), (e) => e === reason, 'an already aborted signal fails at once');
    });
  });

  void describe('construction and secrecy', () => {
    void test('the interface URL must end with organizer/tickets', () => {
      assert.throws(() => make({ url: 'https://api.tixngo.io/v3/organizer' }), (e) => e instanceof TixngoConfigError && /must end with organizer\/tickets/.test(e.message));
      assert.throws(() => make({ apiKey: '' }), TixngoConfigError);
      assert.throws(() => make({ login: ' ' }), TixngoConfigError);
      assert.throws(() => make({ keyHeader: 'bad header' }), TixngoConfigError);
      assert.throws(() => make({ timeoutMs: 0 }), TixngoConfigError);
      assert.throws(
        () => make({ apiKey: 'has a space-SECRET' }),
        (e: Error) => e instanceof TixngoConfigError && !e.message.includes('SECRET'),
      );
    });

    void test('the client never shows its key (toString, JSON, inspect)', () => {
      const c = make({ auth: 'basic' });
      assertNoKey(c);
      assert.match(inspect(c), /TixngoClient\(http:\/\/127\.0\.0\.1:\d+\/v3\/organizer\/tickets/);
      assert.equal((JSON.parse(JSON.stringify(c)) as { apiKey: string }).apiKey, '[redacted]');
      assert.ok(!Object.values(c).some((v) => v === KEY));
    });
  });
});
