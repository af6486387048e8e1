import { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keys } from '../../src/store/keys.js';
import { eventually } from '../support/stack.js';
import { issueMany, startFaultEnv, type FaultEnv } from '../faults/harness.js';

let fe: FaultEnv;
let keys: Keys;
beforeAll(async () => {
  fe = await startFaultEnv({ inProcessWorker: true, worker: { attempts: 2, slow_retry_seconds: 8, sweep_interval_seconds: 1 } });
  keys = new Keys(fe.stack.cfg.redis.key_prefix);
});
afterAll(async () => {
  await fe?.close();
});

const queue = () => fe.stack.tessera.deps.queue.queue;
const removeJob = async (id: string) => (await Job.fromId(queue(), id))?.remove();

describe('sweeper', () => {
  it('runs as a BullMQ job scheduler', async () => {
    const scheduler = await queue().getJobScheduler('tessera-sweeper');
    expect(scheduler).toMatchObject({ name: 'sweep', every: 1000 });
  });

  it('repairs missed teardown: a lost lease job, a lost expiry bucket job, a lost expiry job, a lost close job, orphan index entries', async () => {
    const agent = await fe.agent('agent-sweeper');
    const redis = fe.stack.tessera.redis;

    // (a) A lease whose revocation job vanished: revoked anyway once due.
    const t1 = await agent.declareTask({ intent: 'lost lease job', scopes: [{ profile: 'fault' }] });
    const [short] = await issueMany(agent, t1.task_id, 1, 1, 1);
    await removeJob(short!.lease_id);

    // (a2) A lease due later, whose expiry bucket's job vanished: revoked anyway once due.
    const [later] = await issueMany(agent, t1.task_id, 1, 1, 3);
    const bucket = (await queue().getDelayed()).find((j) => j.name === 'expire-leases');
    expect(bucket).toBeDefined();
    await bucket!.remove();

    // (b) A task whose expiry job vanished: expired anyway, its lease revoked.
    const t2 = await agent.declareTask({ intent: 'lost expiry job', scopes: [{ profile: 'fault' }], ttl_seconds: 3 });
    const [inT2] = await issueMany(agent, t2.task_id, 1);
    await removeJob(`exp_${t2.task_id}`);

    // (c) A task closed, then the process died before queueing its teardown.
    const t3 = await agent.declareTask({ intent: 'lost close job', scopes: [{ profile: 'fault' }] });
    const inT3 = await issueMany(agent, t3.task_id, 2);
    await fe.stack.tessera.deps.taskStore.close(t3.task_id, 'completing', Date.now(), 'succeeded');

    // (d) Write-ahead index entries whose lease was never written.
    await redis.zadd(keys.openLeases(), Date.now() - 10_000, 'lse_orphanorphanorphan00');
    await redis.zadd(keys.pendingLeases(), Date.now() - 10_000, 'lse_orphanorphanorphan01');

    await eventually(async () => fe.double.credentials.get(short!.lease_id)?.revokedAt, 8000);
    await eventually(async () => fe.double.credentials.get(later!.lease_id)?.revokedAt, 10_000);
    await eventually(async () => (await agent.getTask(t2.task_id)).status === 'expired', 8000);
    await eventually(async () => fe.double.credentials.get(inT2!.lease_id)?.revokedAt, 8000);
    const done = await agent.waitForTask(t3.task_id, ['completed'], 12_000);
    expect(done.leases?.map((l) => l.status)).toEqual(['revoked', 'revoked']);
    expect(inT3.every((g) => fe.double.credentials.get(g.lease_id)?.revokedAt)).toBe(true);
    await eventually(async () => (await redis.zscore(keys.openLeases(), 'lse_orphanorphanorphan00')) === null, 5000);
    await eventually(async () => (await redis.zscore(keys.pendingLeases(), 'lse_orphanorphanorphan01')) === null, 5000);
    expect(await redis.zcard(keys.closingTasks())).toBeLessThanOrEqual(1);
    const metrics = await (await fetch(`${fe.stack.url}/metrics`)).text();
    expect(metrics).toMatch(/tessera_sweeper_repairs_total\{kind="lease_requeued"\} [1-9]/);
    expect(metrics).toMatch(/tessera_sweeper_repairs_total\{kind="task_expired"\} [1-9]/);
    expect(metrics).toMatch(/tessera_sweeper_repairs_total\{kind="task_teardown"\} [1-9]/);
  }, 30_000);

  it('runs one sweep at a time: nothing is swept while another worker holds the lock', async () => {
    const redis = fe.stack.tessera.redis;
    await redis.set(keys.sweeperLock(), 'someone-else', 'PX', 10_000);
    await redis.zadd(keys.openLeases(), Date.now() - 10_000, 'lse_orphanorphanorphan02');
    await new Promise((r) => setTimeout(r, 2500));
    expect(await redis.zscore(keys.openLeases(), 'lse_orphanorphanorphan02')).not.toBeNull();
    await redis.del(keys.sweeperLock());
    await eventually(async () => (await redis.zscore(keys.openLeases(), 'lse_orphanorphanorphan02')) === null, 5000);
  });

  it('retries revoke_failed leases as soon as their backend answers again, ahead of the slow schedule', async () => {
    const agent = await fe.agent('agent-kick');
    const task = await agent.declareTask({ intent: 'backend outage', scopes: [{ profile: 'fault' }] });
    await issueMany(agent, task.task_id, 3);
    await fe.double.down();
    await agent.completeTask(task.task_id);
    await eventually(async () => (await fe.leases(task.task_id)).every((l) => l.status === 'revoke_failed'), 8000);
    const lastAttempt = Math.max(...(await fe.leases(task.task_id)).map((l) => l.retry!.lastAttemptAt!));
    await fe.double.up();
    const tUp = Date.now();
    await agent.waitForTask(task.task_id, ['completed'], 8000);
    const leases = await fe.leases(task.task_id);
    const latest = Math.max(...leases.map((l) => l.revokedAt!));
    expect(latest - lastAttempt).toBeLessThan(7200); // the slow retry would come 7.2–8.8 s after the last attempt
    console.log(`[revocation] revoke_failed leases revoked ${latest - tUp} ms after the backend returned (slow schedule: 8 s)`);
  }, 30_000);
});
