// Structured JSON logs (pino) for the whole process, and the adapter that routes the Temporal SDK's Runtime logger
// into them: workflow `log`, activity `log`, the SDK's worker logs and (forwarded) Core logs.
//
// What a record may carry: ids (workflowId, runId, ticketId, cardId, activityType, attempt...), statuses, counts and
// error types/messages. Never payload bodies, holder data or keys: fields that could hold them (args, input, result,
// details, payload, email, names, holder, walletOwner, apiKey, token...) are dropped or redacted, and e-mail
// addresses inside any text are masked, whatever the caller passed.
import { Writable } from 'node:stream';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';
import { cardIdFromWorkflowId, ticketIdFromWorkflowId } from '../common/ids';

/** pino levels, as LOG_LEVEL takes them. */
export type AppLogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const SDK_RANK: Record<LogLevel, number> = { TRACE: 10, DEBUG: 20, INFO: 30, WARN: 40, ERROR: 50 };
const APP_RANK: Record<AppLogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/** Fields whose value is a secret: kept as '[redacted]' so that their presence shows. */
const SECRET_FIELD = /^(api[-_]?key|key|secret|token|password|authorization|cookie|credentials?)$/i;
/** Fields that may hold payload bodies or personal data: dropped. */
const DATA_FIELD =
  /^(args|arguments|input|inputs|result|results|output|details|heartbeatDetails|payloads?|data|body|taskToken|e-?mail|emails?|first_?name|last_?name|full_?name|title|holder|holders|ticketHolder|walletOwner|owner|spectator|spectatorDetails|birthdate|phone|address|barcode)$/i;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const MAX_TEXT = 2000;
const MAX_DEPTH = 4;
const MAX_ITEMS = 20;

/** Masks e-mail addresses and bounds the length of a text that goes into a log record. */
export function maskText(s: string): string {
  const masked = s.replace(EMAIL, '[email]');
  return masked.length > MAX_TEXT ? `${masked.slice(0, MAX_TEXT)}…` : masked;
}

function sanitizeError(e: Error, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { type: e.name, message: maskText(e.message) };
  const failureType = (e as Error & { type?: unknown }).type;
  if (typeof failureType === 'string') out.failureType = failureType;
  if (e.stack) out.stack = maskText(e.stack);
  if (e.cause !== undefined && depth < MAX_DEPTH) out.cause = sanitizeValue(e.cause, depth + 1);
  return out;
}

function sanitizeValue(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return maskText(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Error) return sanitizeError(v, depth);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return `[${v.length} bytes]`;
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(v)) {
    const items = v.slice(0, MAX_ITEMS).map((x) => sanitizeValue(x, depth + 1));
    return v.length > MAX_ITEMS ? [...items, `+${v.length - MAX_ITEMS} more`] : items;
  }
  if (typeof v === 'object') return sanitizeFields(v as Record<string, unknown>, depth + 1);
  return undefined; // functions, symbols
}

/** A copy of `meta` fit for a log record (see the header). Symbol keys are left out. */
export function sanitizeFields(meta: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) {
    if (SECRET_FIELD.test(k)) out[k] = '[redacted]';
    else if (DATA_FIELD.test(k)) continue;
    else {
      const s = sanitizeValue(v, depth);
      if (s !== undefined) out[k] = s;
    }
  }
  return out;
}

export interface LoggerOptions {
  level?: AppLogLevel;
  /** Default: stderr (stdout stays for command output such as --json). */
  destination?: DestinationStream | Writable;
}

/** A pino logger writing JSON lines: `{"level":"info","time":"…","service":"s360-tixngo",…,"msg":"…"}`. */
export function createLogger(opts: LoggerOptions = {}): PinoLogger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { service: 's360-tixngo', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Last line of defence for direct pino calls; the runtime adapter below sanitizes on its own.
      redact: { paths: ['apiKey', '*.apiKey', 'token', '*.token', 'authorization', '*.authorization', 'headers.authorization'], censor: '[redacted]' },
    },
    opts.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

let root: PinoLogger | undefined;
/** The process's logger (created on first use at `level`, default info). */
export function getLogger(level?: AppLogLevel): PinoLogger {
  root ??= createLogger({ level });
  return root;
}

/** Minimum level per SDK component; workflow, activity and nexus logs are the product's own. */
export interface RuntimeLogThresholds {
  /** Workflow and activity `log` calls (LOG_LEVEL). */
  app: AppLogLevel;
  /** The SDK's worker logs and Core logs (TEMPORAL_LOG_LEVEL). */
  sdk: LogLevel;
}

/**
 * The Runtime logger (`Runtime.install({ logger })`): filters by component, sanitizes metadata, adds `ticketId` /
 * `cardId` from the workflow id, and writes through pino.
 */
export class PinoRuntimeLogger implements Logger {
  readonly #out: PinoLogger;
  readonly #thresholds: RuntimeLogThresholds;

  constructor(logger: PinoLogger, thresholds: RuntimeLogThresholds) {
    // The child logs at every level: the thresholds below decide.
    this.#out = logger.child({}, { level: 'trace' });
    this.#thresholds = thresholds;
  }

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const component = typeof meta?.sdkComponent === 'string' ? meta.sdkComponent : undefined;
    const own = component === 'workflow' || component === 'activity' || component === 'nexus';
    if (own ? SDK_RANK[level] < APP_RANK[this.#thresholds.app] : SDK_RANK[level] < SDK_RANK[this.#thresholds.sdk]) return;
    const fields = meta ? sanitizeFields(meta as Record<string, unknown>) : {};
    const wfId = typeof fields.workflowId === 'string' ? fields.workflowId : undefined;
    if (wfId && fields.ticketId === undefined) {
      const t = ticketIdFromWorkflowId(wfId);
      if (t !== undefined) fields.ticketId = t;
    }
    if (wfId && fields.cardId === undefined) {
      const c = cardIdFromWorkflowId(wfId);
      if (c !== undefined) fields.cardId = c;
    }
    const text = maskText(message);
    switch (level) {
      case 'TRACE':
        return this.#out.trace(fields, text);
      case 'DEBUG':
        return this.#out.debug(fields, text);
      case 'INFO':
        return this.#out.info(fields, text);
      case 'WARN':
        return this.#out.warn(fields, text);
      default:
        return this.#out.error(fields, text);
    }
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** A Writable collecting JSON log lines in memory (tests). */
export function memoryDestination(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
