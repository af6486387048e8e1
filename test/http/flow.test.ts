import { describe, expect, it } from 'vitest';
import { TesseraApiError } from '../../src/client/tessera-client.js';
import { eventually, useStack } from '../support/stack.js';

const s = useStack();

describe('full flow over HTTP', () => {
  it('declares a task, issues a broker token, introspects it, completes the task and sees it inactive', async () => {
    const agent = s.agent('spiffe://acme/agent/summariser');
    const task = await agent.declareTask({
      intent: 'summarise ticket 4412 and post a comment',
      scopes: [{ profile: 'github-comment', resources: ['repo:acme/web'] }],
      ttl_seconds: 900,
      labels: { ticket: '4412' },
    });
    expect(task.status).toBe('active');
    expect(task.task_id).toMatch(/^tsk_/);
    expect(task.agent).toEqual({ issuer: s.issuer.issuer, subject: 'spiffe://acme/agent/summariser' });

    const grant = await agent.getCredential(task.task_id, { profile: 'github-comment', resources: ['repo:acme/web'], ttl_seconds: 120 });
    expect(grant.backend).toBe('broker-token');
    expect(grant.revocation).toBe('revocable');
    expect(grant.ttl_seconds).toBe(120);
    expect(grant.ttl_clamped_by).toBeNull();
    expect(grant.credential.type).toBe('bearer');
    expect(grant.credential.audience).toBe('https://tools.example/github');
    const token = grant.credential.token as string;

    const active = await agent.introspect(token);
    expect(active).toMatchObject({ active: true, sub: 'spiffe://acme/agent/summariser', aud: 'https://tools.example/github', task_id: task.task_id, scope: 'repo:acme/web', jti: grant.lease_id });

    const done = await agent.completeTask(task.task_id);
    expect(done).toEqual({ task_id: task.task_id, status: 'completing' });
    const finished = await agent.waitForTask(task.task_id, ['completed'], 5000);
    expect(finished.leases?.[0]).toMatchObject({ lease_id: grant.lease_id, status: 'revoked' });
    expect(await agent.introspect(token)).toEqual({ active: false });

    // Repeating completion is harmless.
    expect((await agent.completeTask(task.task_id)).status).toBe('completed');
  });

  it('tells the caller, in Server-Timing, how much of the request was the backend and how much Tessera, and sends no ETag', async () => {
    const agent = s.agent('agent-timing');
    const task = await agent.declareTask({ intent: 'timing', scopes: [{ profile: 'ticket-read' }] });
    const res = await fetch(`${s.url}/v1/tasks/${task.task_id}/credentials`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await s.token('agent-timing')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ profile: 'ticket-read' }),
    });
    expect(res.status).toBe(201);
    await res.json();
    // Not cacheable, and no fingerprint of the credential-bearing body in a header (Express's ETag).
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('etag')).toBeNull();
    const m = /^backend;dur=(\d+\.\d\d), tessera;dur=(\d+\.\d\d)$/.exec(res.headers.get('server-timing') ?? '');
    expect(m, `Server-Timing: ${res.headers.get('server-timing')}`).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![2])).toBeGreaterThan(0);
  });

  it('verifies the broker token against the published JWKS', async () => {
    const { createRemoteJWKSet, jwtVerify } = await import('jose');
    const agent = s.agent('agent-jwks');
    const task = await agent.declareTask({ intent: 'check jwks', scopes: [{ profile: 'ticket-read' }] });
    const grant = await agent.getCredential(task.task_id, { profile: 'ticket-read' });
    const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', s.url));
    const { payload, protectedHeader } = await jwtVerify(grant.credential.token as string, jwks, {
      algorithms: ['ES256'],
      issuer: s.url,
      audience: 'https://tools.example/tickets',
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ sub: 'agent-jwks', task_id: task.task_id, jti: grant.lease_id });
    // exp is whole seconds, rounded up: the token lives at least its 300 s, and the grant reports exp.
    expect(payload.exp! * 1000).toBe(Date.parse(grant.expires_at));
    expect([300, 301]).toContain(payload.exp! - payload.iat!);
  });

  it('clamps a credential TTL to the profile maximum and to the time left on the task', async () => {
    const agent = s.agent('agent-ttl');
    const task = await agent.declareTask({ intent: 'ttl', scopes: [{ profile: 'github-comment' }], ttl_seconds: 60 });
    const g1 = await agent.getCredential(task.task_id, { profile: 'github-comment', ttl_seconds: 10_000 });
    expect(g1.ttl_clamped_by).toBe('task');
    expect(g1.ttl_seconds).toBeLessThanOrEqual(60);
    expect(g1.ttl_seconds).toBeGreaterThanOrEqual(58);
    expect(Date.parse(g1.expires_at)).toBeLessThanOrEqual(Date.parse(task.expires_at));

    const long = await agent.declareTask({ intent: 'ttl2', scopes: [{ profile: 'github-comment' }], ttl_seconds: 3000 });
    const g2 = await agent.getCredential(long.task_id, { profile: 'github-comment', ttl_seconds: 10_000 });
    expect(g2.ttl_clamped_by).toBe('profile');
    expect(g2.ttl_seconds).toBe(600);
  });

  it('clamps the task TTL to tasks.max_ttl_seconds and says so', async () => {
    const task = await s.agent('agent-ttl3').declareTask({ intent: 'long', scopes: [{ profile: 'ticket-read' }], ttl_seconds: 86_400 });
    expect(task.ttl_clamped_by).toBe('tasks.max_ttl_seconds');
    expect(Date.parse(task.expires_at) - Date.parse(task.created_at)).toBe(3600 * 1000);
  });

  it("refuses another agent's task with 403 task_not_owner", async () => {
    const task = await s.agent('owner').declareTask({ intent: 'mine', scopes: [{ profile: 'ticket-read' }] });
    const thief = s.agent('thief');
    for (const call of [
      () => thief.getTask(task.task_id),
      () => thief.requestCredential(task.task_id, { profile: 'ticket-read' }),
      () => thief.completeTask(task.task_id),
      () => thief.taskAudit(task.task_id),
    ]) {
      await expect(call()).rejects.toMatchObject({ status: 403, code: 'task_not_owner' });
    }
    expect((await s.agent('owner').getTask(task.task_id)).status).toBe('active');
  });

  it('refuses scope escalation: undeclared profile or resource', async () => {
    const agent = s.agent('escalator');
    const task = await agent.declareTask({ intent: 'read one repo', scopes: [{ profile: 'github-comment', resources: ['repo:acme/web'] }] });
    await expect(agent.requestCredential(task.task_id, { profile: 'ticket-read' })).rejects.toMatchObject({ status: 403, code: 'scope_not_declared' });
    await expect(agent.requestCredential(task.task_id, { profile: 'github-comment', resources: ['repo:acme/web', 'repo:acme/payroll'] })).rejects.toMatchObject({
      status: 403,
      code: 'scope_not_declared',
    });
    const audit = await agent.taskAudit(task.task_id);
    expect(audit.filter((e) => e.type === 'credential.minted')).toHaveLength(0);
  });

  it('refuses a closed task with 409 task_closed', async () => {
    const agent = s.agent('closer');
    const task = await agent.declareTask({ intent: 'short', scopes: [{ profile: 'ticket-read' }] });
    await agent.completeTask(task.task_id);
    await expect(agent.requestCredential(task.task_id, { profile: 'ticket-read' })).rejects.toMatchObject({ status: 409, code: 'task_closed' });
  });

  it('answers 422 profile_unknown for an unconfigured profile and 400 for a malformed body', async () => {
    const agent = s.agent('typo');
    await expect(agent.declareTask({ intent: 'x', scopes: [{ profile: 'no-such-profile' }] })).rejects.toMatchObject({ status: 422, code: 'profile_unknown' });
    const err = await agent.call('POST', '/v1/tasks', { intent: '', scopes: [], extra: 1 }).catch((e: TesseraApiError) => e);
    expect(err).toBeInstanceOf(TesseraApiError);
    expect((err as TesseraApiError).status).toBe(400);
    expect((err as TesseraApiError).code).toBe('invalid_request');
    expect(JSON.stringify((err as TesseraApiError).body)).toContain('scopes');
  });

  it('answers problem+json with a request id for a bad token, and never echoes the token', async () => {
    const res = await fetch(`${s.url}/v1/tasks`, {
      method: 'POST',
      headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.code).toMatch(/^token_|issuer_untrusted/);
    expect(body.request_id).toBe(res.headers.get('x-request-id'));
    expect(JSON.stringify(body)).not.toContain('eyJzdWIiOiJ4In0');
  });

  it('revokes one lease early with DELETE /v1/leases/{id}', async () => {
    const agent = s.agent('early');
    const task = await agent.declareTask({ intent: 'two tokens', scopes: [{ profile: 'ticket-read' }] });
    const a = await agent.getCredential(task.task_id, { profile: 'ticket-read' });
    const b = await agent.getCredential(task.task_id, { profile: 'ticket-read' });
    await expect(s.agent('stranger').revokeLease(a.lease_id)).rejects.toMatchObject({ status: 403 });
    expect((await agent.revokeLease(a.lease_id)).status).toBe('revoking');
    await eventually(async () => !(await agent.introspect(a.credential.token as string)).active);
    expect((await agent.introspect(b.credential.token as string)).active).toBe(true);
    expect((await agent.getTask(task.task_id)).status).toBe('active');
  });
});
