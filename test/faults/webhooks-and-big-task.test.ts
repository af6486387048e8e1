import { describe, expect, it } from 'vitest';
import { bigTaskScenario } from './scenarios/big-task.js';
import { duplicateWebhooksScenario } from './scenarios/duplicate-webhooks.js';

describe('fault: load on the teardown path', () => {
  it('1,000 duplicate deliveries of the same task-complete webhook revoke each lease once', async () => {
    const r = await duplicateWebhooksScenario({ leases: 20, deliveries: 1000, freshIds: 100 });
    console.log(`[fault] duplicate webhooks: ${r.notes.http_202} × 202, ${r.leases} leases revoked once each`, r.notes);
    expect(r.revoked).toBe(r.leases);
    expect(r.notes.http_202).toBe(1100);
    expect(r.notes.backend_calls_max_per_lease).toBe(1);
    expect(r.notes.backend_calls_total).toBe(r.leases);
    expect(r.notes.revoked_audits_max_per_lease).toBe(1);
    expect(r.notes.webhooks_processed).toBe(1 + 100); // the duplicates did no new work
    expect(r.notes.task_completing_events).toBe(1);
  }, 90_000);

  it('a task with 1,000 leases completed while 2 workers run: all revoked', async () => {
    const r = await bigTaskScenario({ leases: 1000, workers: 2 });
    console.log(`[fault] big task: ${r.revoked}/${r.leases} revoked in ${r.notes.all_revoked_ms} ms (p99 ${r.p99Ms} ms), issued in ${r.notes.issue_ms} ms`, r.notes);
    expect(r.revoked).toBe(r.leases);
    expect(r.lost).toBe(0);
    expect(r.notes.task_status).toBe('completed');
    expect(r.notes.workers_used).toBe(2);
  }, 120_000);
});
