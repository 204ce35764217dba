// The injection fan-out (activities notifyInjectedTickets) pages the tickets a run injected by their processed
// marker (function, run_id, item_id): one index range scan per page instead of a scan of every marker.
import type { Knex } from 'knex';
import type { CodeMigration } from './types';

export const migration004: CodeMigration = {
  name: '004_marker_run_index',
  async up(knex: Knex): Promise<void> {
    await knex.raw(`create index processing_marker_run_idx on processing_marker (function, run_id, item_id)`);
  },
  async down(knex: Knex): Promise<void> {
    await knex.raw(`drop index if exists processing_marker_run_idx`);
  },
};
