// Injection payload data (domain reference §3.1.1, §3.1.4, §10): the two holder fields S-360 can make mandatory
// besides those of 001 (birth region and place), and the comfort variables of a non-dated product (TIXAct, TIXStart,
// TIXExp, TIXRGrp), kept with the performance that stands for the product. Plain SQL, same on PostgreSQL and PGlite.
import type { Knex } from 'knex';
import type { CodeMigration } from './types';

export const migration006: CodeMigration = {
  name: '006_payload_fields',
  async up(knex: Knex): Promise<void> {
    // Nullable, no default: adding them rewrites nothing, even on a large ticket table.
    await knex.raw(`alter table ticket add column holder_birth_region text`);
    await knex.raw(`alter table ticket add column holder_birth_place text`);
    // {"TIXAct": "-1d", "TIXStart": "start_of_season", ...}; null: no comfort variable (the defaults of §3.1.4).
    await knex.raw(
      `alter table performance add column comfort_variables jsonb check (comfort_variables is null or jsonb_typeof(comfort_variables) = 'object')`,
    );
  },
  async down(knex: Knex): Promise<void> {
    await knex.raw(`alter table performance drop column if exists comfort_variables`);
    await knex.raw(`alter table ticket drop column if exists holder_birth_place`);
    await knex.raw(`alter table ticket drop column if exists holder_birth_region`);
  },
};
