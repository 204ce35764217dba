// Dates of the injection payload (pure, unit tested): RFC 3339 in the event's own time zone, and the comfort
// variables of non-dated products (§3.1.4) that set the activation time, the event start and expiration, and the
// activation group.
import type { ComfortVariables } from '../db/types';

/** A value the payload cannot be built from; `field` is the payload path it feeds (named in the ticket's error). */
export class PayloadError extends Error {
  override name = 'PayloadError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const UNIT_MS: Record<string, number> = { h: HOUR, d: DAY, w: 7 * DAY };

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A formatter giving the wall-clock parts of an instant in `timeZone`; PayloadError for an unknown zone. */
function wallClock(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      throw new PayloadError('event.timeZone', `unknown time zone '${timeZone}' (expected an IANA name such as Europe/Zurich)`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** Minutes east of UTC of `timeZone` at this instant. */
function offsetMinutes(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of wallClock(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / MINUTE);
}

/** Throws PayloadError when `timeZone` is not a zone the runtime knows. */
export function checkTimeZone(timeZone: string): void {
  wallClock(timeZone);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * An instant as RFC 3339 with the offset of `timeZone` at that instant (`2027-06-01T20:00:00+02:00`), never converted
 * to `Z`: TIXNGO shows event times as sent (§5.4). UTC itself gives `+00:00`. Seconds are kept, milliseconds dropped.
 */
export function formatInZone(instant: Date | number, timeZone: string): string {
  const ms = Math.floor((typeof instant === 'number' ? instant : instant.getTime()) / 1000) * 1000;
  const off = offsetMinutes(ms, timeZone);
  const local = new Date(ms + off * MINUTE);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return (
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`
  );
}

/**
 * The instant of a wall-clock time in `timeZone`. In a DST gap the time is read with the offset before the change
 * (02:30 on a spring-forward night is 03:30 local); in an overlap, the first of the two.
 */
export function wallTimeToInstant(y: number, mo: number, d: number, h: number, mi: number, timeZone: string): number {
  const guess = Date.UTC(y, mo - 1, d, h, mi);
  const before = offsetMinutes(guess - DAY, timeZone);
  const offsets = new Set([before, offsetMinutes(guess, timeZone), offsetMinutes(guess + DAY, timeZone)]);
  const valid = [...offsets].map((o) => guess - o * MINUTE).filter((t) => offsetMinutes(t, timeZone) * MINUTE === guess - t);
  return valid.length ? Math.min(...valid) : guess - before * MINUTE;
}

/** The validity ("season") of a product, the reference of the comfort variables. */
export interface Season {
  /** Performance start (a non-dated product: the start of its validity). */
  start: number;
  /** Performance end, or start + 24 h when it has none (§3.1.4). */
  end: number;
  timeZone: string;
}

const DATE_FIELDS = { TIXAct: 'activationParameters.time', TIXStart: 'event.startTime', TIXExp: 'event.expirationDate' } as const;
type DateVariable = keyof typeof DATE_FIELDS;

const EXPECTED = 'expected start_of_season, end_of_season, an offset from the start of the season such as +1d, -1w or 2w (units h, d, w), or dd/mm/yy hh:mm';

/**
 * One date comfort variable (§3.1.4) as an instant:
 * - `start_of_season` / `end_of_season`: the product's validity start / end;
 * - `+1d`, `-1w`, `2w`, `-12h`: an offset from the start of the season (no sign: later);
 * - `22/10/23 21:15`: that wall-clock time in the performance's time zone (years 2000-2099).
 */
export function parseComfortDate(name: DateVariable, raw: string, season: Season): number {
  const field = DATE_FIELDS[name];
  const fail = (why: string): never => {
    throw new PayloadError(field, `comfort variable ${name}=${JSON.stringify(raw)}: ${why}`);
  };
  const v = raw.trim();
  if (v === 'start_of_season') return season.start;
  if (v === 'end_of_season') return season.end;
  const rel = /^([+-]?)(\d{1,4})([hdw])$/.exec(v);
  if (rel) return season.start + (rel[1] === '-' ? -1 : 1) * Number(rel[2]) * UNIT_MS[rel[3]!]!;
  const abs = /^(\d{2})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2})$/.exec(v);
  if (!abs) return fail(EXPECTED);
  const [d, mo, yy, h, mi] = abs.slice(1).map(Number) as [number, number, number, number, number];
  const y = 2000 + yy;
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59) return fail(`not a valid date and time (${EXPECTED})`);
  return wallTimeToInstant(y, mo, d, h, mi, season.timeZone);
}

/** The payload values the comfort variables give (undefined: the variable is absent, the default applies). */
export interface ComfortValues {
  activationTime?: string;
  startTime?: string;
  expirationDate?: string;
  groupId?: string;
}

/** All comfort variables of a product, formatted in the season's time zone; PayloadError naming the field. */
export function applyComfortVariables(vars: ComfortVariables | null | undefined, season: Season): ComfortValues {
  const out: ComfortValues = {};
  if (!vars) return out;
  const date = (name: DateVariable) => {
    const raw = vars[name];
    return raw === undefined ? undefined : formatInZone(parseComfortDate(name, raw, season), season.timeZone);
  };
  const act = date('TIXAct');
  const start = date('TIXStart');
  const exp = date('TIXExp');
  if (act !== undefined) out.activationTime = act;
  if (start !== undefined) out.startTime = start;
  if (exp !== undefined) out.expirationDate = exp;
  if (vars.TIXRGrp !== undefined) {
    const g = vars.TIXRGrp.trim();
    if (!g || g.length > 50) throw new PayloadError('activationParameters.groupId', `comfort variable TIXRGrp=${JSON.stringify(vars.TIXRGrp)}: expected 1 to 50 characters`);
    out.groupId = g;
  }
  return out;
}
