import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTicketPayload, buildTicketPayloads, showDeletedTicketFor } from '../../activities/payload';
import { parseCustomParamValues } from '../../db/custom-params';
import { judge } from '../../ops/reconcile';
import type { TicketPayloadRow } from '../../db/types';
import { injectionTicketSchema } from '../../tixngo/contract';

const row: TicketPayloadRow = {
  id: '42',
  taxNumber: '100000000042',
  barcode: 'BC42',
  status: 'NOT_PRINTED',
  invalidationReason: null,
  statusChangedAt: '2026-01-01T00:00:00Z',
  controlledAt: null,
  interfaceId: 1,
  shipmentMode: 'BLOCKCHAIN',
  block: 'B1',
  row: '3',
  seat: '7',
  category: 'CAT1',
  tariff: 'ADULT',
  price: 55,
  currency: 'CHF',
  fileNumber: 'F1',
  holder: { title: 'Ms', firstName: 'Anna', lastName: 'Muster', email: 'anna@example.org', birthdate: null, idNumber: null, countryCode: 'CH', birthRegion: null, birthPlace: null },
  performance: {
    id: 1,
    code: 'E1',
    name: 'Final',
    productKind: 'match',
    venueSite: 'Stadium',
    addressLine1: null,
    city: 'Bern',
    zip: '3000',
    countryCode: 'CH',
    timezone: 'Europe/Zurich',
    startTime: '2026-06-01T18:00:00.000Z',
    endTime: null,
    comfortVariables: null,
  },
  replacedTicket: null,
  updatedAt: '2026-01-01T00:00:00Z',
};

test('a complete S-360 ticket builds a payload the TIXNGO contract accepts', () => {
  const p = buildTicketPayload(row);
  const parsed = injectionTicketSchema.safeParse(p);
  assert.equal(parsed.success, true, JSON.stringify(parsed.error?.issues));
  assert.equal(p.ticketId, '42');
  assert.equal(p.event.id, 'E1');
  assert.equal(p.event.startTime, '2026-06-01T20:00:00+02:00', 'in the performance\'s time zone, with its offset');
  assert.equal(p.event.expirationDate, '2026-06-02T20:00:00+02:00', 'no end time: start + 24 h');
  assert.equal(p.spectatorDetails.email, 'anna@example.org');
});

test('missing mandatory data is refused by the contract naming the field', () => {
  const p = buildTicketPayload({ ...row, holder: { ...row.holder, email: null } });
  const parsed = injectionTicketSchema.safeParse(p);
  assert.equal(parsed.success, false);
  assert.deepEqual(parsed.error?.issues.map((i) => i.path.join('.')), ['spectatorDetails.email']);
});

test('barcode prefix and suffix', () => {
  assert.equal(buildTicketPayload(row, {}, { barcodePrefix: 'P-', barcodeSuffix: '-S' }).security.barcode, 'P-BC42-S');
});

