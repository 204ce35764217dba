// Every migration, in order. Add new ones at the end; never edit one that has shipped.
import { migration001 } from './001_initial';
import { migration002 } from './002_execution_notification';
import { migration003 } from './003_ticket_replaced_ticket';
import { migration004 } from './004_marker_run_index';
import { migration005 } from './005_mobile_ticket_raw_status';
import { migration006 } from './006_payload_fields';
import { migration007 } from './007_interface_time_zone';
import { migration008 } from './008_ticket_printed_at_point_of_sales';
import { migration009 } from './009_interface_audit';
import type { CodeMigration } from './types';

export const MIGRATIONS: readonly CodeMigration[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
  migration007,
  migration008,
  migration009,
];
