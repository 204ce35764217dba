// Runs the code-defined migrations (db/migrations) through knex's migrator with a custom
// migrationSource, so no knexfile and no filesystem globbing are needed. Same migrations on
// PostgreSQL and on PGlite.
import type { Knex } from 'knex';
import { MIGRATIONS } from './migrations';
import type { CodeMigration } from './migrations/types';

class CodeMigrationSource implements Knex.MigrationSource<CodeMigration> {
  constructor(private readonly migrations: readonly CodeMigration[]) {}
  getMigrations(): Promise<CodeMigration[]> {
    return Promise.resolve([...this.migrations]);
  }
  getMigrationName(m: CodeMigration): string {
    return m.name;
  }
  getMigration(m: CodeMigration): Promise<Knex.Migration> {
    return Promise.resolve(m);
  }
}

const config = (): Knex.MigratorConfig => ({
  migrationSource: new CodeMigrationSource(MIGRATIONS),
  tableName: 'knex_migrations',
});

/** Applies pending migrations (all in one transaction). Returns the names applied now (empty when up to date). */
export async function migrateLatest(knex: Knex): Promise<string[]> {
  // knex's typings say any[]; at runtime: [batchNo, names[]].
  const [, applied] = (await knex.migrate.latest(config())) as [number, string[]];
  return applied;
}

/** Names of the migrations applied and pending. */
export async function migrationStatus(knex: Knex): Promise<{ applied: string[]; pending: string[] }> {
  // knex's typings say any; at runtime: [completed {name}[], pending CodeMigration[]].
  const [completed, pending] = (await knex.migrate.list(config())) as [{ name: string }[], CodeMigration[]];
  return { applied: completed.map((c) => c.name), pending: pending.map((p) => p.name) };
}

/** Rolls every migration back (tests and `db reset`-like tooling). */
export async function migrateRollbackAll(knex: Knex): Promise<string[]> {
  const [, rolledBack] = (await knex.migrate.rollback(config(), true)) as [number, string[]];
  return rolledBack;
}
