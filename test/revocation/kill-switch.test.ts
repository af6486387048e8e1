import { describe, expect, it } from 'vitest';
import { useStack } from '../support/stack.js';

const s = useStack();

const who = (sub: string) => ({ issuer: s.issuer.issuer, subject: sub });

describe('kill switch: POST /v1/admin/agents/revoke', () => {
  it('revokes every open task and lease of an identity, its delegated sub-tasks too, and refuses it until unblocked', async () => {
    const rogue = s.agent('rogue');
    const t1 = await rogue.declareTask({ intent: 'one', scopes: [{ profile: 'ticket-read' }, { profile: 'github-comment' }] });
    const t2 = await rogue.declareTask({ intent: 'two', scopes: [{ profile: 'ticket-read' }] });
    const grants = [
      await rogue.getCredential(t1.task_id, { profile: 'ticket-read' }),
      await rogue.getCredential(t1.task_id, { profile: 'github-comment' }),
      await rogue.getCredential(t2.task_id, { profile: 'ticket-read' }),
    ];
    const sub = await rogue.call<{ task_id: string }>('POST', '/v1/tasks', { intent: 'helper', scopes: [{ profile: 'ticket-read' }], parent_task_id: t2.task_id, delegate_to: who('helper-k') });
    const helperGrant = await s.agent('helper-k').getCredential(sub.task_id, { profile: 'ticket-read' });
    const bystander = s.agent('bystander-k');
    const bt = await bystander.declareTask({ intent: 'unrelated', scopes: [{ profile: 'ticket-read' }] });
    const bGrant = await bystander.getCredential(bt.task_id, { profile: 'ticket-read' });

    await expect(rogue.call('POST', '/v1/admin/agents/revoke', who('rogue'))).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    const admin = s.agent('admin');
    expect(await admin.call('POST', '/v1/admin/agents/revoke', who('rogue'))).toMatchObject({ ...who('rogue'), blocked: true, tasks_closed: 2 });

    for (const id of [t1.task_id, t2.task_id]) {
      const t = await admin.call<{ status: string; leases: Array<{ status: string }> }>('GET', `/v1/tasks/${id}`);
      expect(['completing', 'completed']).toContain(t.status);
    }
    for (const id of [t1.task_id, t2.task_id, sub.task_id]) {
      const t = await s.agent('admin').waitForTask(id, ['completed'], 5000);
      expect(t.leases?.every((l) => l.status === 'revoked')).toBe(true);
    }
    for (const g of [...grants, helperGrant]) expect(await bystander.introspect(g.credential.token as string)).toEqual({ active: false });
    expect(await bystander.introspect(bGrant.credential.token as string)).toMatchObject({ active: true });

    // Refused until unblocked: new tasks, credentials, and delegations to it.
    await expect(rogue.declareTask({ intent: 'again', scopes: [{ profile: 'ticket-read' }] })).rejects.toMatchObject({ status: 403, code: 'agent_blocked' });
    await expect(rogue.requestCredential(t1.task_id, { profile: 'ticket-read' })).rejects.toMatchObject({ status: 403, code: 'agent_blocked' });
    await expect(bystander.call('POST', '/v1/tasks', { intent: 'hand over', scopes: [{ profile: 'ticket-read' }], parent_task_id: bt.task_id, delegate_to: who('rogue') })).rejects.toMatchObject({ status: 403, code: 'agent_blocked' });

    expect(await admin.call('POST', '/v1/admin/agents/unblock', who('rogue'))).toMatchObject({ blocked: false, was_blocked: true });
    const fresh = await rogue.declareTask({ intent: 'after unblock', scopes: [{ profile: 'ticket-read' }] });
    expect((await rogue.getCredential(fresh.task_id, { profile: 'ticket-read' })).lease_id).toMatch(/^lse_/);

    const events = await admin.call<{ events: Array<Record<string, any>> }>('GET', '/v1/admin/audit?limit=500');
    const blocked = events.events.find((e) => e.type === 'agent.blocked' && e.agent?.subject === 'rogue');
    expect(blocked).toMatchObject({ outcome: 'success', actor: `${s.issuer.issuer}|admin` });
    expect(events.events.find((e) => e.type === 'agent.unblocked' && e.agent?.subject === 'rogue')).toMatchObject({ actor: `${s.issuer.issuer}|admin` });
    const t1Audit = await admin.call<{ events: Array<Record<string, any>> }>('GET', `/v1/admin/audit?task_id=${t1.task_id}`);
    expect(t1Audit.events.find((e) => e.type === 'task.completing')).toMatchObject({ reason: 'agent_revoked', actor: `${s.issuer.issuer}|admin` });
  });
});
