// Every migration, in order. Add new ones at the end; never edit one that has shipped.
import { migration001 } from './001_initial';
import { migration002 } from './002_execution_notification';
import { migration003 } from './003_ticket_replaced_ticket';
import type { CodeMigration } from './types';

export const MIGRATIONS: readonly CodeMigration[] = [migration001, migration002, migration003];
