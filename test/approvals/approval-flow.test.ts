import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraClient } from '../../src/client/tessera-client.js';
import { Keys } from '../../src/store/keys.js';
import { AgentBlocklist } from '../../src/tasks/agent-blocklist.js';
import { verifyWebhook } from '../../src/webhooks/standard-webhooks.js';
import { policyDir } from '../policy/helpers.js';
import { eventually, startStack, type Stack } from '../support/stack.js';
import { APPROVAL_POLICIES, call, clientFor, NOTIFY_SECRET, startReceiver, type Receiver } from './helpers.js';

let s: Stack;
let hook: Receiver;
let approver: TesseraClient;

beforeAll(async () => {
  hook = await startReceiver();
  process.env.TEST_APPROVAL_NOTIFY_SECRET = NOTIFY_SECRET;
  s = await startStack({
    patch: (cfg) => {
      cfg.profiles['change-admin'] = { backend: 'broker-token', audience: 'https://changes.example', max_ttl_seconds: 600, approval: 'required' };
      cfg.policy = {
        engine: 'cedar',
        policies_dir: policyDir(APPROVAL_POLICIES),
        approvals: { ttl_seconds: 600, notify: { url: hook.url, secret_env: 'TEST_APPROVAL_NOTIFY_SECRET', attempts: 3, timeout_ms: 2000 } },
      };
    },
  });
  approver = clientFor(s, 'approver');
});
afterAll(async () => {
  await s?.close();
  await hook?.close();
});

/** Declare a task for `profile` and ask for a credential; returns the task and the 202 body. */
async function pending(agent: TesseraClient, profile = 'change-admin', ttl?: number) {
  const task = await agent.declareTask({ intent: `change something (${profile})`, scopes: [{ profile }], labels: { ticket: 'T-1' } });
  const r = (await agent.requestCredential(task.task_id, { profile, ...(ttl ? { ttl_seconds: ttl } : {}), reason: 'need it' })) as any;
  return { task, r, id: r.approval_id as string };
}

