import { describe, expect, it } from 'vitest';
import { backoffDelay, isPastQuickPhase, nextRetry, type RetryPolicy } from '../../src/revocation/retry-policy.js';

const policy: RetryPolicy = { quickAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, slowRetryMs: 60_000, graceMs: 900_000 };
const now = 1_700_000_000_000;
const low = () => 0;
const high = () => 0.999999;

describe('revocation retry policy', () => {
  it('backs off exponentially with equal jitter, capped', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, 500, 30_000, low))).toEqual([250, 500, 1000, 2000]);
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, 500, 30_000, high))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(20, 500, 30_000, high)).toBe(30_000);
    expect(backoffDelay(20, 500, 30_000, low)).toBe(15_000);
    expect(backoffDelay(10_000, 500, 30_000, high)).toBe(30_000); // no overflow however many attempts
  });

  it('retries quickly, then on the slow schedule, for a transient failure', () => {
    const far = now + 3_600_000;
    expect(nextRetry(policy, { attempts: 1, permanent: false, now, expiresAt: far }, low)).toMatchObject({ kind: 'retry', phase: 'quick', delayMs: 250 });
    expect(nextRetry(policy, { attempts: 4, permanent: false, now, expiresAt: far }, low)).toMatchObject({ kind: 'retry', phase: 'quick', delayMs: 2000 });
    const slow = nextRetry(policy, { attempts: 5, permanent: false, now, expiresAt: far }, low);
    expect(slow).toMatchObject({ kind: 'retry', phase: 'slow', delayMs: 54_000, retryUntil: far + 900_000 });
    expect(nextRetry(policy, { attempts: 500, permanent: false, now, expiresAt: far }, high)).toMatchObject({ phase: 'slow', delayMs: 66_000 });
    expect(isPastQuickPhase(policy, 4, false)).toBe(false);
    expect(isPastQuickPhase(policy, 5, false)).toBe(true);
  });

  it('sends a permanent failure straight to the slow schedule', () => {
    expect(nextRetry(policy, { attempts: 1, permanent: true, now, expiresAt: now + 3_600_000 }, low)).toMatchObject({ phase: 'slow' });
    expect(isPastQuickPhase(policy, 1, true)).toBe(true);
  });

  it('keeps retrying while the credential could still work, with the last attempt at the deadline, then gives up', () => {
    const expiresAt = now - 900_000 + 10_000; // deadline (expiry + grace) in 10 s
    expect(nextRetry(policy, { attempts: 9, permanent: false, now, expiresAt }, high)).toMatchObject({ kind: 'retry', delayMs: 10_000 });
    expect(nextRetry(policy, { attempts: 10, permanent: false, now: now + 10_000, expiresAt }, high)).toEqual({ kind: 'give-up', retryUntil: now + 10_000 });
  });
});
