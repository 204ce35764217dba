// One configuration module, read from environment variables and validated with zod.
// A wrong or missing value stops the program at start with a message naming the variable.
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from '../common/ids';
import { parseSecretKey, tokenProblem } from './secrets';
import { apiKeyVariable, certificateVariable, privateKeyVariable, serverNameVariable, temporalTlsProblems } from './temporal-tls';

const port = (def: number) => z.coerce.number().int().min(1).max(65535).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const hostPort = z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:7233');
const smtpUrl = z
  .string()
  .refine((v) => URL.canParse(v) && /^smtps?:$/.test(new URL(v).protocol), 'expected an smtp:// or smtps:// URL, e.g. smtp://127.0.0.1:2525');

const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\/[^\s]+$/.test(v) && URL.canParse(v), 'expected a postgres:// URL, e.g. postgres://user@127.0.0.1:5432/db');

const tixngoUrl = z
  .string()
  .refine((v) => URL.canParse(v) && /^https?:/.test(v), 'expected an http(s) URL')
  .refine((v) => v.replace(/\/+$/, '').endsWith('organizer/tickets'), 'the TIXNGO URL must end with organizer/tickets');

/** Address to listen on: an IP (0.0.0.0 or :: for every interface) or a host name; no port, no scheme. */
const listenHost = z
  .string()
  .refine(
    (v) => net.isIP(v) !== 0 || /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(v),
    'expected an IP address or a host name, e.g. 127.0.0.1, or 0.0.0.0 to listen on every interface',
  );

const KEY_TEXT = 'expected 32 bytes written as 64 hex characters or as base64';
const keyId = /^[A-Za-z0-9._-]{1,64}$/;
const codecKey = z.string().refine((v) => parseSecretKey(v) !== undefined, KEY_TEXT);
/** `id:key,id:key`: older payload-codec keys, for decryption only. */
const codecOldKeys = z.string().superRefine((v, ctx) => {
  const seen = new Set<string>();
  for (const [i, entry] of v.split(',').map((e) => e.trim()).entries()) {
    const cut = entry.indexOf(':');
    const id = cut > 0 ? entry.slice(0, cut) : '';
    if (!keyId.test(id)) ctx.addIssue({ code: 'custom', message: `entry ${i + 1}: expected id:key with an id of letters, digits, '.', '_' or '-'` });
    else if (seen.has(id)) ctx.addIssue({ code: 'custom', message: `entry ${i + 1}: key id ${id} appears twice` });
    else if (!parseSecretKey(entry.slice(cut + 1))) ctx.addIssue({ code: 'custom', message: `entry ${i + 1} (id ${id}): ${KEY_TEXT}` });
    seen.add(id);
  }
});
const origins = z.string().superRefine((v, ctx) => {
  for (const o of v.split(',').map((e) => e.trim())) {
    if (!URL.canParse(o) || !/^https?:$/.test(new URL(o).protocol) || new URL(o).origin !== o.replace(/\/+$/, '')) {
      ctx.addIssue({ code: 'custom', message: `'${o}' is not an origin; expected e.g. http://localhost:8233 (scheme, host, port; no path)` });
    }
  }
});

/** TICKET_DORMANT_DAYS by default. */
export const DEFAULT_TICKET_DORMANT_DAYS = 0;

