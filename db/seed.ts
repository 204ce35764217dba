// Realistic S-360 sample data: one performance (event) with N NOT_PRINTED tickets, optionally M
// membership/season cards. Set-based: one `INSERT … SELECT … FROM generate_series(…)` per table,
// names picked from small arrays by a hash of the id, so 100,000 tickets take seconds on both
// PostgreSQL and PGlite. Everything runs in one transaction.
//
// Re-running with an existing event code ADDS tickets (and cards) to that event: new ids, new tax
// numbers and barcodes, seats continuing after the existing ones. The performance itself is kept
// as it is (its product kind is not changed). Seeding is therefore not idempotent by design; it
// is the way to grow an event step by step.
import type { Knex } from 'knex';
import { CARD_KINDS, PRODUCT_KINDS, type CardKind, type ProductKind } from '../common/domain';
import type { ComfortVariables } from './types';
import { NotFoundError, ValidationError } from './validation';

export interface SeedOptions {
  eventCode: string;
  tickets: number;
  product?: ProductKind | undefined;
  cards?: number | undefined;
  cardKind?: CardKind | undefined;
  /** Interface the tickets and cards are attached to. Default: the only interface when exactly one exists, else none. */
  interfaceName?: string | undefined;
  /** Comfort variables of the product (§3.1.4), set when the performance is created (an existing one is kept). */
  comfortVariables?: ComfortVariables | undefined;
}

export interface SeedResult {
  eventCode: string;
  performanceId: number;
  productKind: ProductKind;
  /** False when the event existed already (tickets were added to it). */
  performanceCreated: boolean;
  interfaceId: number | null;
  interfaceName: string | null;
  ticketsCreated: number;
  ticketsTotal: number;
  /** Smallest and largest ticket id created (S-360 ids, as strings), null when none. */
  firstTicketId: string | null;
  lastTicketId: string | null;
  cardsCreated: number;
  cardKind: CardKind | null;
  durationMs: number;
}

export const MAX_SEED_TICKETS = 1_000_000;

// Small name lists; titles align with first names.
const FIRST_NAMES = ['Anna', 'Luca', 'Sophie', 'Noah', 'Mia', 'Leon', 'Emma', 'David', 'Lea', 'Elias', 'Chiara', 'Marco', 'Julia', 'Samuel', 'Laura', 'Nicolas', 'Sara', 'Matteo', 'Nina', 'Louis'];
const TITLES = FIRST_NAMES.map((_, i) => (i % 2 === 0 ? 'Ms' : 'Mr'));
const LAST_NAMES = ['Müller', 'Meier', 'Schmid', 'Keller', 'Weber', 'Huber', 'Schneider', 'Meyer', 'Steiner', 'Fischer', 'Gerber', 'Brunner', 'Baumann', 'Frei', 'Zimmermann', 'Moser', 'Rossi', 'Bianchi', 'Favre', 'Dubois', 'Martin', 'Bernasconi', 'Rochat', 'Bonvin'];
// ASCII spellings for e-mail addresses, aligned with LAST_NAMES.
const LAST_NAMES_ASCII = LAST_NAMES.map((n) => n.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase());
const COUNTRIES = ['CH', 'CH', 'CH', 'CH', 'CH', 'FR', 'DE', 'IT', 'AT', 'GB', 'ES', 'US'];
// Birth place and its region (canton, département, Land...), aligned.
const BIRTH_PLACES = ['Genève', 'Lausanne', 'Zürich', 'Bern', 'Basel', 'Lugano', 'Lyon', 'München', 'Milano', 'Wien'];
const BIRTH_REGIONS = ['GE', 'VD', 'ZH', 'BE', 'BS', 'TI', 'Rhône', 'Bayern', 'Lombardia', 'Wien'];
const OPPONENTS = ['FC Basel', 'Young Boys', 'Servette FC', 'FC Zürich', 'FC Lugano', 'FC St. Gallen', 'FC Luzern', 'Grasshoppers'];

