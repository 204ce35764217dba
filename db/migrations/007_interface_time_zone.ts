// The interface's time zone: S-360 operators type "Date from" (DD/MM/YY hh:mm) on their wall clock, so it is read in
// the interface's zone, not the process's. UTC for interfaces that existed before, which is how they were read then.
import type { Knex } from 'knex';
import type { CodeMigration } from './types';

export const migration007: CodeMigration = {
  name: '007_interface_time_zone',
  async up(knex: Knex): Promise<void> {
    await knex.raw(`alter table tixngo_interface add column time_zone text not null default 'UTC'`);
  },
  async down(knex: Knex): Promise<void> {
    await knex.raw(`alter table tixngo_interface drop column if exists time_zone`);
  },
};
