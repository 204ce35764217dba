// The TIXNGO contract: required fields, field limits, endpoint derivation and URL rejection,
// plus the client's pure helpers (status -> error kind, Retry-After).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_BATCH_ITEMS,
  PRODUCTION_INTERFACE_URL,
  buildEndpoints,
  deleteItemSchema,
  controlledItemSchema,
  diffQuerySchema,
  formatIssues,
  injectEnvelopeSchema,
  injectRequestSchema,
  injectionReportQuerySchema,
  injectionTicketSchema,
  issuesToItemErrors,
  privilegeInstanceInputSchema,
  ticketStateSchema,
  type InjectionTicketInput,
} from '../../tixngo/contract';
import { TixngoError, errorKindForStatus, parseRetryAfter } from '../../tixngo/errors';
import * as errors from '../../common/errors';
import { sampleTicket, samplePrivilege } from '../../simulator/fixtures';

const valid = (): InjectionTicketInput => structuredClone(sampleTicket('U', 1));

/** Fields reported by validating `value`, or [] when valid. */
function fieldsOf(value: unknown): string[] {
  const r = injectionTicketSchema.safeParse(value);
  return r.success ? [] : issuesToItemErrors(r.error).map((e) => e.field!);
}

function without(path: string): unknown {
  const t = valid() as unknown as Record<string, unknown>;
  const keys = path.split('.');
  let o = t;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
  delete o[keys.at(-1)!];
  return t;
}