interface Venue {
  name: (code: string) => string;
  site: string;
  line1: string;
  city: string;
  zip: string;
  country: string;
  /** Days from today, hour UTC, duration in hours. */
  startInDays: number;
  hourUtc: number;
  hours: number;
  seated: boolean;
  /** Base price per category CAT1..CAT4. */
  prices: [number, number, number, number];
}

const VENUES: Record<ProductKind, Venue> = {
  match: {
    name: (code) => `FC S360 vs ${OPPONENTS[hash(code) % OPPONENTS.length]} (${code})`,
    site: 'Stade de Genève',
    line1: 'Route des Jeunes 16',
    city: 'Lancy',
    zip: '1212',
    country: 'CH',
    startInDays: 30,
    hourUtc: 18,
    hours: 2,
    seated: true,
    prices: [120, 85, 60, 35],
  },
  event: {
    name: (code) => `Summer Night Concert (${code})`,
    site: 'Hallenstadion',
    line1: 'Wallisellenstrasse 45',
    city: 'Zürich',
    zip: '8050',
    country: 'CH',
    startInDays: 45,
    hourUtc: 18,
    hours: 3,
    seated: true,
    prices: [149, 109, 79, 49],
  },
  'open-pass': {
    name: (code) => `Museum Pass (${code})`,
    site: 'The Olympic Museum',
    line1: "Quai d'Ouchy 1",
    city: 'Lausanne',
    zip: '1006',
    country: 'CH',
    startInDays: 0,
    hourUtc: 8,
    hours: 24 * 365,
    seated: false,
    prices: [45, 30, 20, 15],
  },
  service: {
    name: (code) => `Stadium Parking (${code})`,
    site: 'P+R Stade de Genève',
    line1: 'Route des Jeunes 16',
    city: 'Lancy',
    zip: '1212',
    country: 'CH',
    startInDays: 30,
    hourUtc: 16,
    hours: 6,
    seated: false,
    prices: [25, 20, 15, 10],
  },
};

function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h;
}

function checkOptions(o: SeedOptions): Required<Omit<SeedOptions, 'interfaceName' | 'comfortVariables'>> & Pick<SeedOptions, 'interfaceName' | 'comfortVariables'> {
  const eventCode = (o.eventCode ?? '').trim();
  if (!eventCode || eventCode.length > 64 || !/^[A-Za-z0-9._-]+$/.test(eventCode)) {
    throw new ValidationError('event', 'expected 1 to 64 letters, digits, dots, dashes or underscores');
  }
  if (!Number.isInteger(o.tickets) || o.tickets < 0 || o.tickets > MAX_SEED_TICKETS) throw new ValidationError('tickets', `expected an integer from 0 to ${MAX_SEED_TICKETS}`);
  const cards = o.cards ?? 0;
  if (!Number.isInteger(cards) || cards < 0 || cards > MAX_SEED_TICKETS) throw new ValidationError('cards', `expected an integer from 0 to ${MAX_SEED_TICKETS}`);
  const product = o.product ?? 'match';
  if (!PRODUCT_KINDS.includes(product)) throw new ValidationError('product', `expected one of ${PRODUCT_KINDS.join(', ')}`);
  const cardKind = o.cardKind ?? 'membership';
  if (!CARD_KINDS.includes(cardKind)) throw new ValidationError('cardKind', `expected one of ${CARD_KINDS.join(', ')}`);
  return { eventCode, tickets: o.tickets, cards, product, cardKind, interfaceName: o.interfaceName, comfortVariables: o.comfortVariables };
}

type Row = Record<string, unknown>;
async function rows<T = Row>(db: Knex | Knex.Transaction, sql: string, bindings: readonly unknown[] = []): Promise<T[]> {
  // knex's RawBinding union does not include unknown; every value passed here is a plain value.
  return ((await db.raw(sql, bindings as readonly Knex.RawBinding[])) as { rows: T[] }).rows;
}

