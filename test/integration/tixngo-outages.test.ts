// Whole-call failures of TIXNGO on the real stack: a wrong API key stops the function with a clear error and
// marks nothing; an outage of a minute is ridden out by the retry policy with every ticket injected once.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ERR_TIXNGO_UNAUTHORIZED } from '../../common/errors';
import { seed } from '../../db/seed';
import { reconcileEvent } from '../../ops/reconcile';
import { createStack, type Stack } from '../helpers/stack';

interface SimStats {
  tickets: Record<string, number>;
  reinjectedTickets: number;
  calls: Record<string, number>;
}

const stacks: Stack[] = [];
after(async () => {
  for (const s of stacks) await s.close();
});

async function printed(s: Stack, eventCode: string): Promise<number> {
  const r = await s.db.knex('ticket').join('performance', 'performance.id', 'ticket.performance_id').where({ 'performance.code': eventCode, 'ticket.status': 'PRINTED' }).count('* as n').first();
  return Number(r?.n);
}

describe('TIXNGO refuses or is down', () => {
  test('a wrong API key stops the function with a clear error, nothing marked processed, the key nowhere', async () => {
    const rightKey = 'right-key-0123456789abcdef';
    const wrongKey = 'wrong-key-0123456789abcdef';
    const s = await createStack({ sim: { apiKey: rightKey }, apiKey: wrongKey });
    stacks.push(s);
    await seed(s.db.knex, { eventCode: 'KEY1', tickets: 12, interfaceName: s.interfaceName });
    const err = await s.run('inject', { batchSize: 5 }).then(
      () => assert.fail('the run should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${String(err)}`);
    const cause = err.cause as Error & { type?: string };
    assert.equal(cause.type, ERR_TIXNGO_UNAUTHORIZED);
    assert.match(cause.message, /INJECTION on interface .* stopped .*: injection on interface .*(401|unauthori[sz]ed|API key)/i);
    const everything = JSON.stringify(await s.client.workflow.getHandle(`injection-${s.interfaceName}`).fetchHistory());
    assert.ok(!everything.includes(wrongKey) && !everything.includes(rightKey), 'no API key in the workflow history');
    assert.ok(!cause.message.includes(wrongKey));
    assert.equal(await printed(s, 'KEY1'), 0, 'no ticket PRINTED');
    const markers = await s.db.knex('processing_marker').count('* as n').first();
    assert.equal(Number(markers?.n), 0, 'no ticket marked processed');
    const exec = await s.db.knex('function_execution').orderBy('id', 'desc').first();
    assert.equal(exec.outcome, 'ERROR');
    assert.ok(!String(exec.error).includes(wrongKey));
  });

  test('an outage of a minute: the injection waits it out and every ticket is injected exactly once', async () => {
    const s = await createStack();
    stacks.push(s);
    await seed(s.db.knex, { eventCode: 'OUT1', tickets: 40, interfaceName: s.interfaceName });
    await s.simAdmin('POST', '/__sim/faults', { outageSeconds: 60 });
    const started = Date.now();
    const summary = await s.run('inject', { batchSize: 10 });
    const elapsed = Date.now() - started;
    assert.equal(summary.outcome, 'OK');
    assert.equal(summary.succeeded, 40);
    assert.ok(elapsed >= 59_000, `the run could only finish after the outage, took ${elapsed} ms`);
    assert.equal(await printed(s, 'OUT1'), 40);
    const stats = await s.simAdmin<SimStats>('GET', '/__sim/stats');
    assert.equal(stats.tickets.INJECTED, 40);
    assert.equal(stats.reinjectedTickets, 0);
    const report = await reconcileEvent({ repo: s.repo, secretKey: s.secretKey, interfaceName: s.interfaceName, eventCode: 'OUT1' });
    assert.deepEqual(report.divergences, []);
  });
});