describe('spectator of a replacement ticket (reprint, take back: §3.1.2, §9.1, §9.3)', () => {
  const zoe = { email: 'zoe@example.org', firstName: 'Zoe', lastName: 'Keller' };
  const replacement = (reason: string | null, lastWalletOwner: unknown): TicketPayloadRow => ({
    ...row,
    id: '43',
    replacedTicket: { id: '42', status: 'INVALIDATED', invalidationReason: reason, lastWalletOwner },
  });
  const spectator = (r: TicketPayloadRow, params = {}) => buildTicketPayload(r, params).spectatorDetails;

  test('reprint: the replaced ticket\'s last wallet owner from feedback receives it (overlay default true)', () => {
    const s = spectator(replacement('REPRINT', zoe));
    assert.deepEqual(s, { email: 'zoe@example.org', firstName: 'Zoe', lastName: 'Keller', title: undefined }, 'the cultural contact\'s title is not given to another person');
    assert.equal(spectator(replacement('REPRINT', zoe), { overlaySpectatorDetailsWithLastOwner: true }).email, 'zoe@example.org');
    assert.equal(spectator(replacement('REPRINT', zoe), { overlaySpectatorDetailsWithLastOwner: 'true', resetInjectionInvalidationReasons: 'MOBILE_TAKE_BACK' }).email, 'zoe@example.org', 'another reason listed');
    assert.equal(spectator(replacement(null, zoe)).email, 'zoe@example.org', 'no reason recorded: not in the list');
  });

  test('a reason listed in resetInjectionInvalidationReasons: the cultural contact', () => {
    assert.equal(spectator(replacement('MOBILE_TAKE_BACK', zoe), { resetInjectionInvalidationReasons: 'MOBILE_TAKE_BACK' }).email, 'anna@example.org');
    assert.equal(spectator(replacement('MOBILE_TAKE_BACK', zoe), { resetInjectionInvalidationReasons: 'RESALE, MOBILE_TAKE_BACK ' }).email, 'anna@example.org', 'comma-separated, trimmed');
    const s = spectator(replacement('MOBILE_TAKE_BACK', zoe), { resetInjectionInvalidationReasons: 'MOBILE_TAKE_BACK' });
    assert.deepEqual(s, { email: 'anna@example.org', firstName: 'Anna', lastName: 'Muster', title: 'Ms' });
  });

  test('overlaySpectatorDetailsWithLastOwner=false: the cultural contact', () => {
    assert.equal(spectator(replacement('REPRINT', zoe), { overlaySpectatorDetailsWithLastOwner: false }).email, 'anna@example.org');
    assert.equal(spectator(replacement('REPRINT', zoe), { overlaySpectatorDetailsWithLastOwner: 'false' }).email, 'anna@example.org');
  });

  test('no feedback yet for the replaced ticket (no wallet owner): the cultural contact', () => {
    assert.equal(spectator(replacement('REPRINT', null)).email, 'anna@example.org');
    assert.equal(spectator(replacement('REPRINT', { firstName: 'Zoe' })).email, 'anna@example.org', 'an owner without e-mail is no owner');
  });

  test('the custom parameters as `interface add --params` validates and stores them drive the choice', () => {
    const stored = parseCustomParamValues({ resetInjectionInvalidationReasons: ' MOBILE_TAKE_BACK , RESALE', overlaySpectatorDetailsWithLastOwner: 'true' });
    assert.deepEqual(stored, { resetInjectionInvalidationReasons: 'MOBILE_TAKE_BACK,RESALE', overlaySpectatorDetailsWithLastOwner: true });
    assert.equal(spectator(replacement('MOBILE_TAKE_BACK', zoe), stored).email, 'anna@example.org');
    assert.equal(spectator(replacement('REPRINT', zoe), stored).email, 'zoe@example.org');
    const off = parseCustomParamValues({ overlaySpectatorDetailsWithLastOwner: 'false' });
    assert.equal(spectator(replacement('REPRINT', zoe), off).email, 'anna@example.org');
  });

  test('not a replacement: the cultural contact, whatever the parameters', () => {
    assert.equal(spectator(row).email, 'anna@example.org');
    assert.equal(spectator(row, { overlaySpectatorDetailsWithLastOwner: true }).email, 'anna@example.org');
  });
});

test('showDeletedTicket follows the §3.3 rule', () => {
  assert.equal(showDeletedTicketFor('REFUND', {}, false), false, 'default false');
  assert.equal(showDeletedTicketFor('REFUND', { visibilityFlagDefaultValue: true }, false), true, 'default changed');
  assert.equal(showDeletedTicketFor('REFUND', {}, true), true, 'notify spectator');
  assert.equal(showDeletedTicketFor('RESALE', { overrideVisibilityFlagForInvalidationReasons: 'REPRINT, RESALE' }, false), true, 'reason listed');
  assert.equal(showDeletedTicketFor('REFUND', { overrideVisibilityFlagForInvalidationReasons: 'REPRINT' }, false), false);
});

test('showDeletedTicket given by a ticket\'s own cancel wins over the rule, both ways', () => {
  const listed = { overrideVisibilityFlagForInvalidationReasons: 'REPRINT', visibilityFlagDefaultValue: true };
  assert.equal(showDeletedTicketFor('REPRINT', listed, true, false), false, 'explicit false beats reason, notify spectator and default');
  assert.equal(showDeletedTicketFor('REFUND', {}, false, true), true, 'explicit true beats the default');
  assert.equal(showDeletedTicketFor('REPRINT', listed, false, undefined), true, 'absent: the rule');
});

test('isShowDeletedTicket, the older name of visibilityFlagDefaultValue', () => {
  assert.equal(showDeletedTicketFor('REFUND', { isShowDeletedTicket: true }, false), true);
  assert.equal(showDeletedTicketFor('REFUND', { isShowDeletedTicket: 'true' }, false), true);
  assert.equal(showDeletedTicketFor('REFUND', { isShowDeletedTicket: true, visibilityFlagDefaultValue: false }, false), false, 'the current name wins');
  assert.deepEqual(parseCustomParamValues({ isShowDeletedTicket: 'true' }), { isShowDeletedTicket: true });
  assert.deepEqual(parseCustomParamValues({ isShowDeletedTicket: 'false', visibilityFlagDefaultValue: false }), { isShowDeletedTicket: false, visibilityFlagDefaultValue: false });
  assert.throws(() => parseCustomParamValues({ isShowDeletedTicket: 'true', visibilityFlagDefaultValue: 'false' }), /older name of visibilityFlagDefaultValue/);
});

