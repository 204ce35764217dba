import type { Knex } from 'knex';

/** A migration defined in code (no knexfile, no filesystem globbing). */
export interface CodeMigration extends Knex.Migration {
  /** Unique, sortable name recorded in knex_migrations, e.g. '001_initial'. Never rename one that shipped. */
  readonly name: string;
}
