// The only code that reads and writes the S-360 database (used by Temporal activities and the CLI), one file per
// concern; createRepository puts them together so callers see one object.
//
// Rules: every write is idempotent (a retried activity changes nothing more); multi-row work runs
// in ONE transaction; everything is set-based (ids travel as one bigint[] parameter, structured
// input as one jsonb parameter) so a batch costs a fixed number of round trips whatever its size.
// Inside a transaction only `trx` is used: PGlite has a single connection.
import type { Knex } from 'knex';
import { boxOfficeRepo } from './box-office';
import { cardsRepo } from './cards';
import { errorsRepo } from './errors';
import { eventsRepo } from './events';
import { executionsRepo } from './executions';
import { feedbackRepo, ticketStatesRepo } from './feedback';
import { injectionRepo } from './injection';
import { interfacesRepo } from './interfaces';
import { notificationsRepo } from './notifications';
import { pushRepo } from './push';
import { viewsRepo } from './views';

export function createRepository(knex: Knex) {
  return {
    knex,
    ...interfacesRepo(knex),
    ...eventsRepo(knex),
    ...injectionRepo(knex),
    ...errorsRepo(knex),
    ...pushRepo(knex),
    ...feedbackRepo(knex),
    ...ticketStatesRepo(knex),
    ...cardsRepo(knex),
    ...boxOfficeRepo(knex),
    ...viewsRepo(knex),
    ...executionsRepo(knex),
    ...notificationsRepo(knex),
  };
}

export type Repository = ReturnType<typeof createRepository>;
