// The status TIXNGO reported, as it reported it, beside the V3 status S-360 maps it to (tixngo/statuses.ts): a V4,
// legacy or new value is kept for the operator instead of failing the feedback page (issue #10).
import type { Knex } from 'knex';
import type { CodeMigration } from './types';

export const migration005: CodeMigration = {
  name: '005_mobile_ticket_raw_status',
  async up(knex: Knex): Promise<void> {
    await knex.raw(`alter table mobile_ticket add column tixngo_raw_status text`);
    await knex.raw(`alter table mobile_ticket_history add column tixngo_raw_status text`);
  },
  async down(knex: Knex): Promise<void> {
    await knex.raw(`alter table mobile_ticket_history drop column if exists tixngo_raw_status`);
    await knex.raw(`alter table mobile_ticket drop column if exists tixngo_raw_status`);
  },
};
