/**
 * Vault failures at the backend boundary: refused connections, a hung Vault and a sealed Vault (503)
 * become 503 `backend_unavailable` on mint and transient RevokeErrors on revoke; once Vault is back,
 * the same revocation succeeds. Only the double can be made to fail on demand.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RevokeError, type MintResult, type RevocationTarget } from '../../../src/backends/backend.js';
import type { VaultBackend } from '../../../src/backends/vault/backend.js';
import type { Fault } from '../../doubles/vault/index.js';
import { backendFor, createFixture, grantFor, type VaultFixture } from './support/fixture.js';
import { roleExists } from './support/pg.js';
import { openTarget, REAL_VAULT } from './support/target.js';

let f: VaultFixture;
let vault: VaultBackend;
const setFault = (mode: Fault) => f.target.double!.setFault(mode);
const target = (m: MintResult): RevocationTarget => ({ leaseId: 'l', taskId: 't', profileName: 'p', revocationData: m.revocationData, credentialExpiresAt: Date.now() + 60_000 });

describe.runIf(!REAL_VAULT)('Vault faults (Vault double only: a real Vault cannot be made to fail on demand)', () => {
  beforeAll(async () => {
    f = await createFixture(await openTarget());
    vault = backendFor(f, { timeoutMs: 400 });
    await vault.ready();
  });
  afterEach(async () => setFault('none'));
  afterAll(async () => {
    await vault?.close();
    await f?.close();
  });

  it.each(['refuse', 'hang', 'unavailable'] as const)('%s: mint answers 503 backend_unavailable, revoke fails transiently, and succeeds once Vault is back', async (mode) => {
    const m = await vault.mint(grantFor('db-ro'));
    const user = (m.credential['data'] as { username: string }).username;
    await setFault(mode);
    const started = Date.now();
    await expect(vault.mint(grantFor('db-ro'))).rejects.toMatchObject({ status: 503, code: 'backend_unavailable', expose: false });
    await expect(vault.mint(grantFor('tok'))).rejects.toMatchObject({ status: 503, code: 'backend_unavailable' });
    const err = await vault.revoke(target(m)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RevokeError);
    expect((err as RevokeError).permanent).toBe(false);
    expect(Date.now() - started).toBeLessThan(3000); // the request timeout (400 ms) bounds a hung Vault
    await expect(vault.ready()).rejects.toThrow();
    expect(await roleExists(user)).toBe(true);

    await setFault('none');
    await vault.revoke(target(m));
    expect(await roleExists(user)).toBe(false);
    await expect(vault.ready()).resolves.toBeUndefined();
  });

  it('starts while Vault is down and logs in once it is back', async () => {
    await setFault('refuse');
    const late = backendFor(f, { timeoutMs: 400 }).start();
    try {
      await expect(late.mint(grantFor('tok'))).rejects.toMatchObject({ code: 'backend_unavailable' });
      await setFault('none');
      await expect(late.mint(grantFor('tok'))).resolves.toMatchObject({ revocation: 'revocable' });
      expect(late.self.stats.logins).toBe(1);
    } finally {
      await late.close();
    }
  });
});