describe('human approval', () => {
  it('answers 202 pending for an approval: required profile, visible to the agent and approvers only', async () => {
    const agent = clientFor(s, 'agent-a');
    const { task, r, id } = await pending(agent);
    expect(r).toMatchObject({ approval_id: expect.stringMatching(/^apr_/), status: 'pending' });
    expect(await call(agent, 'GET', `/v1/approvals/${id}`)).toMatchObject({ status: 'pending', task_id: task.task_id, profile: 'change-admin', credential_delivered: false });
    expect(await call(clientFor(s, 'stranger'), 'GET', `/v1/approvals/${id}`)).toMatchObject({ status: 403 });
    expect(await call(approver, 'GET', `/v1/approvals/${id}`)).toMatchObject({ status: 'pending', policy_reasons: expect.arrayContaining(['profiles.change-admin.approval is "required"']) });
    expect((await call(approver, 'GET', '/v1/approvals')).approvals.map((a: any) => a.approval_id)).toContain(id);
    expect(await call(agent, 'GET', '/v1/approvals')).toMatchObject({ status: 403 });
    expect(await call(agent, 'GET', '/v1/approvals/apr_doesnotexistdoesnotexist')).toMatchObject({ status: 404, code: 'approval_not_found' });
    const audit = await agent.taskAudit(task.task_id);
    expect(audit.map((e) => e.type)).toEqual(['task.declared', 'decision', 'approval.requested']);
    expect(audit[2]).toMatchObject({ outcome: 'pending', detail: { approval_id: id, policies: expect.arrayContaining(['builtin:profiles.change-admin.approval']) } });
  });

  it('sends a signed notification that an approval is waiting', async () => {
    const { id } = await pending(clientFor(s, 'agent-n'));
    const got = await eventually(async () => hook.received.find((d) => d.body.toString().includes(id)));
    const h = got.headers;
    expect(h['webhook-id']).toBe(`msg_${id}`);
    expect(() => verifyWebhook({ id: String(h['webhook-id']), timestamp: String(h['webhook-timestamp']), signature: String(h['webhook-signature']) }, got.body, [NOTIFY_SECRET], Date.now(), 300)).not.toThrow();
    expect(() => verifyWebhook({ id: String(h['webhook-id']), timestamp: String(h['webhook-timestamp']), signature: String(h['webhook-signature']) }, got.body, ['whsec_d3Jvbmc='], Date.now(), 300)).toThrow();
    const payload = JSON.parse(got.body.toString());
    expect(payload).toMatchObject({
      type: 'approval.pending',
      data: { approval_id: id, status: 'pending', profile: 'change-admin', agent: { subject: 'agent-n' }, labels: { ticket: 'T-1' }, reason: 'need it', links: { approve: `${s.url}/v1/approvals/${id}/approve` } },
    });
  });

  it('refuses approvals by non-approvers and self-approval', async () => {
    const { id } = await pending(clientFor(s, 'agent-b'));
    expect(await call(clientFor(s, 'agent-b'), 'POST', `/v1/approvals/${id}/approve`, {})).toMatchObject({ status: 403, code: 'forbidden' });
    const own = await pending(approver);
    expect(await call(approver, 'POST', `/v1/approvals/${own.id}/approve`, {})).toMatchObject({ status: 403, code: 'self_approval_forbidden' });
    expect(await call(approver, 'POST', `/v1/approvals/${own.id}/deny`, {})).toMatchObject({ status: 403, code: 'self_approval_forbidden' });
    expect((await call(approver, 'GET', `/v1/approvals/${own.id}`)).status).toBe('pending');
  });

  it('mints the approved credential once, on the agent next GET', async () => {
    const agent = clientFor(s, 'agent-c');
    const { task, id } = await pending(agent);
    const approved = await call(approver, 'POST', `/v1/approvals/${id}/approve`, { comment: 'ok for CHG-1' });
    expect(approved).toMatchObject({ status: 'approved', decided_by: { subject: 'approver' }, comment: 'ok for CHG-1' });
    // The approver's GET never delivers the credential.
    expect(await call(approver, 'GET', `/v1/approvals/${id}`)).toMatchObject({ status: 'approved', credential_delivered: false });
    const first = await call(agent, 'GET', `/v1/approvals/${id}`);
    expect(first).toMatchObject({ status: 'approved', credential_delivered: true, grant: { profile: 'change-admin', backend: 'broker-token', credential: { type: 'bearer' } } });
    expect(first.lease_id).toBe(first.grant.lease_id);
    expect((await agent.introspect(first.grant.credential.token)).active).toBe(true);
    const second = await call(agent, 'GET', `/v1/approvals/${id}`);
    expect(second).toMatchObject({ status: 'approved', credential_delivered: true, lease_id: first.lease_id });
    expect(second.grant).toBeUndefined();
    expect((await agent.getTask(task.task_id)).leases).toHaveLength(1);
    const types = (await agent.taskAudit(task.task_id)).map((e) => e.type);
    expect(types).toEqual(['task.declared', 'decision', 'approval.requested', 'approval.approved', 'decision', 'credential.minted']);
    const minted = (await agent.taskAudit(task.task_id)).at(-1)!;
    expect(minted).toMatchObject({ detail: { approval_id: id, approved_by: { subject: 'approver' } } });
    expect(await call(approver, 'POST', `/v1/approvals/${id}/approve`, {})).toMatchObject({ status: 409, code: 'approval_not_pending' });
  });

  it('mints only once when the agent calls GET concurrently', async () => {
    const agent = clientFor(s, 'agent-d');
    const { task, id } = await pending(agent);
    await call(approver, 'POST', `/v1/approvals/${id}/approve`, {});
    const answers = await Promise.all(Array.from({ length: 8 }, () => call(agent, 'GET', `/v1/approvals/${id}`)));
    expect(answers.filter((a) => a.grant)).toHaveLength(1);
    for (const a of answers) expect(a.status).toBe('approved');
    expect((await agent.getTask(task.task_id)).leases).toHaveLength(1);
  });

  it('denies: the agent sees denied, nothing is minted, the decision cannot change', async () => {
    const agent = clientFor(s, 'agent-e');
    const { task, id } = await pending(agent);
    expect(await call(approver, 'POST', `/v1/approvals/${id}/deny`, { comment: 'not today' })).toMatchObject({ status: 'denied' });
    expect(await call(agent, 'GET', `/v1/approvals/${id}`)).toMatchObject({ status: 'denied', comment: 'not today', credential_delivered: false });
    expect(await call(approver, 'POST', `/v1/approvals/${id}/approve`, {})).toMatchObject({ status: 409, code: 'approval_not_pending' });
    expect((await agent.getTask(task.task_id)).leases).toEqual([]);
    expect((await agent.taskAudit(task.task_id)).at(-1)).toMatchObject({ type: 'approval.denied', outcome: 'deny', actor: `${s.issuer.issuer}|approver` });
  });

  it('asks for approval when a policy says so (@approval), not otherwise', async () => {
    const agent = clientFor(s, 'agent-f');
    const { r, id } = await pending(agent, 'ticket-read', 200);
    expect(r.status).toBe('pending');
    expect(await call(approver, 'GET', `/v1/approvals/${id}`)).toMatchObject({ policies: expect.arrayContaining(['ticket-read-long-ttl']), ttl_seconds: 200 });
    const short = await agent.declareTask({ intent: 'short', scopes: [{ profile: 'ticket-read' }] });
    expect((await agent.getCredential(short.task_id, { profile: 'ticket-read', ttl_seconds: 60 })).ttl_seconds).toBe(60);
    await call(approver, 'POST', `/v1/approvals/${id}/approve`, {});
    expect((await call(agent, 'GET', `/v1/approvals/${id}`)).grant.ttl_seconds).toBe(200);
  });

  it('checks the request again when collecting: a closed task gets nothing', async () => {
    const agent = clientFor(s, 'agent-g');
    const { task, id } = await pending(agent);
    await call(approver, 'POST', `/v1/approvals/${id}/approve`, {});
    await agent.completeTask(task.task_id);
    expect(await call(agent, 'GET', `/v1/approvals/${id}`)).toMatchObject({ status: 409, code: 'task_closed' });
    expect((await agent.getTask(task.task_id)).leases).toEqual([]);
  });

  it('never blocks on a failing notification receiver (retried, then given up)', async () => {
    hook.failWith = 500;
    const before = hook.received.length;
    try {
      const started = Date.now();
      const { r, id } = await pending(clientFor(s, 'agent-h'));
      expect(r.status).toBe('pending');
      expect(Date.now() - started).toBeLessThan(2000);
      await eventually(async () => hook.received.slice(before).filter((d) => d.body.toString().includes(id)).length === 3, 10_000);
      const ids = hook.received.slice(before).map((d) => d.headers['webhook-id']);
      expect(new Set(ids)).toEqual(new Set([`msg_${id}`]));
    } finally {
      hook.failWith = null;
    }
  });
  it('refuses a blocked agent a second approval on a task it already asked for (the task is remembered, the block is not)', async () => {
    const sub = 'agent-blocked-approval';
    const agent = clientFor(s, sub);
    const { task } = await pending(agent);
    const blocklist = new AgentBlocklist(s.tessera.redis, new Keys(s.cfg.redis.key_prefix));
    await blocklist.block({ issuer: s.issuer.issuer, subject: sub }, 'test');
    expect(await call(agent, 'POST', `/v1/tasks/${task.task_id}/credentials`, { profile: 'change-admin', reason: 'again' })).toMatchObject({ status: 403, code: 'agent_blocked' });
    const requested = (await agent.taskAudit(task.task_id)).filter((e) => e.type === 'approval.requested');
    expect(requested).toHaveLength(1);
  });
});
