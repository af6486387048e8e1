import type { WorkerConfig } from './config.js';

/** The revocation retry schedule (milliseconds). */
export interface RetryPolicy {
  /** Quick attempts before the lease is marked `revoke_failed`. */
  quickAttempts: number;
  /** First quick retry delay; doubles with each attempt. */
  baseDelayMs: number;
  /** Cap on one quick retry delay. */
  maxDelayMs: number;
  /** Interval of the slow schedule that follows the quick attempts. */
  slowRetryMs: number;
  /** Retrying continues until the credential's own expiry plus this. */
  graceMs: number;
}

/** The retry policy from `server.worker`. */
export function retryPolicyOf(w: WorkerConfig): RetryPolicy {
  return {
    quickAttempts: w.attempts,
    baseDelayMs: w.backoff_ms,
    maxDelayMs: w.backoff_max_ms,
    slowRetryMs: w.slow_retry_seconds * 1000,
    graceMs: w.retry_grace_seconds * 1000,
  };
}

/** What to do after a failed revocation attempt. */
export type RetryDecision =
  | { kind: 'retry'; delayMs: number; phase: 'quick' | 'slow'; retryUntil: number }
  | { kind: 'give-up'; retryUntil: number };

/**
 * Exponential backoff with "equal jitter": half the capped delay is fixed, the other half random,
 * so retries of many leases spread out but none comes back sooner than half its step.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40));
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * Decide the next step after failed attempt number `attempts` (1 for the first failure).
 * Transient failures retry quickly `quickAttempts` times, then on the slow schedule; a permanent
 * failure goes straight to the slow schedule. Retrying stops once the credential cannot work any more
 * (`expiresAt` + grace); the last retry is placed exactly at that deadline.
 */
export function nextRetry(
  p: RetryPolicy,
  f: { attempts: number; permanent: boolean; now: number; expiresAt: number },
  random: () => number = Math.random,
): RetryDecision {
  const retryUntil = f.expiresAt + p.graceMs;
  if (f.now >= retryUntil) return { kind: 'give-up', retryUntil };
  const quick = !f.permanent && f.attempts < p.quickAttempts;
  const wanted = quick ? backoffDelay(f.attempts, p.baseDelayMs, p.maxDelayMs, random) : Math.round(p.slowRetryMs * (0.9 + 0.2 * random()));
  return { kind: 'retry', delayMs: Math.max(0, Math.min(wanted, retryUntil - f.now)), phase: quick ? 'quick' : 'slow', retryUntil };
}

/** True when a lease with this many failed attempts belongs in `revoke_failed` (past the quick phase). */
export function isPastQuickPhase(p: RetryPolicy, attempts: number, permanent: boolean): boolean {
  return permanent || attempts >= p.quickAttempts;
}

/**
 * Thrown by the revoker after a failed attempt: tells the queue's backoff strategy when to try again.
 * The job is never failed for good; the lease's own record decides when retrying ends.
 */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}
