import { describe, expect, it } from 'vitest';
import { Keys } from '../../src/store/keys.js';
import { eventually, useStack } from '../support/stack.js';

const s = useStack();

/** A task whose one lease was revoked when the task completed. */
async function revokedLease(sub: string) {
  const agent = s.agent(sub);
  const task = await agent.declareTask({ intent: `notices (${sub})`, scopes: [{ profile: 'ticket-read' }] });
  const g = await agent.getCredential(task.task_id, { profile: 'ticket-read' });
  await agent.completeTask(task.task_id);
  await agent.waitForTask(task.task_id, ['completed']);
  return { agent, task, g };
}

describe('revocation notices after a crash', () => {
  it('a notice left pending by a worker that died after writing its audit event is not written twice', async () => {
    const { agent, task, g } = await revokedLease('notice-agent');
    const count = async () => (await agent.taskAudit(task.task_id)).filter((e) => e.type === 'lease.revoked' && e.lease_id === g.lease_id).length;
    expect(await count()).toBe(1);

    // What a worker SIGKILLed between writing the audit event and clearing its marker leaves behind.
    const { leases, queue } = s.tessera.deps;
    const lease = (await leases.get(g.lease_id))!;
    await leases.update(lease, { pending_notice: 'revoked' });
    await queue.revokeLeaseNow(lease);
    await eventually(async () => !(await leases.get(g.lease_id))!.pendingNotice, 5000);
    expect(await count()).toBe(1);
  });

  it('a notice whose audit event was never written is written on the next run', async () => {
    const { agent, task, g } = await revokedLease('notice-agent-2');
    const { leases, queue } = s.tessera.deps;
    const redis = s.tessera.redis;
    // Remove the audit event, as if the worker died before writing it, and leave the marker set.
    const key = new Keys(s.cfg.redis.key_prefix).taskAudit(task.task_id);
    for (const [id, fields] of await redis.xrange(key, '-', '+')) {
      const e = JSON.parse(fields[1]!) as { type: string; lease_id?: string };
      if (e.type === 'lease.revoked' && e.lease_id === g.lease_id) await redis.xdel(key, id);
    }
    const lease = (await leases.get(g.lease_id))!;
    await leases.update(lease, { pending_notice: 'revoked' });
    await queue.revokeLeaseNow(lease);
    await eventually(async () => !(await leases.get(g.lease_id))!.pendingNotice, 5000);
    const events = (await agent.taskAudit(task.task_id)).filter((e) => e.type === 'lease.revoked' && e.lease_id === g.lease_id);
    expect(events).toHaveLength(1);
  });
});
