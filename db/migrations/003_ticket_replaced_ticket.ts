// Reprint and take back (domain reference §9.1, §9.3, §10): a replacement ticket points at the ticket it replaces,
// so that injection can send it to the replaced ticket's last TIXNGO wallet owner (overlaySpectatorDetailsWithLastOwner)
// or to the new cultural contact (resetInjectionInvalidationReasons). Plain SQL, same on PostgreSQL and PGlite.
import type { Knex } from 'knex';
import type { CodeMigration } from './types';

export const migration003: CodeMigration = {
  name: '003_ticket_replaced_ticket',
  async up(knex: Knex): Promise<void> {
    // Nullable, no default: adding it rewrites nothing, even on a large ticket table.
    await knex.raw(`alter table ticket add column replaced_ticket_id bigint references ticket(id)`);
    // One replacement per ticket (a reprinted ticket is INVALIDATED and cannot be reprinted again). Partial: most
    // tickets replace none. Also serves "which ticket replaced this one".
    await knex.raw(`create unique index ticket_replaced_ticket_id on ticket (replaced_ticket_id) where replaced_ticket_id is not null`);
  },
  async down(knex: Knex): Promise<void> {
    await knex.raw(`drop index if exists ticket_replaced_ticket_id`);
    await knex.raw(`alter table ticket drop column if exists replaced_ticket_id`);
  },
};
