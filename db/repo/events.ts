// Events (performances): upserted by the seed and the CLI, looked up by code.
import type { Knex } from 'knex';
import type { PerformanceInput, PerformanceRow } from '../types';
import { NotFoundError, ValidationError } from '../validation';
import { rows, toDate, mapPerformance, type Conn } from './rows';

/** The id of the event with this code; NotFoundError when there is none. */
export async function performanceIdOf(conn: Conn, eventCode: string): Promise<number> {
  const [r] = await rows<{ id: number }>(conn, `select id from performance where code = ?`, [eventCode]);
  if (!r) throw new NotFoundError(`event ${eventCode} not found`);
  return Number(r.id);
}

export function eventsRepo(knex: Knex) {
  return {
    /** Inserts or updates the performance with this code. */
    async upsertPerformance(p: PerformanceInput): Promise<PerformanceRow> {
      if (!p.code?.trim()) throw new ValidationError('code', 'must not be empty');
      for (const f of ['name', 'venueSite', 'city', 'zip', 'countryCode'] as const) {
        if (!p[f]?.trim()) throw new ValidationError(f, 'must not be empty');
      }
      const start = toDate(p.startTime, 'startTime');
      const end = p.endTime === undefined || p.endTime === null ? null : toDate(p.endTime, 'endTime');
      const [r] = await rows(
        knex,
        `insert into performance (code, name, product_kind, venue_site, address_line1, city, zip, country_code, timezone, start_time, end_time,
           comfort_variables)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)
         on conflict (code) do update set name = excluded.name, product_kind = excluded.product_kind, venue_site = excluded.venue_site,
           address_line1 = excluded.address_line1, city = excluded.city, zip = excluded.zip, country_code = excluded.country_code,
           timezone = excluded.timezone, start_time = excluded.start_time, end_time = excluded.end_time,
           comfort_variables = excluded.comfort_variables
         returning *`,
        [p.code.trim(), p.name, p.productKind, p.venueSite, p.addressLine1 ?? null, p.city, p.zip, p.countryCode, p.timezone ?? 'UTC', start, end, p.comfortVariables ? JSON.stringify(p.comfortVariables) : null],
      );
      return mapPerformance(r!);
    },

    async getPerformanceByCode(code: string): Promise<PerformanceRow | undefined> {
      const [r] = await rows(knex, `select * from performance where code = ?`, [code]);
      return r ? mapPerformance(r) : undefined;
    },
  };
}
