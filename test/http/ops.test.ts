import { describe, expect, it } from 'vitest';
import { useStack } from '../support/stack.js';

const s = useStack();

describe('operations endpoints', () => {
  it('serves /healthz and /readyz', async () => {
    expect(await (await fetch(`${s.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { redis: 'ok', 'broker-token': 'ok' } });
  });

  it('exposes issue latency, revocation lag, active leases and revocation failures in /metrics', async () => {
    const agent = s.agent('metered');
    const task = await agent.declareTask({ intent: 'metrics', scopes: [{ profile: 'ticket-read' }] });
    await agent.getCredential(task.task_id, { profile: 'ticket-read' });
    let text = await (await fetch(`${s.url}/metrics`)).text();
    expect(text).toMatch(/tessera_credential_issue_seconds_count\{backend="broker-token",outcome="issued"\} [1-9]/);
    expect(text).toMatch(/^tessera_active_leases [1-9]/m);
    expect(text).toContain('tessera_revocation_failures_total');
    await agent.completeTask(task.task_id);
    await agent.waitForTask(task.task_id, ['completed']);
    text = await (await fetch(`${s.url}/metrics`)).text();
    expect(text).toMatch(/tessera_revocation_lag_seconds_count\{backend="broker-token"\} [1-9]/);
    expect(text).toMatch(/^tessera_active_leases 0/m);
  });

  it('answers unknown routes with problem+json 404', async () => {
    const res = await fetch(`${s.url}/v1/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('not_found');
  });

  it('reports not ready when Redis is gone', async () => {
    await s.redis.kill();
    const res = await fetch(`${s.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'not_ready', checks: { redis: 'unreachable' } });
    const agent = s.agent('while-down');
    await expect(agent.declareTask({ intent: 'x', scopes: [{ profile: 'ticket-read' }] })).rejects.toMatchObject({ status: 503 });
    await s.redis.restart();
  });
});
