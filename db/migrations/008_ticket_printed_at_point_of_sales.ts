// Who printed a ticket (§3.1.1 "Point of sales configuration"): injection marks tickets PRINTED on behalf of a sales
// channel and point of sales, as if printed at a till. Null when the schedule names none.
import type { Knex } from 'knex';
import type { CodeMigration } from './types';

export const migration008: CodeMigration = {
  name: '008_ticket_printed_at_point_of_sales',
  async up(knex: Knex): Promise<void> {
    await knex.raw(`alter table ticket add column printed_point_of_sales text, add column printed_sales_channel text`);
  },
  async down(knex: Knex): Promise<void> {
    await knex.raw(`alter table ticket drop column if exists printed_point_of_sales, drop column if exists printed_sales_channel`);
  },
};
