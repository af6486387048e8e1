import { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASE_EXPIRY_BUCKET_MS } from '../../src/revocation/jobs.js';
import { eventually } from '../support/stack.js';
import { issueMany, startFaultEnv, type FaultEnv } from '../faults/harness.js';

// The sweeper runs once at start and then not for 5 minutes: every revocation seen here is the queue's own.
let fe: FaultEnv;
beforeAll(async () => {
  fe = await startFaultEnv({ inProcessWorker: true, worker: { sweep_interval_seconds: 300 } });
});
afterAll(async () => {
  await fe?.close();
});

const queue = () => fe.stack.tessera.deps.queue.queue;
const bucketJobs = async () => (await queue().getDelayed()).filter((j) => j.name === 'expire-leases');

describe('lease expiry buckets', () => {
  it('a lease due later than 2 s has no job of its own: its bucket job, added once per bucket, revokes it at its time', async () => {
    const agent = await fe.agent('agent-buckets');
    const task = await agent.declareTask({ intent: 'bucketed expiry', scopes: [{ profile: 'fault' }], ttl_seconds: 600 });
    const grants = await issueMany(agent, task.task_id, 12, 12, 4);
    for (const g of grants) expect(await Job.fromId(queue(), g.lease_id)).toBeUndefined();

    const buckets = (await bucketJobs()).map((j) => (j.data as { dueBy: number }).dueBy);
    const leases = await fe.leases(task.task_id);
    expect(leases).toHaveLength(12);
    // One job per bucket the leases fall in (not one per lease), each lease in exactly one of them.
    expect(new Set(buckets).size).toBe(buckets.length);
    expect(buckets.length).toBeLessThan(leases.length);
    for (const l of leases) expect(buckets.filter((due) => l.revokeAt > due - LEASE_EXPIRY_BUCKET_MS && l.revokeAt <= due)).toHaveLength(1);

    await eventually(async () => grants.every((g) => fe.double.credentials.get(g.lease_id)?.revokedAt), 10_000);
    const after = await fe.leases(task.task_id);
    for (const l of after) {
      expect(l.status).toBe('revoked');
      // Never early; at most one bucket (plus the worker's own time) late.
      expect(fe.double.credentials.get(l.id)!.revokedAt!).toBeGreaterThanOrEqual(l.revokeAt);
    }
    const reasons = (await agent.taskAudit(task.task_id)).filter((e) => e.type === 'lease.revoked').map((e) => e.reason);
    expect(reasons).toEqual(Array(12).fill('expiry'));
    expect((await agent.getTask(task.task_id)).status).toBe('active');
  }, 20_000);

  it('a lease due within 2 s keeps a delayed job of its own, at its exact time', async () => {
    const agent = await fe.agent('agent-own-job');
    const task = await agent.declareTask({ intent: 'short lease', scopes: [{ profile: 'fault' }], ttl_seconds: 600 });
    const [g] = await issueMany(agent, task.task_id, 1, 1, 1);
    const job = await Job.fromId(queue(), g!.lease_id);
    expect(await job?.getState()).toBe('delayed');
    const [lease] = await fe.leases(task.task_id);
    // BullMQ stamps the job a moment after the delay was computed from the lease's time.
    expect(job!.timestamp + job!.delay).toBeGreaterThanOrEqual(lease!.revokeAt);
    expect(job!.timestamp + job!.delay).toBeLessThan(lease!.revokeAt + 100);
    await eventually(async () => fe.double.credentials.get(g!.lease_id)?.revokedAt, 5000);
  });

  it('completing the task revokes bucketed leases at once, long before their time', async () => {
    const agent = await fe.agent('agent-complete');
    const task = await agent.declareTask({ intent: 'complete early', scopes: [{ profile: 'fault' }], ttl_seconds: 600 });
    const grants = await issueMany(agent, task.task_id, 5, 5, 300);
    await agent.completeTask(task.task_id);
    const done = await agent.waitForTask(task.task_id, ['completed'], 8000);
    expect(done.leases?.every((l) => l.status === 'revoked')).toBe(true);
    expect(grants.every((g) => fe.double.credentials.get(g.lease_id)?.revokedAt)).toBe(true);
  });
});
