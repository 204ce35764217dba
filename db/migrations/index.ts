// Every migration, in order. Add new ones at the end; never edit one that has shipped.
import { migration001 } from './001_initial';
import { migration002 } from './002_execution_notification';
import { migration003 } from './003_ticket_replaced_ticket';
import { migration004 } from './004_marker_run_index';
import { migration005 } from './005_interface_audit';
import type { CodeMigration } from './types';

export const MIGRATIONS: readonly CodeMigration[] = [migration001, migration002, migration003, migration004, migration005];
