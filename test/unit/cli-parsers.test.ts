// The parsers of CLI numbers, ticket lists and dates, and the start contract's checks of the same values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliError, dateFromOption, intOption, ticketRefsOption } from '../../cli/util';
import { functionParamsSchema, parseDateFrom } from '../../contract/function-params';

const invalid = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof CliError, String(e));
    assert.match(e.message, re);
    return true;
  });

test('integer options: whole numbers in range only, the option named', () => {
  const batch = intOption('--batch-size', 1, 10_000);
  assert.equal(batch('1'), 1);
  assert.equal(batch('10000'), 10_000);
  assert.equal(batch(' 250 '), 250);
  for (const bad of ['1.5', '0', '-1', 'abc', '', '1e3', '0x10', '10001', '12abc', '+5']) invalid(() => batch(bad), /^--batch-size must be an integer between 1 and 10000/);
});

test('ticket lists: numbers or id:<digits>; a bad entry is named', () => {
  const force = ticketRefsOption('--force');
  assert.deepEqual(force('T-1, id:42,id: 7 ,,T-2'), ['T-1', 'id:42', 'id: 7', 'T-2']);
  invalid(() => force('T-1,id:abc'), /^--force: entry 2 'id:abc': an S-360 id is digits only, e.g\. id:12345/);
  invalid(() => force('ID:12'), /^--force: entry 1 'ID:12': an S-360 id is digits only/);
  invalid(() => force('id:'), /^--force: entry 1 'id:'/);
  invalid(() => force(' , '), /^--force: expected ticket numbers or id:<S-360 id>, comma separated/);
});

test('dates: DD/MM/YY hh:mm (UTC) or RFC 3339 with an offset; out-of-range fields and impossible days refused', () => {
  assert.equal(parseDateFrom('05/03/26 14:30'), '2026-03-05T14:30:00.000Z');
  assert.equal(parseDateFrom('29/02/24 00:00'), '2024-02-29T00:00:00.000Z');
  assert.equal(parseDateFrom('2026-06-01T08:00:00Z'), '2026-06-01T08:00:00.000Z');
  assert.equal(parseDateFrom('2026-06-01T10:00:00.250+02:00'), '2026-06-01T08:00:00.250Z');
  assert.equal(parseDateFrom('2026-06-01T08:00Z'), '2026-06-01T08:00:00.000Z');
  for (const [text, why] of [
    ['99/99/99 99:99', /month 99/],
    ['31/02/26 10:00', /day 31/],
    ['29/02/25 10:00', /day 29/],
    ['00/01/26 10:00', /day 00/],
    ['01/01/26 24:00', /hour 24/],
    ['01/01/26 10:60', /minute 60/],
    ['2026-02-31T00:00:00Z', /day 31/],
    ['2026-13-01T00:00:00Z', /month 13/],
    ['2026-01-01T10:00:61Z', /second 61/],
    ['2026-01-01T10:00:00+25:00', /offset/],
    ['2026-01-01T10:00:00', /expected DD\/MM\/YY hh:mm/],
    ['yesterday', /expected DD\/MM\/YY hh:mm/],
  ] as const) {
    assert.throws(() => parseDateFrom(text), (e: Error) => why.test(e.message) && e.message.includes(`'${text}'`), text);
  }
  const from = dateFromOption('--date-from');
  assert.equal(from('05/03/26 14:30'), '2026-03-05T14:30:00.000Z');
  invalid(() => from('99/99/99 99:99'), /^--date-from: '99\/99\/99 99:99' is not a date: month 99/);
});

test('the start contract refuses the same: id:abc in a force or skip list (entry named), an impossible dateFrom', () => {
  const r = functionParamsSchema.safeParse({ forceTickets: ['T-1', 'id:abc'], skipTickets: ['id:x1'], dateFrom: '99/99/99 99:99' });
  assert.equal(r.success, false);
  const issues = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  assert.ok(issues.some((i) => /^forceTickets\.1: 'id:abc': an S-360 id is digits only/.test(i)), issues.join('\n'));
  assert.ok(issues.some((i) => /^skipTickets\.0: 'id:x1'/.test(i)), issues.join('\n'));
  assert.ok(issues.some((i) => /^dateFrom: '99\/99\/99 99:99' is not a date: month 99/.test(i)), issues.join('\n'));
  const ok = functionParamsSchema.parse({ forceTickets: ['T-1', 'id:12'], dateFrom: '05/03/26 14:30' });
  assert.deepEqual(ok, { forceTickets: ['T-1', 'id:12'], dateFrom: '2026-03-05T14:30:00.000Z' });
});
