import { describe, expect, it } from 'vitest';
import { workerKillScenario } from './scenarios/worker-kill.js';

describe('fault: a worker is SIGKILLed in the middle of revocations', () => {
  it('every lease still ends revoked, exactly once in effect, and the dead worker\'s jobs are picked up within seconds', async () => {
    const r = await workerKillScenario({ leases: 200, revokeDelayMs: 300 });
    console.log(`[fault] worker SIGKILL: ${r.leases} leases, pick-up ${r.notes.pickup_ms} ms after the kill (${r.notes.picked_up} stranded), p99 to revoked ${r.p99Ms} ms`, r.notes);
    expect(r.revoked).toBe(r.leases);
    expect(r.lost).toBe(0);
    expect(r.notes.picked_up).toBeGreaterThan(0);
    expect(r.notes.pickup_ms).toBeLessThan(15_000); // lock 3 s + stalled check 1 s; generous headroom for a loaded 2-core machine
    expect(r.notes.revoked_audits_leases).toBe(r.leases);
    expect(r.notes.revoked_audits_max_per_lease).toBe(1);
  }, 90_000);
});