test('reconcile judges S-360 against TIXNGO', () => {
  assert.equal(judge('PRINTED', 'DOWNLOADED'), undefined);
  assert.match(judge('PRINTED', 'ABSENT')!, /missing in TIXNGO/);
  assert.match(judge('PRINTED', 'DELETED')!, /deleted in TIXNGO/);
  assert.equal(judge('CANCELLED', 'ABSENT'), undefined, 'never injected: nothing to delete');
  assert.match(judge('CANCELLED', 'INJECTED')!, /still INJECTED/);
  assert.match(judge('NOT_PRINTED', 'INJECTED')!, /NOT_PRINTED/);
  assert.match(judge('CONTROLLED', 'ONLINE_ACTIVATED')!, /not yet CONTROLLED/);
});

describe('event dates, comfort variables and multilingual texts', () => {
  const openPass = (comfortVariables: TicketPayloadRow['performance']['comfortVariables']): TicketPayloadRow => ({
    ...row,
    performance: { ...row.performance, productKind: 'open-pass', endTime: '2026-09-30T20:00:00.000Z', comfortVariables },
  });

  test('comfort variables set the activation time and group and override the event dates', () => {
    const p = buildTicketPayload(openPass({ TIXAct: '-1d', TIXExp: 'end_of_season', TIXRGrp: 'G1' }));
    assert.deepEqual(p.activationParameters, { method: 'online', time: '2026-05-31T20:00:00+02:00', groupId: 'G1' });
    assert.equal(p.event.startTime, '2026-06-01T20:00:00+02:00', 'no TIXStart: the performance start');
    assert.equal(p.event.expirationDate, '2026-09-30T22:00:00+02:00');
    assert.equal(injectionTicketSchema.safeParse(p).success, true);
  });

  test('without comfort variables: no activation time, performance end as expiration', () => {
    const p = buildTicketPayload(openPass(null));
    assert.deepEqual(p.activationParameters, { method: 'online' });
    assert.equal(p.event.expirationDate, '2026-09-30T22:00:00+02:00');
  });

  test('a bad comfort variable: buildTicketPayloads names the ticket and the field, the others are built', () => {
    const bad = { ...openPass({ TIXAct: 'soon' }), id: '77' };
    const r = buildTicketPayloads([row, bad]);
    assert.deepEqual(r.payloads.map((x) => x.row.id), ['42']);
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0]!.ticketId, '77');
    assert.equal(r.problems[0]!.field, 'activationParameters.time');
    assert.match(r.problems[0]!.message, /^ticket 77: activationParameters\.time: comfort variable TIXAct="soon": expected/);
  });

  test('sendMultilingualAsJsonObject: name, site and city keyed by the default language', () => {
    const p = buildTicketPayload(row, { sendMultilingualAsJsonObject: true });
    assert.deepEqual(p.event.name, { en: 'Final' });
    assert.deepEqual(p.event.address.site, { en: 'Stadium' });
    assert.deepEqual(p.event.address.city, { en: 'Bern' });
    assert.equal(p.event.address.zip, '3000', 'codes stay plain');
    assert.equal(injectionTicketSchema.safeParse(p).success, true);
    const fr = buildTicketPayload(row, parseCustomParamValues({ sendMultilingualAsJsonObject: 'true', defaultLanguage: 'fr' }) as never);
    assert.deepEqual(fr.event.name, { fr: 'Final' });
    assert.equal(buildTicketPayload(row, { sendMultilingualAsJsonObject: false }).event.name, 'Final');
  });

  test('the contract accepts language-keyed objects only with language tags and non-blank texts', () => {
    const p = buildTicketPayload(row);
    const withName = (name: unknown, city: unknown = 'Bern') => injectionTicketSchema.safeParse({ ...p, event: { ...p.event, name, address: { ...p.event.address, city } } }).success;
    assert.equal(withName({ en: 'Final', fr: 'Finale', 'de-CH': 'Final' }), true);
    assert.equal(withName({}), false);
    assert.equal(withName({ English: 'Final' }), false);
    assert.equal(withName('Final', { en: ' ' }), false);
  });

  test('custom parameters: defaultLanguage is a language tag; the dump keys are accepted and typed', () => {
    assert.throws(() => parseCustomParamValues({ defaultLanguage: 'French' }), /customParams\.defaultLanguage: expected a language tag/);
    assert.deepEqual(parseCustomParamValues({ dumpTnPRvariables: 'true', dumpDataModifiedByTemplate: 'false', maxLengthDumpedCallsInKbs: '5000' }), {
      dumpTnPRvariables: true,
      dumpDataModifiedByTemplate: false,
      maxLengthDumpedCallsInKbs: 5000,
    });
  });
});
