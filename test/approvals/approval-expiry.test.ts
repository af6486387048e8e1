import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraClient } from '../../src/client/tessera-client.js';
import { eventually, startStack, type Stack } from '../support/stack.js';
import { call, clientFor } from './helpers.js';

let s: Stack;
let approver: TesseraClient;

beforeAll(async () => {
  s = await startStack({
    patch: (cfg) => {
      cfg.profiles['change-admin'] = { backend: 'broker-token', audience: 'https://changes.example', max_ttl_seconds: 600, approval: 'required' };
      cfg.policy = { approvals: { ttl_seconds: 2, sweep_interval_seconds: 1 } };
    },
  });
  approver = clientFor(s, 'approver');
});
afterAll(async () => {
  await s?.close();
});

async function pending(agent: TesseraClient) {
  const task = await agent.declareTask({ intent: 'needs approval', scopes: [{ profile: 'change-admin' }] });
  const r = (await agent.requestCredential(task.task_id, { profile: 'change-admin' })) as { approval_id: string; status: string; expires_at: string };
  return { task, id: r.approval_id, r };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('approval expiry', () => {
  it('expires a pending approval nobody decided: the agent sees expired, approvers can no longer approve', async () => {
    const agent = clientFor(s, 'agent-x');
    const { task, id, r } = await pending(agent);
    expect(Date.parse(r.expires_at) - Date.now()).toBeLessThanOrEqual(2000);
    await sleep(2100);
    expect(await call(agent, 'GET', `/v1/approvals/${id}`)).toMatchObject({ status: 'expired', credential_delivered: false });
    expect(await call(approver, 'POST', `/v1/approvals/${id}/approve`, {})).toMatchObject({ status: 409, code: 'approval_not_pending', body: { approval_status: 'expired' } });
    const expired = (await agent.taskAudit(task.task_id)).filter((e) => e.type === 'approval.expired');
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ actor: 'approval-expiry', reason: 'not decided in time' });
  });

  it('the sweeper expires and audits approvals nobody looks at', async () => {
    const agent = clientFor(s, 'agent-y');
    const { task } = await pending(agent);
    const ev = await eventually(async () => (await agent.taskAudit(task.task_id)).find((e) => e.type === 'approval.expired'), 6000, 100);
    expect(ev).toMatchObject({ detail: { was: 'pending' } });
  });

  it('an approved credential not collected in time expires too', async () => {
    const agent = clientFor(s, 'agent-z');
    const { task, id } = await pending(agent);
    expect(await call(approver, 'POST', `/v1/approvals/${id}/approve`, {})).toMatchObject({ status: 'approved' });
    await sleep(2100);
    const r = await call(agent, 'GET', `/v1/approvals/${id}`);
    expect(r).toMatchObject({ status: 'expired', credential_delivered: false });
    expect(r.grant).toBeUndefined();
    expect((await agent.getTask(task.task_id)).leases).toEqual([]);
    expect((await agent.taskAudit(task.task_id)).find((e) => e.type === 'approval.expired')).toMatchObject({ reason: 'not collected in time', detail: { was: 'approved' } });
  });
});
