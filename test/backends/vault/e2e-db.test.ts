/**
 * End to end over HTTP: an agent declares a task with `db-readonly`, gets PostgreSQL credentials from
 * Vault through Tessera, logs in to the real PostgreSQL and runs a query; when the task completes (by
 * the agent's own call, and separately by the signed webhook) the same credentials stop working
 * within 2 s. Also: a Vault token profile dies with its task, and Vault's shorter TTL is reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../support/stack.js';
import { createFixture, type VaultFixture } from './support/fixture.js';
import { queryAs, roleExists } from './support/pg.js';
import { openTarget } from './support/target.js';
import { completeByWebhook, startVaultStack } from './support/vault-stack.js';

let f: VaultFixture;
let s: Stack;
beforeAll(async () => {
  f = await createFixture(await openTarget());
  s = await startVaultStack(f);
});
afterAll(async () => {
  await s?.close();
  await f?.close();
});

/** Milliseconds until `fn` resolves true (polling every 25 ms), or throws after `limitMs`. */
async function msUntil(fn: () => Promise<boolean>, limitMs: number): Promise<number> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - t0;
}
const refused = (db: string, u: string, p: string) => () => queryAs(db, u, p).then(() => false, () => true);

describe(`Vault backend end to end over HTTP`, () => {
  it.each([
    ['the agent completes the task', (agentDone: () => Promise<unknown>) => agentDone()],
    ['the orchestrator sends the signed task-complete webhook', (_: unknown, taskId: string) => completeByWebhook(s, taskId).then((st) => expect(st).toBe(202))],
  ] as const)('db-readonly credentials work for the task and stop logging in within 2 s after %s', async (_how, complete) => {
    const agent = s.agent('spiffe://acme/agent/ticket-summariser');
    const task = await agent.declareTask({ intent: 'summarise ticket history', scopes: [{ profile: 'db-readonly' }], ttl_seconds: 600 });
    const grant = await agent.getCredential(task.task_id, { profile: 'db-readonly', ttl_seconds: 300, reason: 'read tickets' });
    expect(grant).toMatchObject({ backend: 'vault', revocation: 'revocable', ttl_seconds: 300, ttl_clamped_by: null });
    const { username, password } = grant.credential.data as { username: string; password: string };
    expect(grant.credential.type).toBe('vault-dynamic');
    expect(await queryAs(f.db, username, password, 'SELECT title FROM tickets WHERE id = 4412')).toEqual([{ title: 'summarise me' }]);

    await complete(() => agent.completeTask(task.task_id), task.task_id);
    const took = await msUntil(refused(f.db, username, password), 2000);
    expect(took).toBeLessThan(2000);
    await msUntil(async () => !(await roleExists(username)), 2000);
    const done = await agent.waitForTask(task.task_id, ['completed'], 5000);
    expect(done.leases?.[0]).toMatchObject({ lease_id: grant.lease_id, status: 'revoked' });
    const audit = await agent.taskAudit(task.task_id);
    expect(audit.map((e) => e.type)).toEqual(expect.arrayContaining(['credential.minted', 'lease.revoked']));
    expect(JSON.stringify(audit)).not.toContain(password);
  });

  it('a Vault token works against Vault until the task ends, then auth/token/lookup-self fails', async () => {
    const agent = s.agent('spiffe://acme/agent/deployer');
    const task = await agent.declareTask({ intent: 'deploy', scopes: [{ profile: 'vault-token' }] });
    const grant = await agent.getCredential(task.task_id, { profile: 'vault-token', ttl_seconds: 120 });
    const token = grant.credential.token as string;
    expect(grant.credential).toMatchObject({ type: 'vault-token', accessor: expect.any(String), policies: expect.arrayContaining([f.agentPolicy]) });
    const self = await f.target.api('GET', 'auth/token/lookup-self', { token });
    expect(self.status).toBe(200);
    expect(self.body?.data?.meta).toMatchObject({ tessera_task_id: task.task_id, tessera_lease_id: grant.lease_id, tessera_agent_subject: 'spiffe://acme/agent/deployer' });

    await agent.completeTask(task.task_id);
    const took = await msUntil(async () => (await f.target.api('GET', 'auth/token/lookup-self', { token })).status === 403, 2000);
    expect(took).toBeLessThan(2000);
  });

  it("reports Vault's shorter lease duration and revokes at it", async () => {
    const agent = s.agent('spiffe://acme/agent/short');
    const task = await agent.declareTask({ intent: 'short read', scopes: [{ profile: 'db-short' }] });
    const grant = await agent.getCredential(task.task_id, { profile: 'db-short', ttl_seconds: 300 });
    expect(grant).toMatchObject({ ttl_seconds: 30, ttl_clamped_by: 'backend' });
    expect(Date.parse(grant.expires_at) - Date.parse(grant.issued_at)).toBe(30_000);
    await agent.completeTask(task.task_id);
  });

  it('reports the Vault backend in /readyz', async () => {
    const r = await fetch(`${s.url}/readyz`);
    expect(await r.json()).toMatchObject({ status: 'ready', checks: { vault: 'ok' } });
  });
});
