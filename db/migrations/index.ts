// Every migration, in order. Add new ones at the end; never edit one that has shipped.
import { migration001 } from './001_initial';
import { migration002 } from './002_execution_notification';
import type { CodeMigration } from './types';

export const MIGRATIONS: readonly CodeMigration[] = [migration001, migration002];
