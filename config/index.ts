// One configuration module, read from environment variables and validated with zod.
// A wrong or missing value stops the program at start with a message naming the variable.
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from '../common/ids';

const port = (def: number) => z.coerce.number().int().min(1).max(65535).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const hostPort = z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:7233');

const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\/[^\s]+$/.test(v) && URL.canParse(v), 'expected a postgres:// URL, e.g. postgres://user@127.0.0.1:5432/db');

const tixngoUrl = z
  .string()
  .refine((v) => URL.canParse(v) && /^https?:/.test(v), 'expected an http(s) URL')
  .refine((v) => v.replace(/\/+$/, '').endsWith('organizer/tickets'), 'the TIXNGO URL must end with organizer/tickets');

/** Environment variables the product reads, with defaults and meaning (README's configuration table). */
export const envSchema = z.object({
  TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  TEMPORAL_UI_PORT: port(8233),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  DATABASE_URL: postgresUrl.optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  TIXNGO_URL: tixngoUrl.optional(),
  TIXNGO_AUTH: z.enum(['header', 'basic']).default('header'),
  TIXNGO_KEY_HEADER: z.string().regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name').default('X-TIXNGO-KEY'),
  TIXNGO_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  SIMULATOR_PORT: port(18080),
  /** 32-byte key (hex or base64) that encrypts interface API keys at rest. Default: generated under DATA_DIR. */
  S360_SECRET_KEY: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().positive().default(50),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().positive().default(50),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().nonnegative().default(2000),
  TEMPORAL_DEV_SQLITE_PRAGMAS: bool(true),
});

export type Config = z.infer<typeof envSchema> & { dataDir: string };

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
  return { ...parsed.data, dataDir: path.resolve(parsed.data.DATA_DIR) };
}
