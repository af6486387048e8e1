/**
 * Vault backend conformance, Tessera's own identity: one login per process, re-login when its token is
 * revoked, renewal before expiry and re-login at the token's max TTL, and the three auth methods
 * (token, approle, jwt). Runs against the Vault double, or real Vault with VAULT_ADDR + VAULT_TOKEN.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MintResult } from '../../../src/backends/backend.js';
import type { VaultBackend } from '../../../src/backends/vault/backend.js';
import { backendFor, createFixture, grantFor, type VaultFixture } from './support/fixture.js';
import { setupJwtLogin } from './support/jwt-login.js';
import { openTarget, REAL_VAULT } from './support/target.js';

let f: VaultFixture;
const open: VaultBackend[] = [];
const track = (b: VaultBackend) => (open.push(b), b);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const revokeAccessor = (accessor: string) => f.target.must('POST', 'auth/token/revoke-accessor', { accessor });
const tokenOf = (m: MintResult) => m.credential['token'] as string;

beforeAll(async () => {
  f = await createFixture(await openTarget());
});
afterAll(async () => {
  await Promise.all(open.map((b) => b.close()));
  await f?.close();
});

describe(`Tessera's own Vault identity against the ${REAL_VAULT ? `real Vault at ${process.env.VAULT_ADDR}` : 'Vault double (set VAULT_ADDR + VAULT_TOKEN for a real Vault)'}`, () => {
  it('logs in once for many concurrent requests (one client, no login per request)', async () => {
    const vault = track(backendFor(f));
    const minted = await Promise.all(Array.from({ length: 20 }, () => vault.mint(grantFor('tok'))));
    expect(new Set(minted.map(tokenOf)).size).toBe(20);
    expect(vault.self.stats.logins).toBe(1);
  });

  it('logs in again, once, when its token is revoked; concurrent requests wait for that login', async () => {
    const vault = track(backendFor(f));
    await vault.mint(grantFor('tok'));
    const before = vault.self.accessor;
    await revokeAccessor(before);
    const minted = await Promise.all(Array.from({ length: 10 }, () => vault.mint(grantFor('tok'))));
    expect(minted).toHaveLength(10);
    expect(vault.self.stats.logins).toBe(2);
    expect(vault.self.accessor).not.toBe(before);
  });

  it('renews its token before expiry and logs in again when renewal hits the max TTL', async () => {
    const env = await f.approle('short', { tokenTtl: '2s', tokenMaxTtl: '5s' });
    const vault = track(backendFor(f, { env }));
    const stopAt = Date.now() + 6500;
    let mints = 0;
    while (Date.now() < stopAt) {
      await vault.mint(grantFor('tok', 60));
      mints++;
      await sleep(250);
    }
    expect(mints).toBeGreaterThan(15);
    expect(vault.self.stats.renewals).toBeGreaterThanOrEqual(1);
    expect(vault.self.stats.logins).toBeGreaterThanOrEqual(2);
  }, 15_000);

  it('logs in again in the background when renewal fails because the token was revoked', async () => {
    const env = await f.approle('revoked', { tokenTtl: '2s' });
    const vault = track(backendFor(f, { env }));
    await vault.ready();
    await revokeAccessor(vault.self.accessor);
    for (const end = Date.now() + 6000; vault.self.stats.logins < 2 && Date.now() < end; ) await sleep(50);
    expect(vault.self.stats.failedRenewals).toBeGreaterThanOrEqual(1);
    expect(vault.self.stats.logins).toBeGreaterThanOrEqual(2);
    await expect(vault.mint(grantFor('tok'))).resolves.toMatchObject({ revocation: 'revocable' });
  }, 10_000);

  it('authenticates with a static token (auth.method: token)', async () => {
    const env = { TESSERA_VAULT_TOKEN: await f.staticToken([f.tesseraPolicy, f.agentPolicy]) };
    const vault = track(backendFor(f, { auth: { method: 'token', token_env: 'TESSERA_VAULT_TOKEN' }, env }));
    const m = await vault.mint(grantFor('tok'));
    await vault.revoke({ leaseId: 'l', taskId: 't', profileName: 'tok', revocationData: m.revocationData, credentialExpiresAt: 0 });
    expect((await f.target.api('GET', 'auth/token/lookup-self', { token: tokenOf(m) })).status).toBe(403);
  });

  it('answers backend_misconfigured when its AppRole credentials are wrong', async () => {
    const vault = track(backendFor(f, { env: { TESSERA_VAULT_ROLE_ID: 'nope', TESSERA_VAULT_SECRET_ID: 'nope' } }));
    await expect(vault.mint(grantFor('tok'))).rejects.toMatchObject({ status: 500, code: 'backend_misconfigured' });
    await expect(vault.ready()).rejects.toThrow();
  });

  it('authenticates with a workload JWT read from a file at every login (auth.method: jwt)', async () => {
    const jwt = await setupJwtLogin(f.target, f.suffix, [f.tesseraPolicy, f.agentPolicy]);
    try {
      const file = join(mkdtempSync(join(tmpdir(), 'tessera-jwt-')), 'token');
      writeFileSync(file, await jwt.sign());
      const vault = track(backendFor(f, { address: jwt.address, auth: { method: 'jwt', mount: jwt.mount, role: jwt.role, token_file: file } }));
      await vault.mint(grantFor('tok'));
      writeFileSync(file, await jwt.sign()); // rotated by the platform, e.g. a projected service-account token
      await revokeAccessor(vault.self.accessor);
      await vault.mint(grantFor('tok'));
      expect(vault.self.stats.logins).toBe(2);
      if (!REAL_VAULT) expect(new Set(jwt.seen).size).toBe(2);
    } finally {
      await jwt.close();
    }
  });
});

describe.runIf(!REAL_VAULT)('X-Vault-Namespace on every call (Vault double only; against real Vault Enterprise set VAULT_NAMESPACE to run the whole suite in one)', () => {
  it('mints, checks and revokes inside the configured namespace', async () => {
    const ns = { 'X-Vault-Namespace': 'team-a' };
    const policy = 'path "auth/token/create-orphan" { capabilities = ["update"] }\npath "auth/token/revoke-accessor" { capabilities = ["update"] }';
    await f.target.api('PUT', 'sys/policies/acl/ns-tessera', { body: { policy }, headers: ns });
    const created = await f.target.api('POST', 'auth/token/create-orphan', { body: { policies: ['ns-tessera'] }, headers: ns });
    f.profiles['tok-ns'] = { backend: 'vault', kind: 'token', policies: ['ns-tessera'], no_parent: true, max_ttl_seconds: 900, approval: 'none' };
    const env = { NS_TOKEN: created.body?.auth?.client_token as string };
    const vault = track(backendFor(f, { namespace: 'team-a', auth: { method: 'token', token_env: 'NS_TOKEN' }, env }));
    const seenBefore = f.target.double!.stats().requests.length;
    const m = await vault.mint(grantFor('tok-ns'));
    expect(m.revocationData['namespace']).toBe('team-a');
    expect((await f.target.api('GET', 'auth/token/lookup-self', { token: tokenOf(m), headers: ns })).status).toBe(200);
    expect((await f.target.api('GET', 'auth/token/lookup-self', { token: tokenOf(m) })).status).toBe(403);
    await vault.revoke({ leaseId: 'l', taskId: 't', profileName: 'tok-ns', revocationData: m.revocationData, credentialExpiresAt: 0 });
    expect((await f.target.api('GET', 'auth/token/lookup-self', { token: tokenOf(m), headers: ns })).status).toBe(403);
    const tessera = f.target.double!.stats().requests.slice(seenBefore).filter((r) => /create-orphan|revoke-accessor/.test(r.path));
    expect(tessera.length).toBeGreaterThanOrEqual(2);
    expect(tessera.every((r) => r.namespace === 'team-a')).toBe(true);
  });
});
