import { describe, expect, it } from 'vitest';
import { backendOutageScenario } from './scenarios/backend-outage.js';

describe('fault: the backend refuses connections for a while, then returns', () => {
  it('marks leases revoke_failed with alerts, keeps retrying, and revokes every lease within 60 s of the return', async () => {
    const r = await backendOutageScenario({ leases: 100, downMs: 4000 });
    console.log(`[fault] backend outage: ${r.leases} leases, all revoked ${r.notes.max_after_return_ms} ms after the backend returned (p99 ${r.p99Ms} ms)`, r.notes);
    expect(r.revoked).toBe(r.leases);
    expect(r.lost).toBe(0);
    expect(r.notes.revoked_while_down).toBe(0);
    expect(r.notes.revoke_failed_seen).toBe(r.leases);
    expect(r.notes.alerts).toBe(r.leases);
    expect(r.notes.alerts_rejected).toBe(0);
    expect(r.notes.max_after_return_ms).toBeLessThan(60_000);
    expect(r.notes.failed_list_after).toBe(0);
  }, 120_000);
});
