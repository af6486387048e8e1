import { describe, expect, it } from 'vitest';
import { expiryWorkerKillScenario } from './scenarios/expiry-worker-kill.js';

describe('fault: leases expire through their buckets while a worker is SIGKILLed', () => {
  it('every lease is revoked at or after its time, none lost, each audited once', async () => {
    const r = await expiryWorkerKillScenario({ leases: 300, ttlSeconds: 3, revokeDelayMs: 200 });
    console.log(`[fault] expiry buckets + worker SIGKILL: ${r.leases} leases, revoked p99 ${r.p99Ms} ms after their time`, r.notes);
    expect(r.lost).toBe(0);
    expect(r.revoked).toBe(r.leases);
    expect(r.notes.revoked_early).toBe(0);
    expect(r.notes.dead_worker_calls).toBeGreaterThan(0);
    expect(r.notes.revoked_audits_leases).toBe(r.leases);
    expect(r.notes.revoked_audits_max_per_lease).toBe(1);
  }, 90_000);
});
