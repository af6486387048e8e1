/**
 * Vault down, end to end over HTTP (Vault double only: a real Vault cannot be made to fail on demand):
 * issuing answers 503 `backend_unavailable` (no detail), and a task completed while Vault refuses
 * connections leaves its lease `revoke_failed` — audited, credentials still listed as live — until
 * Vault returns, when the retried revocation goes through and the credentials stop working.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TesseraApiError } from '../../../src/client/tessera-client.js';
import { eventually, type Stack } from '../../support/stack.js';
import { createFixture, type VaultFixture } from './support/fixture.js';
import { queryAs, roleExists } from './support/pg.js';
import { openTarget, REAL_VAULT } from './support/target.js';
import { startVaultStack } from './support/vault-stack.js';

let f: VaultFixture;
let s: Stack;

describe.runIf(!REAL_VAULT)('Vault down, over HTTP (Vault double only)', () => {
  beforeAll(async () => {
    f = await createFixture(await openTarget());
    s = await startVaultStack(f, (cfg) => {
      cfg.server.worker = { ...cfg.server.worker, attempts: 3, backoff_ms: 100, slow_retry_seconds: 1 };
    });
  });
  afterEach(async () => f.target.double!.setFault('none'));
  afterAll(async () => {
    await s?.close();
    await f?.close();
  });

  it('answers 503 backend_unavailable with no detail while Vault refuses connections', async () => {
    const agent = s.agent('spiffe://acme/agent/unlucky');
    const task = await agent.declareTask({ intent: 'read while vault is down', scopes: [{ profile: 'db-readonly' }] });
    await f.target.double!.setFault('refuse');
    const err = (await agent.getCredential(task.task_id, { profile: 'db-readonly' }).catch((e: unknown) => e)) as TesseraApiError;
    expect(err).toBeInstanceOf(TesseraApiError);
    expect(err).toMatchObject({ status: 503, code: 'backend_unavailable' });
    expect(JSON.stringify(err.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|sys\/|database\//);
    const audit = await agent.taskAudit(task.task_id);
    expect(audit.find((e) => e.type === 'credential.mint_failed')).toMatchObject({ outcome: 'failure', reason: 'backend_unavailable' });
  });

  it('keeps retrying a revocation while Vault is down (revoke_failed, audited) and completes it when Vault returns', async () => {
    const agent = s.agent('spiffe://acme/agent/patient');
    const task = await agent.declareTask({ intent: 'read, then finish during an outage', scopes: [{ profile: 'db-readonly' }] });
    const grant = await agent.getCredential(task.task_id, { profile: 'db-readonly', ttl_seconds: 600 });
    const { username, password } = grant.credential.data as { username: string; password: string };

    await f.target.double!.setFault('refuse');
    await agent.completeTask(task.task_id);
    await eventually(async () => (await agent.getTask(task.task_id)).leases?.[0]?.status === 'revoke_failed', 10_000, 100);
    expect((await agent.getTask(task.task_id)).status).toBe('completing');
    expect(await roleExists(username)).toBe(true);
    const failed = (await agent.taskAudit(task.task_id)).find((e) => e.type === 'lease.revoke_failed');
    expect(failed).toMatchObject({ outcome: 'failure', lease_id: grant.lease_id });

    await f.target.double!.setFault('none');
    await agent.waitForTask(task.task_id, ['completed'], 10_000);
    expect(await roleExists(username)).toBe(false);
    await expect(queryAs(f.db, username, password)).rejects.toThrow();
    expect((await agent.getTask(task.task_id)).leases?.[0]?.status).toBe('revoked');
  }, 30_000);
});
