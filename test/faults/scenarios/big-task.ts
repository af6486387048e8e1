import { FAULT_WORKER, issueMany, percentile, startFaultEnv, waitFinal, type ScenarioResult } from '../harness.js';

/** One task holding many leases is completed while two worker processes run: all are revoked; how fast. */
export async function bigTaskScenario(opts: { leases: number; workers: number; worker?: Partial<typeof FAULT_WORKER> }): Promise<ScenarioResult> {
  const fe = await startFaultEnv({ workers: opts.workers, ...(opts.worker ? { worker: opts.worker } : {}) });
  try {
    const agent = await fe.agent('agent-big-task');
    const task = await agent.declareTask({ intent: 'a task with very many credentials', scopes: [{ profile: 'fault' }] });
    const tIssue = Date.now();
    const grants = await issueMany(agent, task.task_id, opts.leases, 25);
    const issueMs = Date.now() - tIssue;
    const t0 = Date.now();
    await agent.completeTask(task.task_id);
    const leases = await waitFinal(fe, [task.task_id], 60_000);
    const done = await agent.waitForTask(task.task_id, ['completed'], 10_000).catch(() => null);
    const revoked = leases.filter((l) => l.status === 'revoked');
    const times = revoked.map((l) => l.revokedAt! - t0);
    const byWorker = new Map<string, number>();
    for (const g of grants) {
      const caller = fe.double.credentials.get(g.lease_id)?.revokeCalls[0]?.caller ?? 'none';
      byWorker.set(caller, (byWorker.get(caller) ?? 0) + 1);
    }
    return {
      scenario: `task with ${opts.leases} leases, ${opts.workers} workers`,
      leases: grants.length,
      lost: grants.length - revoked.length + grants.filter((g) => fe.double.credentials.get(g.lease_id)?.revokedAt === null).length,
      revoked: revoked.length,
      p99Ms: percentile(times, 99),
      notes: {
        all_revoked_ms: Math.max(...times),
        issue_ms: issueMs,
        task_status: done?.status ?? 'not completed',
        workers_used: [...byWorker.keys()].filter((k) => k !== 'none').length,
      },
    };
  } finally {
    await fe.close();
  }
}
