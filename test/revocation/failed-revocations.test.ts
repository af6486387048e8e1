import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraClient } from '../../src/client/tessera-client.js';
import { eventually } from '../support/stack.js';
import { issueMany, startFaultEnv, type FaultEnv } from '../faults/harness.js';

let fe: FaultEnv;
let admin: TesseraClient;
beforeAll(async () => {
  // Slow schedule far away (60 s), so only an admin retry (or a returning backend) can revoke within the test.
  fe = await startFaultEnv({ inProcessWorker: true, worker: { attempts: 2, slow_retry_seconds: 60, retry_grace_seconds: 1 } });
  admin = await fe.agent('admin');
});
afterAll(async () => {
  await fe?.close();
});

type FailedList = { count: number; leases: Array<Record<string, any>> };
const failedList = () => admin.call<FailedList>('GET', '/v1/admin/revocations/failed');
const statusOf = async (taskId: string, leaseId: string) => (await fe.leases(taskId)).find((l) => l.id === leaseId)?.status;

describe('failed revocations', () => {
  it('marks a lease revoke_failed after its quick attempts, alerts once, lists it, and lets an admin retry or resolve it', async () => {
    const agent = await fe.agent('agent-failing');
    const task = await agent.declareTask({ intent: 'backend refuses', scopes: [{ profile: 'fault' }] });
    const [g1, g2] = await issueMany(agent, task.task_id, 2);
    const idle = await agent.declareTask({ intent: 'still running', scopes: [{ profile: 'fault' }] });
    const [healthy] = await issueMany(agent, idle.task_id, 1);
    fe.double.failRevokes(503);
    await agent.completeTask(task.task_id);

    await eventually(async () => (await fe.leases(task.task_id)).every((l) => l.status === 'revoke_failed'), 10_000);
    await eventually(async () => fe.alerts.alerts.length >= 2, 10_000);
    await new Promise((r) => setTimeout(r, 1500)); // no second alert for the same lease
    expect(fe.alerts.rejected).toBe(0);
    expect(fe.alerts.alerts.map((a) => a.data.lease_id).sort()).toEqual([g1!.lease_id, g2!.lease_id].sort());
    expect(fe.alerts.alerts[0]).toMatchObject({ type: 'lease.revoke_failed', data: { task_id: task.task_id, backend: 'broker-token', attempts: 2, permanent: false } });
    expect(fe.alerts.alerts[0]!.id).toMatch(/^msg_lease_revoke_failed_lse_/);

    const events = await agent.taskAudit(task.task_id);
    expect(events.filter((e) => e.type === 'lease.revoke_failed')).toHaveLength(2);
    const metrics = await (await fetch(`${fe.stack.url}/metrics`)).text();
    expect(metrics).toMatch(/tessera_revocations_failed_total\{backend="broker-token",permanent="false"\} 2/);
    expect(metrics).toMatch(/^tessera_revocations_failing 2/m);

    const list = await failedList();
    expect(list.count).toBe(2);
    expect(list.leases[0]).toMatchObject({ status: 'revoke_failed', state: 'retrying', attempts: 2, last_error: 'revocation endpoint answered 503', agent: { subject: 'agent-failing' } });
    expect(Date.parse(list.leases[0]!.next_attempt_at)).toBeGreaterThan(Date.now() + 30_000);
    await expect(agent.call('GET', '/v1/admin/revocations/failed')).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    await expect(admin.call('POST', `/v1/admin/revocations/${healthy!.lease_id}/retry`)).rejects.toMatchObject({ status: 409, code: 'lease_not_failed' });
    await expect(admin.call('POST', '/v1/admin/revocations/lse_AAAAAAAAAAAAAAAAAAAAAA/retry')).rejects.toMatchObject({ status: 404, code: 'lease_not_found' });

    // The backend heals; an admin retries one lease now and resolves the other by hand.
    fe.double.failRevokes(null);
    expect(await admin.call('POST', `/v1/admin/revocations/${g1!.lease_id}/retry`)).toMatchObject({ lease_id: g1!.lease_id, retry: 'queued' });
    await eventually(async () => (await statusOf(task.task_id, g1!.lease_id)) === 'revoked', 5000);
    expect(fe.double.credentials.get(g1!.lease_id)?.revokedAt).not.toBeNull();

    await expect(admin.call('POST', `/v1/admin/revocations/${g2!.lease_id}/resolve`, {})).rejects.toMatchObject({ status: 400 });
    const resolved = await admin.call<Record<string, any>>('POST', `/v1/admin/revocations/${g2!.lease_id}/resolve`, { note: 'token deleted by hand in the tool console' });
    expect(resolved).toMatchObject({ status: 'revoked', resolved_by: `${fe.stack.issuer.issuer}|admin`, resolution_note: 'token deleted by hand in the tool console' });
    await eventually(async () => (await failedList()).count === 0, 5000);
    await agent.waitForTask(task.task_id, ['completed'], 5000);
    const after = await agent.taskAudit(task.task_id);
    expect(after.find((e) => e.type === 'lease.revoked' && e.lease_id === g2!.lease_id)).toMatchObject({ actor: `${fe.stack.issuer.issuer}|admin`, reason: 'resolved_by_admin' });
    expect(after.find((e) => e.type === 'lease.revoke_requested' && e.lease_id === g1!.lease_id)).toMatchObject({ reason: 'admin_retry' });
    expect(await statusOf(idle.task_id, healthy!.lease_id)).toBe('active');
  });

  it('sends a permanent refusal straight to revoke_failed, and re-delivers an alert the receiver refused', async () => {
    const agent = await fe.agent('agent-forbidden');
    const task = await agent.declareTask({ intent: 'backend says 403', scopes: [{ profile: 'fault' }] });
    const [g] = await issueMany(agent, task.task_id, 1);
    const before = fe.alerts.alerts.length;
    fe.alerts.failNext(1);
    fe.double.failRevokes(403);
    await agent.revokeLease(g!.lease_id);
    await eventually(async () => fe.alerts.alerts.length > before, 10_000);
    fe.double.failRevokes(null);
    expect(fe.alerts.alerts.at(-1)).toMatchObject({ type: 'lease.revoke_failed', data: { lease_id: g!.lease_id, attempts: 1, permanent: true } });
    const [lease] = await fe.leases(task.task_id);
    expect(lease).toMatchObject({ status: 'revoke_failed', attempts: 1 });
    expect(lease!.retry?.lastErrorPermanent).toBe(true);
    await admin.call('POST', `/v1/admin/revocations/${g!.lease_id}/resolve`, { note: 'checked: the tool rejects the token' });
    expect((await fe.leases(task.task_id))[0]?.status).toBe('revoked');
  });

  it('stops retrying once the credential has expired plus grace: the lease ends expired, unconfirmed, alerted and listed', async () => {
    const agent = await fe.agent('agent-unconfirmed');
    const task = await agent.declareTask({ intent: 'short credential, dead backend', scopes: [{ profile: 'fault' }] });
    const [g] = await issueMany(agent, task.task_id, 1, 1, 2);
    fe.double.failRevokes(503);
    const lease = await eventually(async () => {
      const [l] = await fe.leases(task.task_id);
      return l?.status === 'expired' ? l : null;
    }, 10_000);
    fe.double.failRevokes(null);
    expect(lease.retry).toMatchObject({ unconfirmed: true, resolvedBy: null });
    expect(lease.revokedAt).toBeNull();
    await eventually(async () => fe.alerts.alerts.some((a) => a.type === 'lease.revocation_unconfirmed' && a.data.lease_id === g!.lease_id), 5000);
    const events = await agent.taskAudit(task.task_id);
    expect(events.find((e) => e.type === 'lease.expired')).toMatchObject({ outcome: 'failure', reason: 'revocation_unconfirmed' });

    const listed = (await failedList()).leases.find((l) => l.lease_id === g!.lease_id);
    expect(listed).toMatchObject({ status: 'expired', state: 'unconfirmed', next_attempt_at: null });
    await expect(admin.call('POST', `/v1/admin/revocations/${g!.lease_id}/retry`)).rejects.toMatchObject({ status: 409, code: 'lease_not_failed' });
    const resolved = await admin.call<Record<string, any>>('POST', `/v1/admin/revocations/${g!.lease_id}/resolve`, { note: 'expired at the backend, verified' });
    expect(resolved).toMatchObject({ status: 'expired', resolved_by: `${fe.stack.issuer.issuer}|admin` });
    expect((await failedList()).leases.find((l) => l.lease_id === g!.lease_id)).toBeUndefined();
    await expect(admin.call('POST', `/v1/admin/revocations/${g!.lease_id}/resolve`, { note: 'again' })).rejects.toMatchObject({ status: 409 });
  });
});
