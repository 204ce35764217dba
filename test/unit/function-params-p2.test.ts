// Date from in the interface's time zone (DST included), and the custom parameters refused when an interface is
// defined: history mode, a time zone Intl does not know.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTimeZone, parseDateFrom, resolveDateFrom, zonedWallTimeToUtc } from '../../contract/function-params';
import { parseCustomParamValues } from '../../db/custom-params';
import { ValidationError, validateInterfaceInput } from '../../db/validation';

test("date from: DD/MM/YY hh:mm is a wall-clock time of the interface's zone, summer and winter", () => {
  assert.equal(parseDateFrom('15/01/26 10:00', 'Europe/Zurich'), '2026-01-15T09:00:00.000Z');
  assert.equal(parseDateFrom('15/07/26 10:00', 'Europe/Zurich'), '2026-07-15T08:00:00.000Z');
  assert.equal(parseDateFrom('15/07/26 10:00', 'America/New_York'), '2026-07-15T14:00:00.000Z');
  assert.equal(parseDateFrom('15/07/26 10:00', 'Asia/Kolkata'), '2026-07-15T04:30:00.000Z');
  assert.equal(parseDateFrom('15/07/26 10:00'), '2026-07-15T10:00:00.000Z', 'default UTC');
  assert.equal(parseDateFrom('15/07/26 10:00', 'UTC'), '2026-07-15T10:00:00.000Z');
  // RFC 3339 carries its own offset: the zone does not change it.
  assert.equal(parseDateFrom('2026-07-15T10:00:00+02:00', 'America/New_York'), '2026-07-15T08:00:00.000Z');
});

test('date from: the days the clocks change (Europe/Zurich, 29/03/26 and 25/10/26)', () => {
  // Just before and just after the spring change (02:00 CET -> 03:00 CEST).
  assert.equal(parseDateFrom('29/03/26 01:59', 'Europe/Zurich'), '2026-03-29T00:59:00.000Z');
  assert.equal(parseDateFrom('29/03/26 03:00', 'Europe/Zurich'), '2026-03-29T01:00:00.000Z');
  // 02:30 does not exist that day: the earlier reading (with the winter offset would be 01:30Z; the summer one 00:30Z).
  assert.equal(parseDateFrom('29/03/26 02:30', 'Europe/Zurich'), '2026-03-29T00:30:00.000Z');
  // 02:30 happens twice in autumn (03:00 CEST -> 02:00 CET): its first occurrence, in summer time.
  assert.equal(parseDateFrom('25/10/26 02:30', 'Europe/Zurich'), '2026-10-25T00:30:00.000Z');
  assert.equal(parseDateFrom('25/10/26 03:00', 'Europe/Zurich'), '2026-10-25T02:00:00.000Z');
  assert.equal(parseDateFrom('25/10/26 01:59', 'Europe/Zurich'), '2026-10-24T23:59:00.000Z');
  // Southern hemisphere: summer time in January.
  assert.equal(zonedWallTimeToUtc(new Date('2026-01-10T12:00:00Z'), 'Australia/Sydney').toISOString(), '2026-01-10T01:00:00.000Z');
});

test('date from: an unknown zone is named; resolveDateFrom leaves other parameters alone', () => {
  assert.equal(isTimeZone('Europe/Zurich'), true);
  assert.equal(isTimeZone('Mars/Olympus'), false);
  assert.throws(() => parseDateFrom('15/07/26 10:00', 'Mars/Olympus'), /'Mars\/Olympus' is not a time zone/);
  assert.deepEqual(resolveDateFrom({ tariffs: ['A'], dateFrom: '15/07/26 10:00' }, 'Europe/Zurich'), { tariffs: ['A'], dateFrom: '2026-07-15T08:00:00.000Z' });
  assert.deepEqual(resolveDateFrom({ tariffs: ['A'] }, 'Europe/Zurich'), { tariffs: ['A'] });
});

test('TIXNGO_LIFECYCLE_MODE: lifecycle accepted; history refused as deprecated, naming the key', () => {
  assert.deepEqual(parseCustomParamValues({ TIXNGO_LIFECYCLE_MODE: 'lifecycle' }), { TIXNGO_LIFECYCLE_MODE: 'lifecycle' });
  assert.throws(() => parseCustomParamValues({ TIXNGO_LIFECYCLE_MODE: 'history' }), /^Error: customParams\.TIXNGO_LIFECYCLE_MODE: history mode is deprecated and not supported/);
  assert.throws(() => parseCustomParamValues({ TIXNGO_LIFECYCLE_MODE: 'blockchain' }), /TIXNGO_LIFECYCLE_MODE: expected 'lifecycle'/);
  const base = { name: 'main', url: 'https://pp5-api.tixngo.io/v3/organizer/tickets', loginEmail: 'admin@org.example', apiKey: 'k' };
  assert.throws(
    () => validateInterfaceInput({ ...base, customParams: { TIXNGO_LIFECYCLE_MODE: 'history' } }),
    (e: Error) => e instanceof ValidationError && /TIXNGO_LIFECYCLE_MODE: history mode is deprecated and not supported/.test(e.message),
  );
  assert.equal(validateInterfaceInput(base).timeZone, 'UTC');
  assert.equal(validateInterfaceInput({ ...base, timeZone: 'Europe/Zurich' }).timeZone, 'Europe/Zurich');
  assert.throws(() => validateInterfaceInput({ ...base, timeZone: 'Europe/Nowhere' }), /timeZone: not a time zone: "Europe\/Nowhere"/);
});

test('enableTicketDistributionToCulturalContact: false accepted; true refused (contact distribution not built), naming the key', () => {
  assert.deepEqual(parseCustomParamValues({ enableTicketDistributionToCulturalContact: 'false' }), { enableTicketDistributionToCulturalContact: false });
  assert.throws(() => parseCustomParamValues({ enableTicketDistributionToCulturalContact: 'true' }), /^Error: customParams\.enableTicketDistributionToCulturalContact: contact creation and distribution \(§7\.2\) is not supported/);
  assert.throws(() => parseCustomParamValues({ enableTicketDistributionToCulturalContact: true }), /not supported/);
});
