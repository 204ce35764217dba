// Fault injection, set through POST /__sim/faults: outages, rate limits, random errors and latency
// on the organizer API, chosen calls that fail, and the deletion confirmation's delay (or its absence).
import { z } from 'zod';
import { errorAnswer, type Answer } from './http';
import type { SimulatorState } from './state';

export const faultsSchema = z.strictObject({
  errorRate: z.number().min(0).max(1).nullable().optional(),
  errorStatus: z.number().int().min(400).max(599).nullable().optional(),
  latencyMs: z.number().int().min(0).max(600_000).nullable().optional(),
  rateLimitPerSecond: z.number().int().min(1).nullable().optional(),
  retryAfterSeconds: z.number().int().min(0).max(86_400).nullable().optional(),
  outageSeconds: z.number().min(0).max(86_400).nullable().optional(),
  deletionDelayMs: z.number().int().min(0).max(86_400_000).nullable().optional(),
  deletionNeverConfirms: z.boolean().nullable().optional(),
  deletionHeldTickets: z.array(z.string().min(1).max(256)).max(10_000).nullable().optional(),
  failCalls: z.array(z.number().int().min(1)).min(1).max(1_000).nullable().optional(),
  failCallsRoute: z.string().min(1).max(200).nullable().optional(),
});
export type FaultsInput = z.infer<typeof faultsSchema>;

export interface Faults {
  errorRate?: number;
  errorStatus?: number;
  latencyMs?: number;
  rateLimitPerSecond?: number;
  retryAfterSeconds?: number;
  /** Epoch ms until which every organizer call answers 503. */
  outageUntil?: number;
  deletionDelayMs?: number;
  deletionNeverConfirms?: boolean;
  /** These tickets' deletions are never confirmed (they stay DELETION_PENDING); the others' are. */
  deletionHeldTickets?: string[];
  /**
   * The Nth calls (1 = the first) counted from when failCalls or failCallsRoute was last set answer errorStatus
   * (default 503): deterministic failures, e.g. the second sub-call of a split batch.
   */
  failCalls?: number[];
  /** Counts only the calls of this route, as /__sim/stats names it (`POST /v3/organizer/tickets`); default all. */
  failCallsRoute?: string;
}

/** The faults in force, the rate limiter's window, and the deletion settings they impose on the state. */
export class FaultInjector {
  #faults: Faults = {};
  #rateWindow = 0;
  #rateCount = 0;
  /** Calls counted for failCalls since it was set. */
  #failCount = 0;

  constructor(
    private readonly state: SimulatorState,
    /** The deletion delay when no fault overrides it. */
    private readonly baseDeletionDelayMs: number,
  ) {}

  get current(): Readonly<Faults> {
    return this.#faults;
  }

  /** What GET /__sim/faults shows: the outage as the seconds left rather than an instant. */
  publicView(): Record<string, unknown> {
    const out: Record<string, unknown> = { ...this.#faults };
    delete out.outageUntil;
    if (this.#faults.failCalls) out.failCallsCounted = this.#failCount;
    if (this.#faults.outageUntil !== undefined) {
      const left = (this.#faults.outageUntil - Date.now()) / 1000;
      if (left > 0) out.outageSeconds = Math.round(left * 1000) / 1000;
    }
    return out;
  }

  /** Merges validated input: null (or an outage of 0 s) removes a fault, absent leaves it as is. */
  merge(input: FaultsInput): void {
    const next: Faults = { ...this.#faults };
    for (const [k, v] of Object.entries(input) as [keyof FaultsInput, unknown][]) {
      if (v === undefined) continue;
      if (k === 'outageSeconds') {
        if (v === null || v === 0) delete next.outageUntil;
        else next.outageUntil = Date.now() + (v as number) * 1000;
        continue;
      }
      if (v === null) delete next[k];
      else (next as Record<string, unknown>)[k] = v;
    }
    this.#faults = next;
    if (input.failCalls !== undefined || input.failCallsRoute !== undefined) this.#failCount = 0;
    this.#applyDeletionFaults();
  }

  clear(): void {
    this.#faults = {};
    this.#failCount = 0;
    this.#applyDeletionFaults();
  }

  /** Clear, and restart the rate limiter's count (POST /__sim/reset). */
  reset(): void {
    this.#faults = {};
    this.#rateCount = 0;
    this.#failCount = 0;
    this.#applyDeletionFaults();
  }

  /** Gateway-level faults, before authentication: an outage's 503, the rate limit's 429. */
  gateway(now: number): Answer | undefined {
    const faults = this.#faults;
    if (faults.outageUntil !== undefined) {
      if (now < faults.outageUntil) return errorAnswer(503, 'UNAVAILABLE', 'service unavailable (simulated outage)');
      delete faults.outageUntil;
    }
    if (faults.rateLimitPerSecond !== undefined) {
      const w = Math.floor(now / 1000);
      if (w !== this.#rateWindow) {
        this.#rateWindow = w;
        this.#rateCount = 0;
      }
      if (this.#rateCount >= faults.rateLimitPerSecond) {
        const retry = String(faults.retryAfterSeconds ?? 1);
        return errorAnswer(429, 'RATE_LIMITED', `rate limit of ${faults.rateLimitPerSecond} calls per second exceeded`, undefined, { 'Retry-After': retry });
      }
      this.#rateCount++;
    }
    return undefined;
  }

  /** A chosen (failCalls) or random (errorRate) error, for an authenticated call of route `callKey`. */
  simulatedError(callKey?: string): Answer | undefined {
    const faults = this.#faults;
    if (faults.failCalls && (faults.failCallsRoute === undefined || faults.failCallsRoute === callKey)) {
      this.#failCount++;
      if (faults.failCalls.includes(this.#failCount)) return statusAnswer(faults.errorStatus ?? 503, faults.retryAfterSeconds, `simulated error ${faults.errorStatus ?? 503} (call ${this.#failCount})`);
    }
    if (faults.errorRate !== undefined && faults.errorRate > 0 && Math.random() < faults.errorRate) {
      const status = faults.errorStatus ?? 503;
      return statusAnswer(status, faults.retryAfterSeconds, `simulated error ${status}`);
    }
    return undefined;
  }

  #applyDeletionFaults(): void {
    this.state.deletionDelayMs = this.#faults.deletionDelayMs ?? this.baseDeletionDelayMs;
    this.state.deletionNeverConfirms = this.#faults.deletionNeverConfirms ?? false;
    this.state.deletionHeld = new Set(this.#faults.deletionHeldTickets ?? []);
    this.state.scheduleDeletionSweep();
  }
}

function statusAnswer(status: number, retryAfterSeconds: number | undefined, message: string): Answer {
  const headers = status === 429 ? { 'Retry-After': String(retryAfterSeconds ?? 1) } : undefined;
  return errorAnswer(status, status === 429 ? 'RATE_LIMITED' : status >= 500 ? 'INTERNAL' : 'BAD_REQUEST', message, undefined, headers);
}
