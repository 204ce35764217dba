import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cancelRequestSchema, functionRunInputSchema, startContractJsonSchema } from '../../contract/start-contract';

test('docs/start-contract.schema.json is generated from the zod schemas (run scripts/gen-start-contract.ts)', () => {
  const committed = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../docs/start-contract.schema.json'), 'utf8')) as unknown;
  assert.deepEqual(committed, JSON.parse(JSON.stringify(startContractJsonSchema())));
});

test('a function input is checked at the edge, naming the field', () => {
  assert.deepEqual(functionRunInputSchema.parse({ interfaceName: 'demo', batchSize: 500 }), { interfaceName: 'demo', batchSize: 500 });
  const bad = functionRunInputSchema.safeParse({ interfaceName: 'demo', batchSize: 20_000 });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error?.issues.map((i) => i.path.join('.')), ['batchSize']);
  const unknown = functionRunInputSchema.safeParse({ interfaceName: 'demo', batchsize: 10 });
  assert.equal(unknown.success, false, 'unknown keys are refused, not ignored');
  assert.equal(functionRunInputSchema.safeParse({}).error?.issues[0]?.path[0], 'interfaceName');
});

test('a cancel request takes only the documented statuses', () => {
  assert.equal(cancelRequestSchema.safeParse({ status: 'INVALIDATED', reason: 'REPRINT' }).success, true);
  assert.equal(cancelRequestSchema.safeParse({ status: 'PRINTED' }).success, false);
});
