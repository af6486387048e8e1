import { describe, expect, it } from 'vitest';
import { redisRestartScenario } from './scenarios/redis-restart.js';

describe('fault: Redis (append-only) is killed and restarted during issuance and revocation', () => {
  it('loses no lease, leaves no credential live past its task, and answers clear 503s while Redis is away', async () => {
    const r = await redisRestartScenario({ agents: 4, leasesPerTask: 3, downMs: 2500, afterMs: 1500 });
    console.log(`[fault] Redis restart: ${r.leases} leases, ${r.lost} lost, ${r.notes.http_503_while_down} × 503 while away`, r.notes);
    expect(r.leases).toBeGreaterThan(0);
    expect(r.lost).toBe(0);
    expect(r.notes.missing_in_redis).toBe(0);
    expect(r.notes.live_credentials_after).toBe(0);
    expect(r.notes.http_503_while_down).toBeGreaterThan(0);
    expect(r.notes.http_503_clear).toBe(r.notes.http_503_while_down);
    expect(r.notes.other_5xx).toBe(0);
  }, 120_000);
});
