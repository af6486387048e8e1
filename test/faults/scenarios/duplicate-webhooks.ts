import { signWebhook } from '../../../src/webhooks/standard-webhooks.js';
import { WEBHOOK_SECRET } from '../../support/stack.js';
import { auditPerLease, issueMany, percentile, startFaultEnv, waitFinal, type ScenarioResult } from '../harness.js';

/**
 * An orchestrator delivers the same task-complete webhook many times at once (same `webhook-id`, as a
 * retrying sender does), plus a burst under fresh ids. Each lease must be revoked exactly once.
 */
export async function duplicateWebhooksScenario(opts: { leases: number; deliveries: number; freshIds: number; parallel?: number }): Promise<ScenarioResult> {
  const fe = await startFaultEnv({ workers: 1 });
  try {
    const agent = await fe.agent('agent-webhooks');
    const task = await agent.declareTask({ intent: 'completed by a noisy orchestrator', scopes: [{ profile: 'fault' }] });
    const grants = await issueMany(agent, task.task_id, opts.leases);

    const body = JSON.stringify({ task_id: task.task_id, outcome: 'succeeded' });
    const deliver = async (id: string) => {
      const ts = Math.floor(Date.now() / 1000);
      const res = await fetch(`${fe.stack.url}/v1/hooks/task-complete`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signWebhook(WEBHOOK_SECRET, id, ts, body) },
        body,
      });
      await res.arrayBuffer();
      return res.status;
    };
    const ids = [...Array.from({ length: opts.deliveries }, () => 'msg_same_delivery'), ...Array.from({ length: opts.freshIds }, (_, i) => `msg_fresh_${i}`)];
    const statuses = new Map<number, number>();
    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: opts.parallel ?? 50 }, async () => {
        while (next < ids.length) {
          const status = await deliver(ids[next++]!);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    const leases = await waitFinal(fe, [task.task_id], 30_000);
    await new Promise((r) => setTimeout(r, 500)); // let any stray duplicate revocation show up
    const revoked = leases.filter((l) => l.status === 'revoked');
    const calls = grants.map((g) => fe.double.credentials.get(g.lease_id)!.revokeCalls.length);
    const audits = await auditPerLease(fe, task.task_id, 'lease.revoked');
    const events = await fe.stack.tessera.deps.audit.forTask(task.task_id, 1_000_000);
    return {
      scenario: `${opts.deliveries} duplicate + ${opts.freshIds} fresh task-complete webhooks`,
      leases: grants.length,
      lost: grants.length - revoked.length,
      revoked: revoked.length,
      p99Ms: percentile(revoked.map((l) => l.revokedAt! - t0), 99),
      notes: {
        http_202: statuses.get(202) ?? 0,
        http_other: [...statuses.entries()].filter(([s]) => s !== 202).reduce((a, [, n]) => a + n, 0),
        backend_calls_max_per_lease: Math.max(...calls),
        backend_calls_total: calls.reduce((a, b) => a + b, 0),
        revoked_audits_max_per_lease: Math.max(0, ...audits.values()),
        webhooks_processed: events.filter((e) => e.type === 'webhook.received').length,
        task_completing_events: events.filter((e) => e.type === 'task.completing').length,
      },
    };
  } finally {
    await fe.close();
  }
}
