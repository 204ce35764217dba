// Event dates in the event's own time zone and the comfort variables of non-dated products (§3.1.4, §5.4).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyComfortVariables, formatInZone, parseComfortDate, PayloadError, wallTimeToInstant, type Season } from '../../activities/comfort';

describe('formatInZone', () => {
  test('keeps the local offset, summer and winter, never Z', () => {
    assert.equal(formatInZone(new Date('2026-06-01T18:00:00Z'), 'Europe/Zurich'), '2026-06-01T20:00:00+02:00');
    assert.equal(formatInZone(new Date('2026-12-01T18:00:00Z'), 'Europe/Zurich'), '2026-12-01T19:00:00+01:00');
    assert.equal(formatInZone(new Date('2026-06-01T18:00:00Z'), 'America/New_York'), '2026-06-01T14:00:00-04:00');
    assert.equal(formatInZone(new Date('2026-06-01T18:00:00Z'), 'Asia/Kolkata'), '2026-06-01T23:30:00+05:30');
    assert.equal(formatInZone(new Date('2026-06-01T18:00:00.750Z'), 'UTC'), '2026-06-01T18:00:00+00:00');
  });
  test('an unknown zone is a PayloadError on event.timeZone', () => {
    assert.throws(() => formatInZone(0, 'Mars/Olympus'), (e: unknown) => e instanceof PayloadError && e.field === 'event.timeZone' && /Mars\/Olympus/.test(e.message));
  });
});

describe('wallTimeToInstant', () => {
  test('reads a wall-clock time in the zone, across DST', () => {
    assert.equal(new Date(wallTimeToInstant(2023, 10, 22, 21, 15, 'Europe/Zurich')).toISOString(), '2023-10-22T19:15:00.000Z');
    assert.equal(new Date(wallTimeToInstant(2023, 12, 22, 21, 15, 'Europe/Zurich')).toISOString(), '2023-12-22T20:15:00.000Z');
  });
  test('a time in the spring-forward gap takes the offset before the change; an overlap its first occurrence', () => {
    assert.equal(new Date(wallTimeToInstant(2023, 3, 26, 2, 30, 'Europe/Zurich')).toISOString(), '2023-03-26T01:30:00.000Z');
    assert.equal(new Date(wallTimeToInstant(2023, 10, 29, 2, 30, 'Europe/Zurich')).toISOString(), '2023-10-29T00:30:00.000Z');
  });
});

describe('comfort variables (§3.1.4)', () => {
  const season: Season = { start: Date.parse('2026-06-01T08:00:00Z'), end: Date.parse('2026-09-30T20:00:00Z'), timeZone: 'Europe/Zurich' };
  const at = (name: 'TIXAct' | 'TIXStart' | 'TIXExp', v: string) => new Date(parseComfortDate(name, v, season)).toISOString();

  test('start_of_season, end_of_season', () => {
    assert.equal(at('TIXAct', 'start_of_season'), '2026-06-01T08:00:00.000Z');
    assert.equal(at('TIXExp', ' end_of_season '), '2026-09-30T20:00:00.000Z');
  });
  test('relative offsets from the start of the season: +1d, -1w, 2w, -12h', () => {
    assert.equal(at('TIXAct', '+1d'), '2026-06-02T08:00:00.000Z');
    assert.equal(at('TIXAct', '-1w'), '2026-05-25T08:00:00.000Z');
    assert.equal(at('TIXExp', '2w'), '2026-06-15T08:00:00.000Z');
    assert.equal(at('TIXStart', '-12h'), '2026-05-31T20:00:00.000Z');
  });
  test('absolute dd/mm/yy hh:mm in the performance time zone', () => {
    assert.equal(at('TIXAct', '22/10/23 21:15'), '2023-10-22T19:15:00.000Z');
  });
  test('bad formats name the variable, the field and the value', () => {
    for (const [name, v, field] of [
      ['TIXAct', 'tomorrow', 'activationParameters.time'],
      ['TIXStart', '+1y', 'event.startTime'],
      ['TIXExp', '31/02/24 10:00', 'event.expirationDate'],
      ['TIXExp', '2024-02-01 10:00', 'event.expirationDate'],
      ['TIXAct', '01/01/24 24:00', 'activationParameters.time'],
    ] as const) {
      assert.throws(
        () => parseComfortDate(name, v, season),
        (e: unknown) => e instanceof PayloadError && e.field === field && e.message.includes(`${name}=${JSON.stringify(v)}`),
        `${name}=${v}`,
      );
    }
  });
  test('applyComfortVariables: formatted with the local offset; absent variables give nothing', () => {
    assert.deepEqual(applyComfortVariables(null, season), {});
    assert.deepEqual(applyComfortVariables({ TIXAct: '-1d', TIXStart: 'start_of_season', TIXExp: '30/09/26 23:00', TIXRGrp: ' GATE-A ' }, season), {
      activationTime: '2026-05-31T10:00:00+02:00',
      startTime: '2026-06-01T10:00:00+02:00',
      expirationDate: '2026-09-30T23:00:00+02:00',
      groupId: 'GATE-A',
    });
  });
  test('TIXRGrp: 1 to 50 characters', () => {
    assert.throws(() => applyComfortVariables({ TIXRGrp: 'x'.repeat(51) }, season), (e: unknown) => e instanceof PayloadError && e.field === 'activationParameters.groupId');
    assert.throws(() => applyComfortVariables({ TIXRGrp: '  ' }, season), PayloadError);
  });
});
