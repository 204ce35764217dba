// CLI numbers, ticket lists and dates, run as a user would: a bad value stops the command before it connects to
// anything (exit non-zero, the option and the value named). The parsers themselves: test/unit/cli-parsers.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/cli';

test('bad numbers, ticket references and dates are refused before anything runs, naming the option', async () => {
  // No Temporal server there: a value that got through would fail on the connection instead.
  const env = { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' };
  const cases: [string[], RegExp][] = [
    [['run', 'inject', '--batch-size', '1.5'], /--batch-size must be an integer between 1 and 10000/],
    [['run', 'push-controlled', '--date-from', '99/99/99 99:99'], /--date-from: '99\/99\/99 99:99' is not a date: month 99/],
    [['run', 'inject', '--force', 'T-1,id:abc'], /--force: entry 2 'id:abc': an S-360 id is digits only/],
    [['schedule', 'create', 'inject', '--batch-size', '0'], /--batch-size must be an integer between 1 and 10000/],
  ];
  const results = await Promise.all(cases.map(([args]) => runCli(args, env)));
  for (const [i, r] of results.entries()) {
    assert.notEqual(r.code, 0, cases[i]![0].join(' '));
    assert.match(r.stderr, cases[i]![1]);
  }
});
