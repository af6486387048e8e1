import { describe, expect, it } from 'vitest';
import { eventually, useStack } from '../support/stack.js';

const s = useStack();

describe('expiry-driven revocation', () => {
  it('expires a task at its TTL and revokes its leases by itself', async () => {
    const agent = s.agent('short-lived');
    const task = await agent.declareTask({ intent: 'two second job', scopes: [{ profile: 'ticket-read' }], ttl_seconds: 2 });
    const grant = await agent.getCredential(task.task_id, { profile: 'ticket-read' });
    expect(grant.ttl_clamped_by).toBe('task');
    expect((await agent.introspect(grant.credential.token as string)).active).toBe(true);

    const expired = await eventually(async () => {
      const t = await agent.getTask(task.task_id);
      return t.status === 'expired' && t.leases?.[0]?.status === 'revoked' ? t : null;
    }, 6000);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(task.expires_at));
    expect(expired.leases).toHaveLength(1);
    expect(await agent.introspect(grant.credential.token as string)).toEqual({ active: false });
    await expect(agent.requestCredential(task.task_id, { profile: 'ticket-read' })).rejects.toMatchObject({ status: 409, code: 'task_closed' });

    const types = (await agent.taskAudit(task.task_id)).map((e) => e.type);
    expect(types).toContain('task.expired');
    expect(types).toContain('lease.revoked');
  });

  it('revokes a lease at its own expiry while the task goes on', async () => {
    const agent = s.agent('short-lease');
    const task = await agent.declareTask({ intent: 'long job, short token', scopes: [{ profile: 'ticket-read' }], ttl_seconds: 600 });
    const grant = await agent.getCredential(task.task_id, { profile: 'ticket-read', ttl_seconds: 1 });
    expect(grant.ttl_seconds).toBe(1);
    const t = await eventually(async () => {
      const x = await agent.getTask(task.task_id);
      return x.leases?.[0]?.status === 'revoked' ? x : null;
    }, 5000);
    expect(t.status).toBe('active');
    const events = await agent.taskAudit(task.task_id);
    const revoked = events.find((e) => e.type === 'lease.revoked');
    expect(revoked?.reason).toBe('expiry');
  });

  it('completion revokes every lease of the task now, long before expiry', async () => {
    const agent = s.agent('completer');
    const task = await agent.declareTask({ intent: 'many tokens', scopes: [{ profile: 'ticket-read' }, { profile: 'github-comment' }], ttl_seconds: 600 });
    const grants = await Promise.all(
      Array.from({ length: 10 }, (_, i) => agent.getCredential(task.task_id, { profile: i % 2 ? 'ticket-read' : 'github-comment' })),
    );
    const started = Date.now();
    await agent.completeTask(task.task_id);
    const done = await agent.waitForTask(task.task_id, ['completed'], 5000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(done.leases?.map((l) => l.status)).toEqual(Array(10).fill('revoked'));
    for (const g of grants) expect((await agent.introspect(g.credential.token as string)).active).toBe(false);
    const events = await agent.taskAudit(task.task_id);
    expect(events.filter((e) => e.type === 'lease.revoked')).toHaveLength(10);
    expect(events.filter((e) => e.type === 'lease.revoked').every((e) => e.reason === 'early')).toBe(true);
    expect(events.at(-1)?.type).toBe('task.completed');
  });

  it('a repeated completion re-queues the teardown of a task whose closing process died before queueing it', async () => {
    const agent = s.agent('orphaned-close');
    const task = await agent.declareTask({ intent: 'closer dies', scopes: [{ profile: 'ticket-read' }], ttl_seconds: 600 });
    const g = await agent.getCredential(task.task_id, { profile: 'ticket-read' });
    // What a process killed right after closing the task leaves behind: status completing, no close job,
    // and (for this test) no sweeper entry either.
    const { taskStore } = s.tessera.deps;
    expect((await taskStore.close(task.task_id, 'completing', Date.now(), 'succeeded')).status).toBe('completing');
    await s.tessera.redis.zrem(`${s.cfg.redis.key_prefix}:tasks:closing`, task.task_id);
    expect((await agent.introspect(g.credential.token as string)).active).toBe(true);

    expect((await agent.completeTask(task.task_id)).status).toBe('completing');
    const done = await agent.waitForTask(task.task_id, ['completed'], 5000);
    expect(done.leases?.[0]?.status).toBe('revoked');
    expect((await agent.introspect(g.credential.token as string)).active).toBe(false);
  });
});
