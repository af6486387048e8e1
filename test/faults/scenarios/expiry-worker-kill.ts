import { FAULT_WORKER, auditPerLease, issueMany, percentile, startFaultEnv, waitFinal, type ScenarioResult } from '../harness.js';

/**
 * Leases expire by themselves, through their half-second expiry buckets, while one of two worker
 * processes is SIGKILLed as the first revocations reach the backend. The sweeper is slowed to once in
 * 5 minutes, so every revocation seen is the queue's: the buckets' jobs, and a dead worker's stalled
 * jobs picked up by the survivor. Reports how late after its revocation time each lease was revoked.
 */
export async function expiryWorkerKillScenario(opts: { leases: number; ttlSeconds: number; revokeDelayMs: number }): Promise<ScenarioResult> {
  const fe = await startFaultEnv({ workers: 2, worker: { ...FAULT_WORKER, sweep_interval_seconds: 300 } });
  try {
    const [a] = fe.workers as [(typeof fe.workers)[0]];
    const agent = await fe.agent('agent-expiry-kill');
    const task = await agent.declareTask({ intent: 'many leases expire, one worker dies', scopes: [{ profile: 'fault' }], ttl_seconds: 600 });
    fe.double.revokeDelay(opts.revokeDelayMs);
    const t0 = Date.now();
    const grants = await issueMany(agent, task.task_id, opts.leases, 20, opts.ttlSeconds);
    const issuedMs = Date.now() - t0;

    const aCaller = String(a.pid);
    const deadline = Date.now() + (opts.ttlSeconds + 10) * 1000;
    while (fe.double.inFlight(aCaller) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const killedAfterMs = Date.now() - t0;
    await a.kill();

    // Open-lease counters reach 0 when every lease is final; the task itself stays active.
    const leases = await waitFinal(fe, [task.task_id], 60_000);
    const revoked = leases.filter((l) => l.status === 'revoked');
    const creds = grants.map((g) => fe.double.credentials.get(g.lease_id)!);
    const byId = new Map(leases.map((l) => [l.id, l]));
    const late = creds.filter((c) => c.revokedAt !== null).map((c) => c.revokedAt! - byId.get(c.leaseId)!.revokeAt);
    const revokedAudits = await auditPerLease(fe, task.task_id, 'lease.revoked');
    return {
      scenario: 'leases expire in buckets, worker SIGKILL',
      leases: grants.length,
      lost: grants.length - revoked.length + creds.filter((c) => c.revokedAt === null).length,
      revoked: revoked.length,
      p99Ms: percentile(late, 99),
      notes: {
        revoked_early: late.filter((ms) => ms < 0).length,
        late_p50_ms: percentile(late, 50),
        late_max_ms: Math.max(...late),
        issued_ms: issuedMs,
        killed_after_ms: killedAfterMs,
        dead_worker_calls: creds.filter((c) => c.revokeCalls.some((x) => x.caller === aCaller)).length,
        revoked_audits_leases: revokedAudits.size,
        revoked_audits_max_per_lease: Math.max(0, ...revokedAudits.values()),
      },
    };
  } finally {
    await fe.close();
  }
}
