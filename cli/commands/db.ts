// `s360-tixngo db …`: migrations, status and sample data of the S-360 database
// (PostgreSQL when DATABASE_URL is set, else the embedded PGlite under DATA_DIR).
import { Command, InvalidArgumentError, Option } from 'commander';
import { CARD_KINDS, PRODUCT_KINDS, type CardKind, type ProductKind } from '../../common/domain';
import { loadConfig, maskUrl, type Config } from '../../config';
import { backendOf, pgliteDir } from '../../db/connection';
import { migrateLatest, migrationStatus } from '../../db/migrate';
import { createRepository } from '../../db/repo';
import { seed } from '../../db/seed';
import { withDatabase } from '../context';
import { output, table } from '../util';

/** Where the database lives, for messages (never a password). */
export function describeDatabase(config: Config): string {
  return config.DATABASE_URL ? `PostgreSQL ${maskUrl(config.DATABASE_URL)}` : `embedded PGlite ${pgliteDir(config.dataDir)}`;
}

function positiveInt(name: string, allowZero = false) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || (!allowZero && n === 0)) {
      throw new InvalidArgumentError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer`);
    }
    return n;
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function register(program: Command): void {
  const db = program
    .command('db')
    .description('S-360 database: migrations, status, sample data (PostgreSQL with DATABASE_URL, else embedded PGlite under DATA_DIR)');

  db.command('migrate')
    .description('apply pending schema migrations (safe to rerun)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig();
      const started = Date.now();
      const applied = await withDatabase(config, (knex) => migrateLatest(knex));
      output(opts.json, { database: describeDatabase(config), applied, durationMs: Date.now() - started }, () =>
        applied.length ? `applied ${applied.join(', ')} on ${describeDatabase(config)}` : `already up to date (${describeDatabase(config)})`,
      );
    });

  db.command('status')
    .description('show the database in use, its migrations and row counts')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig();
      const data = await withDatabase(config, async (knex) => {
        const migrations = await migrationStatus(knex);
        const counts: Record<string, number> = {};
        if (migrations.pending.length === 0) {
          for (const t of ['tixngo_interface', 'performance', 'ticket', 'card', 'mobile_ticket', 'processing_marker', 'interface_error', 'function_execution']) {
            const r = (await knex.raw(`select count(*)::int as n from ${t}`)) as { rows: { n: number }[] };
            counts[t] = Number(r.rows[0]?.n ?? 0);
          }
        }
        return { database: describeDatabase(config), backend: backendOf(knex), ...migrations, counts };
      });
      output(opts.json, data, () =>
        [
          `database: ${data.database}`,
          `migrations applied: ${data.applied.join(', ') || '(none)'}; pending: ${data.pending.join(', ') || '(none)'}`,
          ...(Object.keys(data.counts).length ? [table(Object.entries(data.counts).map(([t, n]) => ({ table: t, rows: n })))] : []),
        ].join('\n'),
      );
    });

  db.command('seed')
    .description('create sample S-360 data: one event with N NOT_PRINTED tickets (and optional cards); rerun with the same event to add more')
    .requiredOption('--event <code>', 'event (performance) code, used as the TIXNGO event.id')
    .requiredOption('--tickets <n>', 'number of tickets to create', positiveInt('--tickets', true))
    .addOption(new Option('--product <kind>', 'product kind of the event').choices(PRODUCT_KINDS).default('match'))
    .option('--cards <n>', 'number of membership/season cards to create', positiveInt('--cards', true), 0)
    .addOption(new Option('--card-kind <kind>', 'kind of the cards').choices(CARD_KINDS).default('membership'))
    .option('--interface <name>', 'interface the tickets are printed by (default: the only interface, if exactly one exists)')
    .option('--json', 'print the result as JSON')
    .action(
      async (opts: { event: string; tickets: number; product: ProductKind; cards: number; cardKind: CardKind; interface?: string; json?: boolean }) => {
        const config = loadConfig();
        const started = Date.now();
        const data = await withDatabase(
          config,
          async (knex) => {
            const result = await seed(knex, {
              eventCode: opts.event,
              tickets: opts.tickets,
              product: opts.product,
              cards: opts.cards,
              cardKind: opts.cardKind,
              interfaceName: opts.interface,
            });
            const byStatus = await createRepository(knex).countTicketsByStatus(result.eventCode);
            return { ...result, ticketsByStatus: byStatus };
          },
          { requireMigrated: true },
        );
        const totalMs = Date.now() - started;
        output(opts.json, { ...data, totalMs, database: describeDatabase(config) }, () =>
          [
            `event ${data.eventCode} (${data.productKind}${data.performanceCreated ? ', new' : ', existing'}): ${data.ticketsCreated} tickets created, ${data.ticketsTotal} in total` +
              (data.cardsCreated ? `; ${data.cardsCreated} ${data.cardKind} cards` : ''),
            `interface: ${data.interfaceName ?? '(none: tickets are not attached to an interface)'}`,
            `tickets by status: ${Object.entries(data.ticketsByStatus).map(([s, n]) => `${s} ${n}`).join(', ')}`,
            `seeded in ${seconds(data.durationMs)} (command ${seconds(totalMs)}) on ${describeDatabase(config)}`,
          ].join('\n'),
        );
      },
    );
}
