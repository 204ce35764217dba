// Lint: typescript-eslint with type information, plus the import rules of the layout (README "Code layout"):
// workflow code imports nothing with I/O, common/ nothing but common/, and only cli/ and test/ import cli/.
// test/unit/lint-rules.test.ts proves each rule fails on a violation.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const NODE_BUILTINS = builtinModules.flatMap((m) => [m, `node:${m}`]);
/** Packages that do I/O (network, files, processes, databases). */
const IO_PACKAGES = [
  'knex', 'knex-pglite', 'pg', '@electric-sql/pglite', '@electric-sql/pglite-socket', 'node-fetch', 'pino', 'nodemailer', 'smtp-server', 'prom-client',
  'commander', 'cli-progress', '@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing',
];
/** Project folders whose modules do I/O (or pull in something that does). */
const IO_FOLDERS = ['db', 'tixngo', 'simulator', 'config', 'temporal', 'tooling', 'cli', 'codec', 'observability', 'ops', 'bench', 'workers', 'scripts'];
/** Matches a relative import of one of these top-level folders, from any depth. */
const projectFolders = (folders) => `^(\\.\\./)+(${folders.join('|')})(/|$)`;

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', 'bin/**', 'eslint.config.mjs', '.bench/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's describe/test return promises the runner itself tracks.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'test', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Library code never imports the CLI: it takes what it needs from the runtime modules (temporal/functions.ts,
    // ...), so the CLI can change without breaking workers, schedules or the benchmark. bin/ is plain JS.
    files: ['**/*.ts'],
    ignores: ['cli/**', 'test/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(\\.{1,2}/)+cli(/|$)', caseSensitive: true, message: 'only cli/ and test/ import the CLI' }] }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node builtins, no I/O libraries, no project folder
    // that does I/O. Type-only imports are erased, so the activities' types (for proxyActivities) stay allowed.
    // zod and contract/ are allowed as values: every workflow checks its input and signal arguments against the start
    // contract's own schemas (workflows/validate.ts), and both are pure (contract/ has its own rule below).
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [...NODE_BUILTINS, ...IO_PACKAGES].map((name) => ({ name, allowTypeImports: true, message: 'workflow code is deterministic: no I/O' })),
          patterns: [
            { regex: projectFolders(['activities']), caseSensitive: true, allowTypeImports: true, message: 'workflows import activity types only (import type)' },
            { regex: projectFolders(IO_FOLDERS), caseSensitive: true, message: 'workflow code is deterministic: no module that does I/O' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'fetch'],
    },
  },
  {
    // contract/ runs in the workflow sandbox too (the workflows validate with it): zod and common/ only, no I/O.
    files: ['contract/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.concat(IO_PACKAGES).map((name) => ({ name, message: 'contract/ runs in the workflow sandbox: no I/O' })),
          patterns: [{ regex: projectFolders(IO_FOLDERS.concat(['activities', 'workflows'])), caseSensitive: true, message: 'contract/ imports only zod, common/ and contract/' }],
        },
      ],
    },
  },
  {
    // common/ is the pure vocabulary every side shares, the workflow sandbox included: nothing with I/O, and no
    // other project folder (they all depend on common/, not the reverse).
    files: ['common/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [...NODE_BUILTINS, ...IO_PACKAGES].map((name) => ({ name, message: 'common/ is pure: no I/O' })),
          patterns: [{ regex: '^\\.\\./', message: 'common/ imports only common/' }],
        },
      ],
    },
  },
);
