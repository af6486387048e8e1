import { describe, expect, it } from 'vitest';
import { Keys } from '../../src/store/keys.js';
import { useStack } from '../support/stack.js';

const s = useStack();

describe('audit trail', () => {
  it('records every step in order, with intent, identity and lease, and never a credential value', async () => {
    const agent = s.agent('audited');
    const task = await agent.declareTask({ intent: 'read ticket 7 and summarise', scopes: [{ profile: 'ticket-read', resources: ['ticket:7'] }] });
    const grant = await agent.getCredential(task.task_id, { profile: 'ticket-read', resources: ['ticket:7'], reason: 'need the history' });
    await agent.completeTask(task.task_id);
    await agent.waitForTask(task.task_id, ['completed']);
    const events = await agent.taskAudit(task.task_id);
    expect(events.map((e) => e.type)).toEqual(['task.declared', 'decision', 'credential.minted', 'task.completing', 'lease.revoked', 'task.completed']);
    const minted = events.find((e) => e.type === 'credential.minted')!;
    expect(minted).toMatchObject({
      outcome: 'success',
      agent: { issuer: s.issuer.issuer, subject: 'audited' },
      task_id: task.task_id,
      intent: 'read ticket 7 and summarise',
      profile: 'ticket-read',
      lease_id: grant.lease_id,
      resources: ['ticket:7'],
    });
    const { createHash } = await import('node:crypto');
    expect(minted.credential_sha256).toBe(createHash('sha256').update(grant.credential.token as string).digest('hex'));
    const decision = events.find((e) => e.type === 'decision')!;
    expect(decision.outcome).toBe('allow');
    expect(typeof decision.request_id).toBe('string');
    // Nothing anywhere in Redis holds the token (task trail, global stream, lease records).
    const token = grant.credential.token as string;
    const signature = token.split('.')[2]!;
    const keys = await s.tessera.redis.keys('*');
    for (const key of keys) {
      const type = await s.tessera.redis.type(key);
      const dump =
        type === 'string' ? await s.tessera.redis.get(key)
        : type === 'hash' ? JSON.stringify(await s.tessera.redis.hgetall(key))
        : type === 'stream' ? JSON.stringify(await s.tessera.redis.xrange(key, '-', '+'))
        : type === 'zset' ? JSON.stringify(await s.tessera.redis.zrange(key, 0, -1))
        : type === 'set' ? JSON.stringify(await s.tessera.redis.smembers(key))
        : type === 'list' ? JSON.stringify(await s.tessera.redis.lrange(key, 0, -1))
        : '';
      expect(dump ?? '', `key ${key}`).not.toContain(signature);
    }
  });

  it('records denials with the reason', async () => {
    const agent = s.agent('denied');
    const task = await agent.declareTask({ intent: 'narrow', scopes: [{ profile: 'ticket-read', resources: ['ticket:1'] }] });
    await expect(agent.requestCredential(task.task_id, { profile: 'ticket-read', resources: ['ticket:2'] })).rejects.toMatchObject({ code: 'scope_not_declared' });
    const admin = s.agent('admin');
    const all = await admin.call<{ events: Array<{ type: string; outcome: string; reason?: string; resources?: string[] }> }>(
      'GET',
      `/v1/admin/audit?task_id=${task.task_id}`,
    );
    expect(all.events.map((e) => e.type)).toEqual(['task.declared', 'decision']);
    expect(all.events[1]).toMatchObject({ outcome: 'deny', reason: 'scope_not_declared', resources: ['ticket:2'] });
    // Another agent poking at the task is recorded in the owner's trail too.
    await expect(s.agent('snoop').requestCredential(task.task_id, { profile: 'ticket-read' })).rejects.toMatchObject({ code: 'task_not_owner' });
    const after = await agent.taskAudit(task.task_id);
    expect(after.at(-1)).toMatchObject({ type: 'decision', outcome: 'deny', reason: 'task_not_owner', agent: { subject: 'snoop' } });
    await expect(agent.call('GET', '/v1/admin/audit')).rejects.toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('fails closed: when the audit record cannot be written, no credential is issued (503 audit_unavailable)', async () => {
    const agent = s.agent('no-audit');
    const task = await agent.declareTask({ intent: 'audit breaks', scopes: [{ profile: 'ticket-read' }] });
    const keys = new Keys(s.cfg.redis.key_prefix);
    // Make the task's audit stream unwritable (wrong type): XADD fails.
    await s.tessera.redis.del(keys.taskAudit(task.task_id));
    await s.tessera.redis.set(keys.taskAudit(task.task_id), 'not a stream');
    const err = await agent.requestCredential(task.task_id, { profile: 'ticket-read' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, code: 'audit_unavailable' });
    expect(JSON.stringify((err as { body: unknown }).body)).not.toContain('WRONGTYPE');
    const t = await agent.getTask(task.task_id);
    expect(t.leases).toEqual([]);
  });
});
