import { describe, expect, it } from 'vitest';
import type { TaskInfo } from '../../src/client/tessera-client.js';
import { useStack } from '../support/stack.js';

const s = useStack({ patch: (cfg) => (cfg.tasks.max_delegation_depth = 2) });

type Delegated = TaskInfo & { delegated_by: unknown; principal: unknown; act: unknown; depth: number };
const who = (sub: string) => ({ issuer: s.issuer.issuer, subject: sub });

describe('delegation: parent_task_id + delegate_to hands a sub-task to another agent', () => {
  it('creates a sub-task owned by the delegate, bounded by the parent, with the chain as RFC 8693 act claims', async () => {
    const planner = s.agent('planner');
    const root = await planner.declareTask({
      intent: 'triage ticket 4412',
      scopes: [{ profile: 'github-comment', resources: ['repo:acme/web', 'repo:acme/api'] }, { profile: 'ticket-read' }],
      ttl_seconds: 600,
    });
    const child = await planner.call<Delegated>('POST', '/v1/tasks', {
      intent: 'post the summary comment',
      scopes: [{ profile: 'github-comment', resources: ['repo:acme/web'] }],
      ttl_seconds: 3600,
      parent_task_id: root.task_id,
      delegate_to: who('commenter'),
    });
    expect(child).toMatchObject({ agent: who('commenter'), parent_task_id: root.task_id, depth: 1, ttl_clamped_by: 'parent_task', delegated_by: who('planner'), principal: who('planner') });
    expect(child.act).toEqual({ iss: s.issuer.issuer, sub: 'commenter' });
    expect(Date.parse(child.expires_at)).toBeLessThanOrEqual(Date.parse(root.expires_at));

    // The delegate works under it; the delegator may look but not mint.
    const commenter = s.agent('commenter');
    const grant = await commenter.getCredential(child.task_id, { profile: 'github-comment', resources: ['repo:acme/web'] });
    await expect(commenter.requestCredential(child.task_id, { profile: 'github-comment', resources: ['repo:acme/api'] })).rejects.toMatchObject({ code: 'scope_not_declared' });
    await expect(planner.requestCredential(child.task_id, { profile: 'github-comment', resources: ['repo:acme/web'] })).rejects.toMatchObject({ status: 403, code: 'task_not_owner' });
    expect((await planner.getTask(child.task_id)).agent).toEqual(who('commenter'));
    await expect(s.agent('bystander').getTask(child.task_id)).rejects.toMatchObject({ status: 403 });

    // One level further: the delegate hands part of it on; the act chain nests the earlier actor.
    const grandchild = await commenter.call<Delegated>('POST', '/v1/tasks', {
      intent: 'proof-read the comment',
      scopes: [{ profile: 'github-comment', resources: ['repo:acme/web'] }],
      parent_task_id: child.task_id,
      delegate_to: who('proofreader'),
    });
    expect(grandchild).toMatchObject({ depth: 2, principal: who('planner'), delegated_by: who('commenter') });
    expect(grandchild.act).toEqual({ iss: s.issuer.issuer, sub: 'proofreader', act: { iss: s.issuer.issuer, sub: 'commenter' } });
    const g2 = await s.agent('proofreader').getCredential(grandchild.task_id, { profile: 'github-comment', resources: ['repo:acme/web'] });

    const audit = await s.agent('admin').call<{ events: Array<Record<string, any>> }>('GET', `/v1/admin/audit?task_id=${grandchild.task_id}`);
    const declared = audit.events.find((e) => e.type === 'task.declared');
    expect(declared).toMatchObject({ actor: `${s.issuer.issuer}|commenter`, agent: who('proofreader') });
    expect(declared!.detail).toMatchObject({ principal: who('planner'), act: grandchild.act, delegated_by: who('commenter'), depth: 2 });
    expect(audit.events.find((e) => e.type === 'credential.minted')!.detail).toMatchObject({ principal: who('planner'), act: grandchild.act });

    // Completing the root revokes every descendant's leases.
    await planner.completeTask(root.task_id);
    for (const [agent, id] of [[commenter, child.task_id], [s.agent('proofreader'), grandchild.task_id]] as const) {
      const t = await agent.waitForTask(id, ['completed'], 5000);
      expect(t.leases?.every((l) => l.status === 'revoked')).toBe(true);
    }
    expect(await commenter.introspect(grant.credential.token as string)).toEqual({ active: false });
    expect(await commenter.introspect(g2.credential.token as string)).toEqual({ active: false });
  });

  it('refuses delegations that would widen the scope, exceed the depth or come from a non-owner', async () => {
    const owner = s.agent('owner-d');
    const root = await owner.declareTask({ intent: 'root', scopes: [{ profile: 'github-comment', resources: ['repo:acme/web'] }] });
    const base = { intent: 'sub', parent_task_id: root.task_id, delegate_to: who('helper') };
    await expect(owner.call('POST', '/v1/tasks', { ...base, scopes: [{ profile: 'ticket-read' }] })).rejects.toMatchObject({ status: 403, code: 'scope_not_declared' });
    await expect(owner.call('POST', '/v1/tasks', { ...base, scopes: [{ profile: 'github-comment', resources: ['repo:acme/payroll'] }] })).rejects.toMatchObject({ code: 'scope_not_declared' });
    await expect(owner.call('POST', '/v1/tasks', { ...base, scopes: [{ profile: 'github-comment' }] })).rejects.toMatchObject({ code: 'scope_not_declared' });
    await expect(s.agent('helper').call('POST', '/v1/tasks', { ...base, scopes: [{ profile: 'github-comment', resources: ['repo:acme/web'] }] })).rejects.toMatchObject({ status: 403, code: 'task_not_owner' });
    await expect(owner.call('POST', '/v1/tasks', { intent: 'x', scopes: [{ profile: 'ticket-read' }], delegate_to: who('helper') })).rejects.toMatchObject({ status: 400 });
    await expect(owner.call('POST', '/v1/tasks', { ...base, delegate_to: { issuer: 'https://evil.example', subject: 'x' }, scopes: [{ profile: 'github-comment', resources: ['repo:acme/web'] }] })).rejects.toMatchObject({ status: 400 });

    const scopes = [{ profile: 'github-comment', resources: ['repo:acme/web'] }];
    const d1 = await owner.call<Delegated>('POST', '/v1/tasks', { ...base, scopes });
    const d2 = await s.agent('helper').call<Delegated>('POST', '/v1/tasks', { intent: 'sub-sub', scopes, parent_task_id: d1.task_id, delegate_to: who('helper-2') });
    expect(d2.depth).toBe(2);
    await expect(s.agent('helper-2').call('POST', '/v1/tasks', { intent: 'too deep', scopes, parent_task_id: d2.task_id })).rejects.toMatchObject({ status: 403, code: 'policy_denied' });

    // A closed parent accepts no sub-task.
    await owner.completeTask(root.task_id);
    await expect(owner.call('POST', '/v1/tasks', { ...base, scopes })).rejects.toMatchObject({ status: 409, code: 'task_closed' });
  });

  it('a delegated sub-task ends no later than its parent, and its leases are revoked', async () => {
    const owner = s.agent('owner-exp');
    const root = await owner.declareTask({ intent: 'short root', scopes: [{ profile: 'ticket-read' }], ttl_seconds: 3 });
    const child = await owner.call<Delegated>('POST', '/v1/tasks', { intent: 'sub', scopes: [{ profile: 'ticket-read' }], parent_task_id: root.task_id, delegate_to: who('worker-exp') });
    const grant = await s.agent('worker-exp').getCredential(child.task_id, { profile: 'ticket-read' });
    expect(grant.ttl_clamped_by).toBe('task');
    const t = await s.agent('worker-exp').waitForTask(child.task_id, ['expired', 'completed'], 8000);
    expect(t.leases?.[0]?.status).toBe('revoked');
    expect(Date.parse(t.expires_at)).toBeLessThanOrEqual(Date.parse(root.expires_at));
    expect((await owner.waitForTask(root.task_id, ['expired'], 5000)).status).toBe('expired');
  });
});
