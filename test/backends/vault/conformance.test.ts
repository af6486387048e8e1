/**
 * Vault backend conformance: minting and revoking dynamic secrets and Vault tokens, against the
 * Vault double by default or against a real Vault when VAULT_ADDR and VAULT_TOKEN are set (see
 * support/target.ts). Tessera runs as a least-privilege AppRole identity whose policy is generated
 * by tesseraPolicyHcl(), so these tests also prove that policy is sufficient.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RevokeError } from '../../../src/backends/backend.js';
import type { MintResult, RevocationTarget } from '../../../src/backends/backend.js';
import type { VaultBackend } from '../../../src/backends/vault/backend.js';
import { TesseraError } from '../../../src/errors/tessera-error.js';
import { backendFor, createFixture, grantFor, type VaultFixture } from './support/fixture.js';
import { queryAs, roleExists } from './support/pg.js';
import { openTarget, REAL_VAULT } from './support/target.js';

let f: VaultFixture;
let vault: VaultBackend;

beforeAll(async () => {
  f = await createFixture(await openTarget());
  vault = backendFor(f);
});
afterAll(async () => {
  await vault?.close();
  await f?.close();
});

const target = (m: MintResult, profile = 'x'): RevocationTarget => ({
  leaseId: 'lse_x',
  taskId: 'tsk_x',
  profileName: profile,
  revocationData: m.revocationData,
  credentialExpiresAt: Date.now() + m.ttlSeconds * 1000,
});
const data = (m: MintResult) => m.credential['data'] as { username: string; password: string };
const lookupSelf = (token: string) => f.target.api('GET', 'auth/token/lookup-self', { token });
const unwrap = (wrapToken: string) => f.target.api('POST', 'sys/wrapping/unwrap', { token: wrapToken });
async function gone(role: string, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    if (!(await roleExists(role))) return true;
  }
  return !(await roleExists(role));
}

describe(`Vault backend conformance against the ${REAL_VAULT ? `real Vault at ${process.env.VAULT_ADDR}` : 'Vault double (set VAULT_ADDR + VAULT_TOKEN for a real Vault)'}`, () => {
  describe('kind: dynamic', () => {
    it('reads the path, records the lease id, and revokes it with sys/leases/revoke (idempotently)', async () => {
      const m = await vault.mint(grantFor('db-ro', 120));
      expect(m.credential.type).toBe('vault-dynamic');
      expect(m.revocation).toBe('revocable');
      expect(m.revocationData).toMatchObject({ kind: 'lease', lease_id: expect.stringMatching(new RegExp(`^${f.dbMount}/creds/ro/`)) });
      expect(JSON.stringify(m.revocationData)).not.toContain(data(m).password);
      expect(m.secretForHash).toContain(data(m).password);
      // Vault's lease (1 h) is longer than the grant: Tessera keeps its own, shorter, TTL.
      expect(m.ttlSeconds).toBe(120);
      expect(m.ttlClampedBy).toBeUndefined();
      expect(await queryAs(f.db, data(m).username, data(m).password)).toEqual([{ n: 3 }]);

      await vault.revoke(target(m));
      expect(await roleExists(data(m).username)).toBe(false);
      await expect(queryAs(f.db, data(m).username, data(m).password)).rejects.toThrow(/does not exist|authentication failed/);
      await vault.revoke(target(m));
    });

    it("reports Vault's lease_duration when it is shorter than the grant's TTL", async () => {
      const m = await vault.mint(grantFor('db-short', 300));
      expect(m.ttlSeconds).toBe(30);
      expect(m.ttlClampedBy).toBe('backend');
      await vault.revoke(target(m));
    });

    it('response-wraps through a per-lease helper token and still revokes the lease', async () => {
      const m = await vault.mint(grantFor('db-wrapped', 120));
      expect(m.credential).toMatchObject({ type: 'vault-dynamic', wrap_token: expect.any(String), wrap_ttl_seconds: 60 });
      expect(m.credential['data']).toBeUndefined();
      expect(m.revocationData).toMatchObject({ kind: 'token', wraps: 'dynamic', accessor: expect.any(String) });
      const unwrapped = await unwrap(m.credential['wrap_token'] as string);
      expect(unwrapped.status).toBe(200);
      const creds = unwrapped.body?.data as { username: string; password: string };
      expect(await roleExists(creds.username)).toBe(true);
      expect((await unwrap(m.credential['wrap_token'] as string)).status).toBe(400);

      await vault.revoke(target(m));
      // Vault revokes a token's leases right after the token (asynchronously on a real Vault).
      expect(await gone(creds.username)).toBe(true);
      await vault.revoke(target(m));
    });

    it('answers 500 backend_misconfigured for a path Vault rejects, without the detail', async () => {
      const err = await vault.mint(grantFor('db-missing')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TesseraError);
      expect(err).toMatchObject({ status: 500, code: 'backend_misconfigured', expose: false });
      expect(String((err as Error).cause)).toMatch(/HTTP 400/);
    });

    it('answers backend_misconfigured for a path outside its policy, without logging in again', async () => {
      const logins = vault.self.stats.logins;
      await expect(vault.mint(grantFor('db-denied'))).rejects.toMatchObject({ status: 500, code: 'backend_misconfigured' });
      expect(String(await vault.mint(grantFor('db-denied')).catch((e: Error) => e.cause))).toMatch(/HTTP 403/);
      expect(vault.self.stats.logins).toBe(logins);
    });
  });

  describe('kind: token', () => {
    it('creates a task-bound token (policies, ttl, explicit_max_ttl, display name, metadata) and revokes it by accessor', async () => {
      const g = grantFor('tok', 120);
      const m = await vault.mint(g);
      expect(m.credential).toMatchObject({ type: 'vault-token', token: expect.any(String), accessor: expect.any(String) });
      expect(m.credential['policies']).toContain(f.agentPolicy);
      expect(m.revocationData).toMatchObject({ kind: 'token', accessor: m.credential['accessor'] });
      const self = await lookupSelf(m.credential['token'] as string);
      expect(self.status).toBe(200);
      expect(self.body?.data).toMatchObject({
        display_name: `token-tessera-${g.taskId.replace(/_/g, '-')}`,
        meta: { tessera_task_id: g.taskId, tessera_lease_id: g.leaseId, tessera_profile: 'tok', tessera_agent_subject: g.agent.subject },
        explicit_max_ttl: 120,
        renewable: false,
        orphan: false,
      });
      expect(self.body?.data?.ttl).toBeLessThanOrEqual(120);

      await vault.revoke(target(m));
      expect((await lookupSelf(m.credential['token'] as string)).status).toBe(403);
      await vault.revoke(target(m));
    });

    it('honours num_uses', async () => {
      const m = await vault.mint(grantFor('tok-uses'));
      const token = m.credential['token'] as string;
      expect((await lookupSelf(token)).status).toBe(200);
      expect((await lookupSelf(token)).status).toBe(200);
      expect((await lookupSelf(token)).status).toBe(403);
      await vault.revoke(target(m));
    });

    it('creates orphans through auth/token/create-orphan, without sudo', async () => {
      const m = await vault.mint(grantFor('tok-orphan'));
      expect((await lookupSelf(m.credential['token'] as string)).body?.data).toMatchObject({ orphan: true, path: 'auth/token/create-orphan' });
      await vault.revoke(target(m));
      expect((await lookupSelf(m.credential['token'] as string)).status).toBe(403);
    });

    it('creates tokens through a token role', async () => {
      const m = await vault.mint(grantFor('tok-role'));
      const d = (await lookupSelf(m.credential['token'] as string)).body?.data;
      expect(d?.path).toBe(`auth/token/create/${f.tokenRole}`);
      expect(d?.policies).toContain(f.agentPolicy);
      await vault.revoke(target(m));
    });

    it('response-wraps a token and revokes it through wrapped_accessor', async () => {
      const m = await vault.mint(grantFor('tok-wrapped'));
      expect(m.credential).toMatchObject({ type: 'vault-token', wrap_token: expect.any(String), accessor: expect.any(String) });
      expect(m.credential['token']).toBeUndefined();
      const unwrapped = await unwrap(m.credential['wrap_token'] as string);
      const token = unwrapped.body?.auth?.client_token as string;
      expect(unwrapped.body?.auth?.accessor).toBe(m.revocationData['accessor']);
      expect((await lookupSelf(token)).status).toBe(200);
      await vault.revoke(target(m));
      expect((await lookupSelf(token)).status).toBe(403);
    });
  });

  describe('revocation semantics', () => {
    it('counts a lease or accessor Vault no longer knows as revoked', async () => {
      const gone = (revocationData: Record<string, string>): RevocationTarget => ({ leaseId: 'l', taskId: 't', profileName: 'p', revocationData, credentialExpiresAt: 0 });
      await vault.revoke(gone({ kind: 'lease', lease_id: `${f.dbMount}/creds/ro/doesnotexist`, namespace: '' }));
      await vault.revoke(gone({ kind: 'token', accessor: 'doesnotexistdoesnotexist', namespace: '' }));
    });

    it('fails permanently (403) when Tessera may not revoke, and names no secret', async () => {
      const m = await vault.mint(grantFor('db-ro'));
      const weak = backendFor(f, {
        auth: { method: 'token', token_env: 'WEAK_TOKEN' },
        env: { WEAK_TOKEN: await f.staticToken([f.agentPolicy]) },
      });
      try {
        const err = await weak.revoke(target(m)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RevokeError);
        expect((err as RevokeError).permanent).toBe(true);
        expect((err as Error).message).toMatch(/403/);
        expect((err as Error).message).not.toContain(data(m).password);
        expect(await roleExists(data(m).username)).toBe(true);
      } finally {
        await weak.close();
        await vault.revoke(target(m));
      }
    });

    it('reports a malformed lease record as a permanent failure', async () => {
      await expect(vault.revoke({ leaseId: 'l', taskId: 't', profileName: 'p', revocationData: {}, credentialExpiresAt: 0 })).rejects.toMatchObject({ permanent: true });
    });
  });

  it('is ready when Vault is unsealed and Tessera is logged in', async () => {
    await expect(vault.ready()).resolves.toBeUndefined();
  });
});
