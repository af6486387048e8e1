import { FAULT_WORKER, issueMany, percentile, startFaultEnv, waitFinal, type ScenarioResult } from '../harness.js';

/**
 * The revocation endpoint goes down (connections refused) just as a task with many leases completes.
 * Revocations fail their quick attempts, the leases become `revoke_failed` and alerts go out; when the
 * endpoint returns, every lease must be revoked within 60 s of its return and none lost.
 */
export async function backendOutageScenario(opts: { leases: number; downMs: number; worker?: Partial<typeof FAULT_WORKER> }): Promise<ScenarioResult> {
  const fe = await startFaultEnv({ workers: 1, ...(opts.worker ? { worker: opts.worker } : {}) });
  try {
    const agent = await fe.agent('agent-outage');
    const task = await agent.declareTask({ intent: 'leases outlive a backend outage', scopes: [{ profile: 'fault' }] });
    const grants = await issueMany(agent, task.task_id, opts.leases);

    await fe.double.down();
    const tDown = Date.now();
    await agent.completeTask(task.task_id);
    let failedSeen = 0;
    while (Date.now() - tDown < opts.downMs) {
      const leases = await fe.leases(task.task_id);
      failedSeen = Math.max(failedSeen, leases.filter((l) => l.status === 'revoke_failed').length);
      await new Promise((r) => setTimeout(r, 200));
    }
    const revokedWhileDown = (await fe.leases(task.task_id)).filter((l) => l.status === 'revoked').length;
    const tUp = Date.now();
    await fe.double.up();

    const leases = await waitFinal(fe, [task.task_id], 70_000);
    const revoked = leases.filter((l) => l.status === 'revoked');
    const afterReturn = revoked.map((l) => l.revokedAt! - tUp);
    const alertLeases = new Set(fe.alerts.alerts.filter((a) => a.type === 'lease.revoke_failed').map((a) => a.data.lease_id as string));
    const live = grants.filter((g) => fe.double.credentials.get(g.lease_id)?.revokedAt === null).length;
    return {
      scenario: `backend down ${Math.round(opts.downMs / 1000)} s, then back`,
      leases: grants.length,
      lost: grants.length - revoked.length + live,
      revoked: revoked.length,
      p99Ms: percentile(afterReturn, 99),
      notes: {
        max_after_return_ms: Math.max(...afterReturn),
        revoke_failed_seen: failedSeen,
        revoked_while_down: revokedWhileDown,
        alerts: alertLeases.size,
        alerts_rejected: fe.alerts.rejected,
        failed_list_after: await fe.stack.tessera.deps.leases.failedCount(),
      },
    };
  } finally {
    await fe.close();
  }
}
