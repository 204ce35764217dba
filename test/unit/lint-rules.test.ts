// The import rules of eslint.config.mjs fail on a violation and stay quiet on clean code. The snippets are linted
// as if they were files of the folder under test (they need not exist). Only the import rules run, without type
// information: they do not need it, and building the TypeScript program would take most of a minute.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ESLint } from 'eslint';

const IMPORT_RULES = ['no-restricted-imports', '@typescript-eslint/no-restricted-imports'];

const eslint = new ESLint({
  cwd: path.resolve(__dirname, '..', '..'),
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
  ruleFilter: ({ ruleId }) => IMPORT_RULES.includes(ruleId),
});

/** The import-rule errors ESLint reports for `code` as the file `filePath` (relative to the repository). */
async function importErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  assert.ok(result, `no lint result for ${filePath}`);
  const fatal = result.messages.find((m) => m.fatal);
  assert.equal(fatal, undefined, `${filePath}: ${fatal?.message}`);
  return result.messages.filter((m) => m.severity === 2 && IMPORT_RULES.includes(m.ruleId ?? '')).map((m) => m.message);
}

const valueImport = (from: string) => `import * as m from '${from}';\nexport const used = m;\n`;
const typeImport = (from: string, name: string) => `import type { ${name} } from '${from}';\nexport type Used = ${name};\n`;

async function assertFails(filePath: string, code: string): Promise<void> {
  assert.notDeepEqual(await importErrors(filePath, code), [], `${filePath} should fail lint:\n${code}`);
}
async function assertPasses(filePath: string, code: string): Promise<void> {
  assert.deepEqual(await importErrors(filePath, code), [], `${filePath} should pass lint:\n${code}`);
}

describe('workflows/ import only workflow-safe modules', () => {
  const file = 'workflows/lint-probe.ts';

  test('a value import of any folder with I/O fails', async () => {
    for (const folder of ['db', 'activities', 'tixngo', 'simulator', 'config', 'temporal', 'tooling', 'cli', 'codec', 'observability', 'ops', 'bench', 'workers', 'scripts']) {
      await assertFails(file, valueImport(`../${folder}/x`));
    }
    await assertFails('workflows/nested/lint-probe.ts', valueImport('../../db/connection'));
  });

  test('Node builtins and I/O packages fail', async () => {
    for (const from of ['node:fs', 'fs', 'node:crypto', 'knex', 'pg', 'node-fetch', 'pino', '@temporalio/client', '@temporalio/worker', '@temporalio/activity']) {
      await assertFails(file, valueImport(from));
    }
  });

  test('zod and the start contract pass (the workflows validate their input with it)', async () => {
    await assertPasses(file, valueImport('zod'));
    await assertPasses(file, valueImport('../contract/start-contract'));
  });

  test('the workflow SDK, common/, sibling workflow modules and activity types pass', async () => {
    await assertPasses(
      file,
      [
        "import { proxyActivities } from '@temporalio/workflow';",
        "import type { SearchAttributePair } from '@temporalio/common';",
        "import { ticketWorkflowId } from '../common/ids';",
        "import type { TicketState } from '../common/lifecycle';",
        "import { getStateQuery } from './messages';",
        "import type { Activities } from '../activities/types';",
        'export const used = [proxyActivities, ticketWorkflowId, getStateQuery];',
        'export type Used = [SearchAttributePair, TicketState, Activities];',
        '',
      ].join('\n'),
    );
  });
});

describe('contract/ is pure (it runs in the workflow sandbox)', () => {
  test('I/O packages and folders fail; zod and common/ pass', async () => {
    for (const from of ['node:fs', 'knex', '@temporalio/client', '../db/x', '../activities/types', '../workflows/messages']) {
      await assertFails('contract/lint-probe.ts', valueImport(from));
    }
    await assertPasses('contract/lint-probe.ts', `${valueImport('zod')}import { TIXNGO_STATUSES } from '../common/domain';\nexport const s = TIXNGO_STATUSES;\n`);
  });
});

describe('only cli/ and test/ import cli/', () => {
  test('library code importing the CLI fails', async () => {
    for (const file of ['temporal/lint-probe.ts', 'bench/lint-probe.ts', 'workers/lint-probe.ts', 'scripts/lint-probe.ts', 'db/repo/lint-probe.ts']) {
      const depth = file.split('/').length - 1;
      await assertFails(file, valueImport(`${'../'.repeat(depth)}cli/commands/run`));
    }
  });

  test('the CLI itself and the tests pass', async () => {
    await assertPasses('cli/commands/lint-probe.ts', valueImport('../context'));
    await assertPasses('cli/commands/lint-probe.ts', valueImport('../../temporal/functions'));
    await assertPasses('test/unit/lint-probe.ts', valueImport('../../cli/commands/run'));
    await assertPasses('temporal/lint-probe.ts', valueImport('./functions'));
  });
});

describe('common/ imports nothing with I/O and no other project folder', () => {
  const file = 'common/lint-probe.ts';

  test('Node builtins and I/O packages fail, type-only imports included', async () => {
    for (const from of ['node:crypto', 'fs', 'knex', 'pg', 'node-fetch', 'pino', '@temporalio/client', '@temporalio/worker', '@temporalio/activity']) {
      await assertFails(file, valueImport(from));
    }
    await assertFails(file, typeImport('knex', 'Knex'));
  });

  test('another project folder fails', async () => {
    await assertFails(file, typeImport('../contract/function-params', 'CustomParamValues'));
    await assertFails(file, valueImport('../workflows/messages'));
    await assertFails(file, valueImport('../db/types'));
  });

  test('common/ itself and @temporalio/common pass', async () => {
    await assertPasses(file, `${valueImport('./domain')}import { defineSearchAttributeKey } from '@temporalio/common';\nexport const key = defineSearchAttributeKey;\n`);
  });
});
