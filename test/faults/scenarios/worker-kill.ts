import { FAULT_WORKER, auditPerLease, issueMany, percentile, startFaultEnv, waitFinal, type ScenarioResult } from '../harness.js';

/**
 * Two worker processes revoke the leases of a completed task; one is SIGKILLed while its revocations
 * are in flight. Its jobs are picked up by the other once their locks expire (stall detection).
 * Reports the pick-up time: from the kill to the survivor's first call for a lease the dead worker held.
 */
export async function workerKillScenario(opts: { leases: number; revokeDelayMs: number; worker?: Partial<typeof FAULT_WORKER> }): Promise<ScenarioResult> {
  const fe = await startFaultEnv({ workers: 2, ...(opts.worker ? { worker: opts.worker } : {}) });
  try {
    const [a] = fe.workers as [(typeof fe.workers)[0]];
    const agent = await fe.agent('agent-worker-kill');
    const task = await agent.declareTask({ intent: 'many leases, one worker dies', scopes: [{ profile: 'fault' }] });
    const grants = await issueMany(agent, task.task_id, opts.leases);
    fe.double.revokeDelay(opts.revokeDelayMs);

    const t0 = Date.now();
    await agent.completeTask(task.task_id);
    // Kill A while the double holds revocations it sent (unanswered: A cannot have finished them).
    const aCaller = String(a.pid);
    const deadline = Date.now() + 10_000;
    while (fe.double.inFlight(aCaller) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const tKill = Date.now();
    await a.kill();

    const leases = await waitFinal(fe, [task.task_id], 30_000);
    const revoked = leases.filter((l) => l.status === 'revoked');
    const creds = grants.map((g) => fe.double.credentials.get(g.lease_id)!);
    // Leases the dead worker had called the backend for, finished by the survivor after the kill (it
    // revoked again, or wrote the audit the dead worker owed): the time from the kill is the pick-up time.
    const touchedByA = new Set(creds.filter((c) => c.revokeCalls.some((x) => x.caller === aCaller)).map((c) => c.leaseId));
    const events = await fe.stack.tessera.deps.audit.forTask(task.task_id, 1_000_000);
    const pickups = events.filter((e) => e.type === 'lease.revoked' && touchedByA.has(e.lease_id!) && Date.parse(e.time) > tKill).map((e) => Date.parse(e.time) - tKill);
    const revokedAudits = await auditPerLease(fe, task.task_id, 'lease.revoked');
    const liveInBackend = creds.filter((c) => c.revokedAt === null).length;
    return {
      scenario: 'worker SIGKILL mid-revocation',
      leases: grants.length,
      lost: grants.length - revoked.length + liveInBackend,
      revoked: revoked.length,
      p99Ms: percentile(revoked.map((l) => l.revokedAt! - t0), 99),
      notes: {
        pickup_ms: pickups.length ? Math.max(...pickups) : -1,
        dead_worker_calls: touchedByA.size,
        picked_up: pickups.length,
        killed_after_ms: tKill - t0,
        backend_calls_twice: creds.filter((c) => c.revokeCalls.length > 1).length,
        revoked_audits_max_per_lease: Math.max(0, ...revokedAudits.values()),
        revoked_audits_leases: revokedAudits.size,
      },
    };
  } finally {
    await fe.close();
  }
}