/** Environment variables the product reads, with defaults and meaning (README's configuration table). */
export const envSchema = z.object({
  TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** TLS to Temporal: true|false; unset: on as soon as a TEMPORAL_TLS_* variable or TEMPORAL_API_KEY is set. */
  TEMPORAL_TLS: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1' || v === 'yes')),
  /** Client certificate (mTLS): a PEM file path or the PEM text; with TEMPORAL_TLS_KEY (config/temporal-tls.ts). */
  TEMPORAL_TLS_CERT: certificateVariable('client').optional(),
  /** The client certificate's private key: a PEM file path or the PEM text (never printed). */
  TEMPORAL_TLS_KEY: privateKeyVariable.optional(),
  /** CA certificate(s) of the server (path or PEM); unset: the system's trusted roots. */
  TEMPORAL_TLS_CA: certificateVariable('ca').optional(),
  /** Name checked against the server's certificate (and sent as SNI) instead of TEMPORAL_ADDRESS's host. */
  TEMPORAL_TLS_SERVER_NAME: serverNameVariable.optional(),
  /** Temporal Cloud API key (Authorization: Bearer); implies TLS unless TEMPORAL_TLS=false. Never printed. */
  TEMPORAL_API_KEY: apiKeyVariable.optional(),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  TEMPORAL_UI_PORT: port(8233),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  /** PostgreSQL server holding the databases of the real Temporal server (`temporal-server`, `dev --engine postgres`). */
  TEMPORAL_POSTGRES_URL: postgresUrl.optional(),
  /** Its databases: <name> and <name>_visibility. */
  TEMPORAL_POSTGRES_DATABASE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,45}$/, 'expected lower-case letters, digits and _ (at most 46), e.g. temporal')
    .default('temporal'),
  TEMPORAL_SERVER_PATH: z.string().min(1).optional(),
  TEMPORAL_SQL_TOOL_PATH: z.string().min(1).optional(),
  DATABASE_URL: postgresUrl.optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  TIXNGO_URL: tixngoUrl.optional(),
  TIXNGO_AUTH: z.enum(['header', 'basic']).default('header'),
  TIXNGO_KEY_HEADER: z.string().regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name').default('X-TIXNGO-KEY'),
  TIXNGO_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  SIMULATOR_PORT: port(18080),
  /** dev: port of the codec server `dev` starts for the Web UI (0: do not start one). */
  CODEC_SERVER_PORT: z.coerce.number().int().min(0).max(65535).default(8234),
  /** 32-byte key (hex or base64) that encrypts interface API keys at rest. Default: generated under DATA_DIR. */
  S360_SECRET_KEY: z.string().min(1).optional(),
  /** Payload codec (AES-256-GCM): the current key (32 bytes, hex or base64). Default: generated under DATA_DIR. */
  S360_CODEC_KEY: codecKey.optional(),
  /** Id written into every encrypted payload; default: derived from the key (8 hex chars of its SHA-256). */
  S360_CODEC_KEY_ID: z.string().regex(keyId, "expected 1-64 letters, digits, '.', '_' or '-'").optional(),
  /** Older codec keys, `id:key,id:key`, still accepted for decryption (rotation). */
  S360_CODEC_OLD_KEYS: codecOldKeys.optional(),
  /** Bearer token of the codec server (required unless started with --dev). */
  S360_CODEC_SERVER_TOKEN: z
    .string()
    .superRefine((v, ctx) => {
      const problem = tokenProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  /** Origins (the Temporal UI) allowed to call the codec server; default: localhost and 127.0.0.1 on TEMPORAL_UI_PORT. */
  S360_CODEC_CORS_ORIGINS: origins.optional(),
  /** Worker: Prometheus /metrics port; 0 turns the endpoint off. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** Worker: address /metrics listens on; loopback unless exposing them is asked for (0.0.0.0, or an interface's IP). */
  METRICS_HOST: listenHost.default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Threshold of the Temporal SDK's own and Core's logs (workflow and activity logs follow LOG_LEVEL). */
  TEMPORAL_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('WARN'),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().positive().default(50),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().positive().default(50),
  /** Sticky cache: ticket workflows are mostly idle (README "Worker sizing"). */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().nonnegative().default(100),
  /** Heap limit (MB) of the worker's workflow thread, where the workflows run; 0: V8's default (README "Worker sizing"). */
  WORKER_WORKFLOW_HEAP_MB: z.coerce.number().int().min(0).max(65_536).default(256),
  /**
   * Days a ticket workflow started by its injection stays dormant (exists, searchable, no workflow task) unless an
   * event wakes it first; 0: its first workflow task runs at once (README, "How ticket workflows start").
   */
  TICKET_DORMANT_DAYS: z.coerce.number().int().min(0).max(3650).default(DEFAULT_TICKET_DORMANT_DAYS),
  TEMPORAL_DEV_SQLITE_PRAGMAS: bool(true),
  /** SMTP server for the error e-mails (activities/notify.ts); unset: notifications are logged as skipped. */
  SMTP_URL: smtpUrl.optional(),
  /** Sender of the error e-mails. */
  SMTP_FROM: z.string().min(3).default('s360-tixngo <s360-tixngo@localhost>'),
});

export type Config = z.infer<typeof envSchema> & {
  dataDir: string;
  /** Origins allowed to call the codec server (S360_CODEC_CORS_ORIGINS or the default). */
  codecCorsOrigins: string[];
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset: `FOO= cmd` is a common way to clear a variable.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
  }
  const d = parsed.data;
  const tlsProblems = temporalTlsProblems(d);
  if (tlsProblems.length) throw new ConfigError(`invalid configuration: ${tlsProblems.join('; ')}`);
  if (d.S360_CODEC_KEY_ID !== undefined && d.S360_CODEC_KEY === undefined) {
    throw new ConfigError('invalid configuration: S360_CODEC_KEY_ID: set only together with S360_CODEC_KEY (the generated key file has its own derived id)');
  }
  const codecCorsOrigins = d.S360_CODEC_CORS_ORIGINS
    ? d.S360_CODEC_CORS_ORIGINS.split(',').map((o) => new URL(o.trim()).origin)
    : [`http://localhost:${d.TEMPORAL_UI_PORT}`, `http://127.0.0.1:${d.TEMPORAL_UI_PORT}`];
  return { ...d, dataDir: path.resolve(d.DATA_DIR), codecCorsOrigins };
}

/** Query parameters whose value is masked in printed URLs (password=, sslpassword=, api_key=, token=, ...). */
const SECRET_PARAM = /pass|pwd|secret|token|key|auth|cred/i;

/**
 * The URL with its secrets masked, for messages and output: the password of the user info and the values of
 * password-like query parameters become ***. Everything else is kept as written. An unparseable URL is not shown
 * at all (it could be anything, a password included).
 */
export function maskUrl(url: string): string {
  if (!URL.canParse(url)) return '(unparseable URL)';
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(url)?.[0] ?? '';
  let rest = url.slice(scheme.length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const colon = authority.indexOf(':');
    if (colon >= 0 && colon < at) rest = `${authority.slice(0, colon)}:***${rest.slice(at)}`;
  }
  const hash = rest.indexOf('#');
  const beforeHash = hash < 0 ? rest : rest.slice(0, hash);
  const q = beforeHash.indexOf('?');
  if (q >= 0) {
    const query = beforeHash
      .slice(q + 1)
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        return eq > 0 && eq < pair.length - 1 && SECRET_PARAM.test(pair.slice(0, eq)) ? `${pair.slice(0, eq)}=***` : pair;
      })
      .join('&');
    rest = `${beforeHash.slice(0, q)}?${query}${hash < 0 ? '' : rest.slice(hash)}`;
  }
  return scheme + rest;
}