function withValue(path: string, value: unknown): unknown {
  const t = valid() as unknown as Record<string, unknown>;
  const keys = path.split('.');
  let o = t;
  for (const k of keys.slice(0, -1)) {
    o[k] ??= {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys.at(-1)!] = value;
  return t;
}

void describe('injection ticket schema', () => {
  void test('a complete ticket is valid', () => {
    assert.deepEqual(fieldsOf(valid()), []);
  });

  for (const field of [
    'ticketId',
    'event',
    'purchaseDetails',
    'security',
    'spectatorDetails',
    'event.address.city',
    'event.address.countryCode',
    'event.address.site',
    'event.address.zip',
    'event.id',
    'activationParameters',
    'activationParameters.method',
    'security.barcode',
    'spectatorDetails.email',
  ]) {
    void test(`${field} is required and named when missing`, () => {
      const fields = fieldsOf(without(field));
      assert.deepEqual(fields, [field]);
      const r = injectionTicketSchema.safeParse(without(field));
      assert.ok(!r.success);
      assert.match(formatIssues(r.error), new RegExp(`^${field.replace(/\./g, '\\.')}: required`));
    });
  }

  void test('empty or blank required strings are refused', () => {
    assert.deepEqual(fieldsOf(withValue('event.address.zip', '   ')), ['event.address.zip']);
    assert.deepEqual(fieldsOf(withValue('security.barcode', '')), ['security.barcode']);
    assert.deepEqual(fieldsOf(withValue('ticketId', '')), ['ticketId']);
  });

  void test('ticketId: at most 256 characters of letters, digits, space and *.-_+/()', () => {
    assert.deepEqual(fieldsOf(withValue('ticketId', 'A'.repeat(256))), []);
    assert.deepEqual(fieldsOf(withValue('ticketId', 'A'.repeat(257))), ['ticketId']);
    assert.deepEqual(fieldsOf(withValue('ticketId', 'Ab 09*.-_+/()')), []);
    for (const bad of ['A#1', 'é1', 'a@b', 'x:y', 'tab\there', 'a,b']) {
      assert.deepEqual(fieldsOf(withValue('ticketId', bad)), ['ticketId'], bad);
    }
  });

  const limits: [string, number][] = [
    ['event.id', 256],
    ['event.name', 128],
    ['event.website', 128],
    ['event.address.site', 200],
    ['event.address.city', 200],
    ['event.address.countryCode', 200],
    ['event.address.zip', 200],
    ['event.address.line1', 200],
    ['event.group.name', 128],
    ['event.group.image', 256],
    ['security.barcode', 512],
    ['spectatorDetails.firstName', 50],
    ['spectatorDetails.lastName', 100],
    ['spectatorDetails.title', 50],
    ['activationParameters.groupId', 50],
    ['activationParameters.instanceId', 128],
    ['purchaseDetails.currency', 20],
    ['purchaseDetails.category', 512],
    ['purchaseDetails.taxNumber', 256],
    ['purchaseDetails.fileId', 256],
    ['sortingKey', 256],
  ];
  for (const [field, max] of limits) {
    void test(`${field} accepts ${max} characters and refuses ${max + 1}`, () => {
      assert.deepEqual(fieldsOf(withValue(field, 'x'.repeat(max))), []);
      const r = injectionTicketSchema.safeParse(withValue(field, 'x'.repeat(max + 1)));
      assert.ok(!r.success);
      assert.deepEqual(issuesToItemErrors(r.error), [{ field, message: `at most ${max} characters` }]);
    });
  }

  void test('spectator e-mail must look like an e-mail and be at most 256 characters', () => {
    assert.deepEqual(fieldsOf(withValue('spectatorDetails.email', 'not-an-email')), ['spectatorDetails.email']);
    assert.deepEqual(fieldsOf(withValue('spectatorDetails.email', `${'a'.repeat(250)}@ex.org`)), ['spectatorDetails.email']);
  });

  void test('dates are RFC 3339 with an offset', () => {
    for (const ok of ['2022-12-12T16:11:00Z', '2022-12-12T16:11:00+01:00', '2022-12-12T16:11:00.123-05:00']) {
      assert.deepEqual(fieldsOf(withValue('event.startTime', ok)), [], ok);
    }
    for (const bad of ['2022-12-12 16:11', '2022-12-12T16:11:00', '12/12/22 16:11', '2022-13-12T16:11:00Z']) {
      assert.deepEqual(fieldsOf(withValue('event.startTime', bad)), ['event.startTime'], bad);
    }
    assert.deepEqual(fieldsOf(withValue('activationParameters.time', 'tomorrow')), ['activationParameters.time']);
  });

  void test('activationParameters.method is online or offline', () => {
    assert.deepEqual(fieldsOf(withValue('activationParameters.method', 'offline')), []);
    const r = injectionTicketSchema.safeParse(withValue('activationParameters.method', 'bluetooth'));
    assert.ok(!r.success);
    assert.deepEqual(issuesToItemErrors(r.error), [{ field: 'activationParameters.method', message: 'expected "online" or "offline"' }]);
  });

  void test('multilingual event name (sendMultilingualAsJsonObject) is accepted as a language-keyed object', () => {
    assert.deepEqual(fieldsOf(withValue('event.name', { en: 'Final', fr: 'Finale' })), []);
    assert.deepEqual(fieldsOf(withValue('event.name', { en: 'x'.repeat(129) })), ['event.name.en']);
  });

  void test('unknown fields (e.g. V4 business fields) are kept, not refused', () => {
    const r = injectionTicketSchema.safeParse(withValue('seat', '12'));
    assert.ok(r.success);
    assert.equal((r.data as Record<string, unknown>).seat, '12');
  });

  void test('every invalid field of a ticket is reported at once', () => {
    const t = withValue('event.address.zip', '') as Record<string, unknown>;
    delete t.security;
    assert.deepEqual(fieldsOf(t).sort(), ['event.address.zip', 'security']);
  });
});

void describe('bulk envelopes', () => {
  void test(`at most ${MAX_BATCH_ITEMS} items, at least one`, () => {
    const many = Array.from({ length: MAX_BATCH_ITEMS + 1 }, () => ({}));
    const r = injectEnvelopeSchema.safeParse({ tickets: many });
    assert.ok(!r.success);
    assert.match(formatIssues(r.error), /^tickets: at most 10000 tickets per call/);
    assert.ok(injectEnvelopeSchema.safeParse({ tickets: many.slice(1) }).success);
    assert.ok(!injectEnvelopeSchema.safeParse({ tickets: [] }).success);
  });

  void test('the envelope checks structure only; the full request checks every ticket', () => {
    assert.ok(injectEnvelopeSchema.safeParse({ tickets: [{ ticketId: 'x' }] }).success);
    assert.ok(!injectEnvelopeSchema.safeParse({ tickets: 'nope' }).success);
    assert.ok(!injectEnvelopeSchema.safeParse({ ticket: [] }).success);
    assert.ok(!injectEnvelopeSchema.safeParse({ tickets: [1, 2] }).success);
    const r = injectRequestSchema.safeParse({ tickets: [valid(), without('event.address.zip')] });
    assert.ok(!r.success);
    assert.match(formatIssues(r.error), /tickets\.1\.event\.address\.zip: required/);
  });

  void test('deletion carries ticketId, a reason and showDeletedTicket', () => {
    assert.ok(deleteItemSchema.safeParse({ ticketId: 'T1', reason: 'CANCELLED', showDeletedTicket: false }).success);
    const r = deleteItemSchema.safeParse({ ticketId: 'T1', reason: 'CANCELLED' });
    assert.ok(!r.success);
    assert.deepEqual(issuesToItemErrors(r.error).map((e) => e.field), ['showDeletedTicket']);
    assert.ok(!deleteItemSchema.safeParse({ ticketId: 'T1', reason: '', showDeletedTicket: true }).success);
  });

  void test('control carries ticketId and an RFC 3339 controlledAt', () => {
    assert.ok(controlledItemSchema.safeParse({ ticketId: 'T1', controlledAt: '2027-06-01T19:01:02+02:00' }).success);
    assert.ok(!controlledItemSchema.safeParse({ ticketId: 'T1', controlledAt: '01/06/27 19:01' }).success);
  });

  void test('privilege instances need a definition with id and name, and a holder e-mail', () => {
    assert.ok(privilegeInstanceInputSchema.safeParse(samplePrivilege('P', 1)).success);
    const p = samplePrivilege('P', 1) as unknown as { privilegeDefinition: Record<string, unknown>; holder: Record<string, unknown> };
    delete p.privilegeDefinition.name;
    delete p.holder.email;
    const r = privilegeInstanceInputSchema.safeParse(p);
    assert.ok(!r.success);
    assert.deepEqual(issuesToItemErrors(r.error).map((e) => e.field).sort(), ['holder.email', 'privilegeDefinition.name']);
  });
});

void describe('queries and responses', () => {
  void test('diff query: limit between 1 and 10000, optional key', () => {
    assert.deepEqual(diffQuerySchema.parse({ limit: '50' }), { limit: 50 });
    assert.ok(!diffQuerySchema.safeParse({ limit: '0' }).success);
    assert.ok(!diffQuerySchema.safeParse({ limit: '10001' }).success);
    assert.ok(!diffQuerySchema.safeParse({}).success);
  });

  void test('report query: period YYYY-MM, limit and offset required', () => {
    assert.deepEqual(injectionReportQuerySchema.parse({ period: '2027-06', limit: '10', offset: '0' }), { period: '2027-06', limit: 10, offset: 0 });
    for (const bad of ['2027-13', '2027-6', '27-06', '2027/06']) {
      assert.ok(!injectionReportQuerySchema.safeParse({ period: bad, limit: 10, offset: 0 }).success, bad);
    }
    const r = injectionReportQuerySchema.safeParse({ period: '2027-06' });
    assert.ok(!r.success);
    assert.deepEqual(issuesToItemErrors(r.error).map((e) => e.field).sort(), ['limit', 'offset']);
  });

  void test('ticket state requires status (any string: V3, V4, legacy, new), version and updatedAt', () => {
    const state = {
      ticketId: 'T',
      eventId: 'E',
      status: 'DOWNLOADED',
      walletOwner: { email: 'a@b.ch' },
      ticketHolder: null,
      updatedAt: '2027-01-01T00:00:00Z',
      version: 2,
    };
    assert.ok(ticketStateSchema.safeParse(state).success);
    // Issue #10: a V4 or unknown status must not fail the whole diff page; readers map it (tixngo/statuses.ts).
    assert.ok(ticketStateSchema.safeParse({ ...state, status: 'NOT_DOWNLOADED' }).success, 'V4 status accepted');
    assert.ok(!ticketStateSchema.safeParse({ ...state, status: undefined }).success, 'status is required');
    const r = ticketStateSchema.safeParse({ ...state, version: undefined });
    assert.ok(!r.success);
    assert.match(formatIssues(r.error), /^version:/);
  });
});

void describe('buildEndpoints', () => {
  void test('derives every organizer endpoint from the production interface URL', () => {
    const e = buildEndpoints(PRODUCTION_INTERFACE_URL);
    assert.equal(e.interfaceUrl, 'https://api.tixngo.io/v3/organizer/tickets');
    assert.equal(e.organizerBase, 'https://api.tixngo.io/v3/organizer');
    assert.equal(e.injectTickets, 'https://api.tixngo.io/v3/organizer/tickets');
    assert.equal(e.searchTickets, 'https://api.tixngo.io/v3/organizer/tickets/search');
    assert.equal(e.deleteTickets, 'https://api.tixngo.io/v3/organizer/tickets/delete');
    assert.equal(e.markControlled, 'https://api.tixngo.io/v3/organizer/tickets/controlled');
    assert.equal(e.diff, 'https://api.tixngo.io/v3/organizer/tickets/diff');
    assert.equal(e.injectionReport, 'https://api.tixngo.io/v3/organizer/reports/injections');
    assert.equal(e.injectPrivileges, 'https://api.tixngo.io/v3/organizer/privileges');
    assert.equal(e.searchPrivileges, 'https://api.tixngo.io/v3/organizer/privileges/search');
    assert.equal(e.privilegeDefinition('SEASON 2027/28'), 'https://api.tixngo.io/v3/organizer/privileges/definitions/SEASON%202027%2F28');
  });

  void test('tolerates a trailing slash and works for other hosts and ports', () => {
    assert.equal(buildEndpoints('https://pp5-api.tixngo.io/v3/organizer/tickets/').diff, 'https://pp5-api.tixngo.io/v3/organizer/tickets/diff');
    assert.equal(buildEndpoints('http://127.0.0.1:18080/v3/organizer/tickets').organizerBase, 'http://127.0.0.1:18080/v3/organizer');
  });

  void test('rejects URLs that are not a TIXNGO interface URL, with a clear message', () => {
    assert.throws(() => buildEndpoints('https://api.tixngo.io/v3/organizer'), /must end with organizer\/tickets/);
    assert.throws(() => buildEndpoints('https://api.tixngo.io/v3/organizer/tickets/diff'), /must end with organizer\/tickets/);
    assert.throws(() => buildEndpoints('https://api.tixngo.io/v3/myorganizer/tickets'), /must end with organizer\/tickets/);
    assert.throws(() => buildEndpoints('ftp://api.tixngo.io/v3/organizer/tickets'), /must be http\(s\)/);
    assert.throws(() => buildEndpoints('api.tixngo.io/v3/organizer/tickets'), /not a valid URL/);
    assert.throws(() => buildEndpoints(''), /empty/);
    assert.throws(() => buildEndpoints('https://api.tixngo.io/v3/organizer/tickets?x=1'), /query string/);
  });

  void test('a URL with embedded credentials is refused without echoing them', () => {
    assert.throws(
      () => buildEndpoints('https://admin:s3cr3t-key@api.tixngo.io/v3/organizer/tickets'),
      (err: Error) => /must not carry credentials/.test(err.message) && !err.message.includes('s3cr3t-key'),
    );
    assert.throws(
      () => buildEndpoints('https://admin:s3cr3t-key@api.tixngo.io/v3/other'),
      (err: Error) => !err.message.includes('s3cr3t-key'),
    );
  });
});

void describe('client pure helpers', () => {
  void test('HTTP status -> error kind -> common/errors.ts constant', () => {
    const cases: [number, string, string][] = [
      [400, 'rejected', errors.ERR_TIXNGO_REJECTED],
      [422, 'rejected', errors.ERR_TIXNGO_REJECTED],
      [401, 'unauthorized', errors.ERR_TIXNGO_UNAUTHORIZED],
      [403, 'unauthorized', errors.ERR_TIXNGO_UNAUTHORIZED],
      [404, 'not-found', errors.ERR_TIXNGO_NOT_FOUND],
      [409, 'conflict', errors.ERR_TIXNGO_CONFLICT],
      [429, 'rate-limited', errors.ERR_TIXNGO_RATE_LIMITED],
      [500, 'transient', errors.ERR_TIXNGO_TRANSIENT],
      [502, 'transient', errors.ERR_TIXNGO_TRANSIENT],
      [503, 'transient', errors.ERR_TIXNGO_TRANSIENT],
      [504, 'transient', errors.ERR_TIXNGO_TRANSIENT],
    ];
    for (const [status, kind, type] of cases) {
      assert.equal(errorKindForStatus(status), kind, String(status));
      assert.equal(new TixngoError(errorKindForStatus(status), 'x').errorType, type, String(status));
    }
    assert.equal(new TixngoError('bad-response', 'x').errorType, errors.ERR_TIXNGO_BAD_RESPONSE);
  });

  void test('Retry-After in seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('7'), 7000);
    assert.equal(parseRetryAfter(' 0 '), 0);
    const now = Date.parse('2027-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Fri, 01 Jan 2027 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Thu, 31 Dec 2026 23:59:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(null), undefined);
  });
});