export async function seed(knex: Knex, options: SeedOptions): Promise<SeedResult> {
  const o = checkOptions(options);
  const started = Date.now();
  return knex.transaction(async (trx) => {
    // Interface: the one named, else the only one, else none.
    let iface: { id: number; name: string } | undefined;
    if (o.interfaceName !== undefined) {
      [iface] = await rows<{ id: number; name: string }>(trx, `select id, name from tixngo_interface where name = ?`, [o.interfaceName]);
      if (!iface) throw new NotFoundError(`interface ${o.interfaceName} not found`);
    } else {
      const all = await rows<{ id: number; name: string }>(trx, `select id, name from tixngo_interface order by id limit 2`);
      if (all.length === 1) iface = all[0];
    }
    const interfaceId = iface ? Number(iface.id) : null;

    // Performance: created when missing, kept as it is otherwise.
    const v = VENUES[o.product];
    const day = new Date();
    day.setUTCHours(0, 0, 0, 0);
    const start = new Date(day.getTime() + v.startInDays * 86_400_000 + v.hourUtc * 3_600_000);
    const end = new Date(start.getTime() + v.hours * 3_600_000);
    const inserted = await rows<{ id: number }>(
      trx,
      `insert into performance (code, name, product_kind, venue_site, address_line1, city, zip, country_code, timezone, start_time, end_time,
         comfort_variables)
       values (?, ?, ?, ?, ?, ?, ?, ?, 'Europe/Zurich', ?, ?, ?::jsonb) on conflict (code) do nothing returning id`,
      [o.eventCode, v.name(o.eventCode), o.product, v.site, v.line1, v.city, v.zip, v.country, start, end, o.comfortVariables ? JSON.stringify(o.comfortVariables) : null],
    );
    const [perf] = await rows<{ id: number; product_kind: ProductKind; name: string; existing: number }>(
      trx,
      `select p.id, p.product_kind, p.name, (select count(*)::int from ticket t where t.performance_id = p.id) as existing
       from performance p where p.code = ?`,
      [o.eventCode],
    );
    const performanceId = Number(perf!.id);
    const existing = Number(perf!.existing);
    const kind = perf!.product_kind;
    const venue = VENUES[kind];

    let created: { n: number; first: string | null; last: string | null } = { n: 0, first: null, last: null };
    if (o.tickets > 0) {
      // n = position of the ticket in the event (1-based, continuing after existing tickets):
      // 1,000 seats per block (40 rows of 25), category by block, tariff by hash.
      [created] = await rows<{ n: number; first: string | null; last: string | null }>(
        trx,
        `with g as (
           select nextval(pg_get_serial_sequence('ticket', 'id')) as id, (? + gs)::bigint as n
           from generate_series(1, ?::int) gs
         ), d as (
           select g.id, g.n,
             abs(hashtext('f' || g.id::text)) % cardinality(?::text[]) + 1 as fi,
             abs(hashtext('l' || g.id::text)) % cardinality(?::text[]) + 1 as li,
             abs(hashtext('t' || g.id::text)) % 100 as tr,
             ((g.n - 1) / 1000) % 4 + 1 as cat
           from g
         ), ins as (
           insert into ticket (id, tax_number, barcode, performance_id, interface_id, status, shipment_mode, block, "row", seat,
             category, tariff, price, currency, file_number, holder_title, holder_first_name, holder_last_name, holder_email,
             holder_birthdate, holder_id_number, holder_country_code, holder_birth_region, holder_birth_place)
           select d.id,
             '1' || lpad(d.id::text, greatest(11, length(d.id::text)), '0'),
             lpad(d.id::text, greatest(10, length(d.id::text)), '0') || lpad((abs(hashtext('b' || d.id::text || ?)) % 100000000)::text, 8, '0'),
             ?, ?, 'NOT_PRINTED', 'TIXNGO',
             case when ? then 'B' || lpad((((d.n - 1) / 1000) + 1)::text, 3, '0') end,
             case when ? then (((d.n - 1) / 25) % 40 + 1)::text end,
             case when ? then ((d.n - 1) % 25 + 1)::text end,
             case when ? then 'CAT' || d.cat else 'GA' end,
             case when d.tr < 70 then 'ADULT' when d.tr < 85 then 'CHILD' when d.tr < 95 then 'SENIOR' else 'STUDENT' end,
             round((?::numeric[])[d.cat] * case when d.tr < 70 then 1 when d.tr < 85 then 0.5 when d.tr < 95 then 0.8 else 0.7 end, 2),
             'CHF',
             'F' || lpad(((d.id + 3) / 4)::text, greatest(9, length(((d.id + 3) / 4)::text)), '0'),
             (?::text[])[d.fi],
             (?::text[])[d.fi],
             (?::text[])[d.li],
             lower((?::text[])[d.fi]) || '.' || (?::text[])[d.li] || '.' || d.id || '@example.com',
             date '1950-01-01' + (abs(hashtext('d' || d.id::text)) % 20000),
             'P' || lpad((abs(hashtext('p' || d.id::text)) % 100000000)::text, 8, '0'),
             (?::text[])[abs(hashtext('c' || d.id::text)) % cardinality(?::text[]) + 1],
             (?::text[])[abs(hashtext('r' || d.id::text)) % cardinality(?::text[]) + 1],
             (?::text[])[abs(hashtext('r' || d.id::text)) % cardinality(?::text[]) + 1]
           from d
           returning id
         )
         select count(*)::int as n, min(id)::text as first, max(id)::text as last from ins`,
        [
          existing,
          o.tickets,
          FIRST_NAMES,
          LAST_NAMES,
          o.eventCode,
          performanceId,
          interfaceId,
          venue.seated,
          venue.seated,
          venue.seated,
          venue.seated,
          venue.prices,
          TITLES,
          FIRST_NAMES,
          LAST_NAMES,
          FIRST_NAMES,
          LAST_NAMES_ASCII,
          COUNTRIES,
          COUNTRIES,
          BIRTH_REGIONS,
          BIRTH_REGIONS,
          BIRTH_PLACES,
          BIRTH_PLACES,
        ],
      );
    }

    let cardsCreated = 0;
    if (o.cards > 0) {
      const season = o.cardKind === 'season';
      const year = new Date().getUTCFullYear();
      const productCode = season ? `SEASON-${o.eventCode}` : `MEMBERSHIP-${year}`;
      const productName = season ? `Season ticket ${year}/${year + 1}` : `Club membership ${year}`;
      const [c] = await rows<{ n: number }>(
        trx,
        `with g as (select nextval(pg_get_serial_sequence('card', 'id')) as id from generate_series(1, ?::int)),
         ins as (
           insert into card (id, card_number, kind, product_code, product_name, valid_from, valid_to, interface_id, status,
             holder_first_name, holder_last_name, holder_email, price, currency)
           select g.id, 'C' || lpad(g.id::text, greatest(10, length(g.id::text)), '0'), ?, ?, ?, ?, ?, ?, 'NOT_PRINTED',
             (?::text[])[abs(hashtext('f' || g.id::text)) % cardinality(?::text[]) + 1],
             (?::text[])[abs(hashtext('l' || g.id::text)) % cardinality(?::text[]) + 1],
             'member.' || g.id || '@example.com', ?, 'CHF'
           from g returning id
         ) select count(*)::int as n from ins`,
        [
          o.cards,
          o.cardKind,
          productCode,
          productName,
          day,
          new Date(day.getTime() + 365 * 86_400_000),
          interfaceId,
          FIRST_NAMES,
          FIRST_NAMES,
          LAST_NAMES,
          LAST_NAMES,
          season ? 450 : 120,
        ],
      );
      cardsCreated = Number(c!.n);
    }

    // Fresh statistics for the planner (PGlite has no autovacuum to do it).
    await trx.raw('analyze ticket');
    await trx.raw('analyze card');

    return {
      eventCode: o.eventCode,
      performanceId,
      productKind: kind,
      performanceCreated: inserted.length === 1,
      interfaceId,
      interfaceName: iface?.name ?? null,
      ticketsCreated: Number(created?.n ?? 0),
      ticketsTotal: existing + Number(created?.n ?? 0),
      firstTicketId: created?.first ?? null,
      lastTicketId: created?.last ?? null,
      cardsCreated,
      cardKind: o.cards > 0 ? o.cardKind : null,
      durationMs: Date.now() - started,
    };
  });
}
