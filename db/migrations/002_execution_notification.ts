// Error e-mails (activities/notify.ts): when the recipients of an interface were told about a run, so that a
// retried notification activity does not send the same e-mail again. Plain SQL, same on PostgreSQL and PGlite.
import type { Knex } from 'knex';
import type { CodeMigration } from './types';

export const migration002: CodeMigration = {
  name: '002_execution_notification',
  async up(knex: Knex): Promise<void> {
    await knex.raw(`alter table function_execution add column notified_at timestamptz`);
    // The Message-ID of the e-mail sent (derived from the workflow id and run id: the idempotency key).
    await knex.raw(`alter table function_execution add column notification_message_id text`);
  },
  async down(knex: Knex): Promise<void> {
    await knex.raw(`alter table function_execution drop column if exists notification_message_id`);
    await knex.raw(`alter table function_execution drop column if exists notified_at`);
  },
};
