// Validation of what operators type in (interfaces), shared by the repository and the CLI.
import { z } from 'zod';
import { isTimeZone } from '../contract/function-params';
import { parseCustomParamValues } from './custom-params';
import { INTERFACE_FUNCTIONS, INTERFACE_URL_SUFFIX } from '../common/domain';
import {
  DEFAULT_FUNCTION_SETTINGS,
  INTERFACE_TYPES,
  type CustomParams,
  type FunctionSettings,
  type InterfaceInput,
  type InterfaceType,
} from './types';

/** Bad input; the message starts with the field it is about (`url: …`). */
export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** Something asked for by name or id does not exist. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/**
 * An S-360-side operation refused, all or nothing: nothing was written. `refused` names each item and why (ids and
 * statuses only, never holder data); the message lists them.
 */
export class RefusedError extends Error {
  override name = 'RefusedError';
  constructor(
    what: string,
    readonly refused: readonly { id: string; why: string }[],
  ) {
    super(`${what}: ${refused.map((r) => `ticket ${r.id} ${r.why}`).join('; ')}`);
  }
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export const customParamsSchema = z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()]));

const settingsSchema = z
  .object(Object.fromEntries(INTERFACE_FUNCTIONS.map((f) => [f, z.number().int().positive().max(100_000).optional()])))
  .strict();

/**
 * Normalises the URL (trailing slashes dropped) and checks it ends with organizer/tickets. Credentials, a query and a
 * fragment are refused: the URL is printed by `interface list` and logged, so it must carry no secret (the API key
 * has its own encrypted column), and the client appends its own paths and queries to it. Messages never quote a URL
 * that may hold a secret.
 */
export function normalizeInterfaceUrl(url: string): string {
  const u = url.trim().replace(/\/+$/, '');
  // The URL parser silently drops tabs and newlines; the stored text would still have them.
  if (/[\s\p{Cc}]/u.test(u)) throw new ValidationError('url', 'must not contain spaces or control characters');
  if (!URL.canParse(u) || !/^https?:\/\//.test(u)) throw new ValidationError('url', `expected an http(s) URL ending with ${INTERFACE_URL_SUFFIX}`);
  const parsed = new URL(u);
  if (parsed.username || parsed.password) {
    throw new ValidationError('url', 'must not contain a user name or password (user:password@); the API key is given with --api-key-env and stored encrypted');
  }
  if (u.includes('?')) throw new ValidationError('url', `must not have a query (?…); expected the interface's base URL, ending with ${INTERFACE_URL_SUFFIX}`);
  if (u.includes('#')) throw new ValidationError('url', `must not have a fragment (#…); expected the interface's base URL, ending with ${INTERFACE_URL_SUFFIX}`);
  if (!u.endsWith(INTERFACE_URL_SUFFIX)) throw new ValidationError('url', `must end with ${INTERFACE_URL_SUFFIX} (got ${u})`);
  return u;
}

/** Control, format (e.g. bidirectional overrides), line/paragraph separator, private-use and lone surrogate code points. */
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cs}]/u;

/** Checks a name holds printable characters only; the message gives the 1-based position of the first bad one. */
export function checkPrintable(field: string, value: string): void {
  let position = 0;
  for (const ch of value) {
    position++;
    if (NOT_PRINTABLE.test(ch)) {
      const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      throw new ValidationError(field, `character ${position} is not printable (U+${code}); use letters, digits, punctuation and spaces`);
    }
  }
}

export function isEmail(s: string): boolean {
  return EMAIL.test(s);
}

export function parseCustomParams(value: unknown): CustomParams {
  const r = customParamsSchema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    const where = i && i.path.length ? ` (at ${i.path.join('.')})` : '';
    throw new ValidationError('customParams', `expected an object of string, number or boolean values${where}`);
  }
  // Known keys only (§4), each checked and normalised; an unknown key is refused with the list of known ones.
  try {
    return parseCustomParamValues(r.data) as CustomParams;
  } catch (err) {
    throw new ValidationError('customParams', (err as Error).message.replace(/^customParams(\.|: )/, ''));
  }
}

/** An IANA time zone Intl knows (default UTC). */
export function parseTimeZone(value: string | undefined): string {
  const tz = value ?? 'UTC';
  if (!isTimeZone(tz)) throw new ValidationError('timeZone', `not a time zone: ${JSON.stringify(tz.slice(0, 64))} (expected an IANA name, e.g. Europe/Zurich or UTC)`);
  return tz;
}

export function parseSettings(value: unknown): FunctionSettings {
  const r = settingsSchema.safeParse(value ?? {});
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ValidationError('settings', `expected batch sizes (positive integers) per function ${INTERFACE_FUNCTIONS.join('/')}${i?.path.length ? ` (at ${i.path.join('.')})` : ''}`);
  }
  const out = { ...DEFAULT_FUNCTION_SETTINGS };
  for (const f of INTERFACE_FUNCTIONS) {
    const v = (r.data as Partial<FunctionSettings>)[f];
    if (v !== undefined) out[f] = v;
  }
  return out;
}

export interface ValidInterfaceInput {
  name: string;
  url: string;
  loginEmail: string;
  apiKey: string;
  notificationEmails: string[];
  customParams: CustomParams;
  settings: FunctionSettings;
  type: InterfaceType;
  timeZone: string;
}

/** Checks and normalises an interface definition; throws ValidationError naming the field. */
export function validateInterfaceInput(input: InterfaceInput): ValidInterfaceInput {
  // Checked before trimming, so that a stray tab or newline is reported (at its position in what was typed).
  checkPrintable('name', input.name ?? '');
  const name = (input.name ?? '').trim();
  if (!name) throw new ValidationError('name', 'must not be empty');
  if (name.length > 200) throw new ValidationError('name', 'at most 200 characters');
  const type = input.type ?? 'TIXNGO';
  if (!INTERFACE_TYPES.includes(type)) throw new ValidationError('type', `expected one of ${INTERFACE_TYPES.join(', ')}`);
  const url = normalizeInterfaceUrl(input.url ?? '');
  const loginEmail = (input.loginEmail ?? '').trim();
  if (!isEmail(loginEmail)) throw new ValidationError('loginEmail', 'expected the e-mail of the TIXNGO ADMIN account');
  if (typeof input.apiKey !== 'string' || input.apiKey.trim() === '') throw new ValidationError('apiKey', 'must not be empty');
  const notificationEmails = (input.notificationEmails ?? []).map((e) => e.trim()).filter((e) => e !== '');
  const bad = notificationEmails.find((e) => !isEmail(e));
  if (bad !== undefined) throw new ValidationError('notificationEmails', `not an e-mail address: ${bad}`);
  return {
    name,
    type,
    url,
    loginEmail,
    apiKey: input.apiKey,
    notificationEmails,
    customParams: parseCustomParams(input.customParams ?? {}),
    settings: parseSettings(input.settings),
    timeZone: parseTimeZone(input.timeZone),
  };
}
