import { describe, expect, it } from 'vitest';
import { WorkloadVerifier, type WorkloadVerifierOptions } from '../../src/identity/verifier.js';
import { expectCode, issuerConfig, mint, perTestCleanup, testClock } from './helpers.js';

const NOW = 1_750_000_000;
const { cleanup, devIssuer } = perTestCleanup();

/** Count signature checks: jose verifies each signature with WebCrypto's `subtle.verify`. */
function countSignatureChecks(): () => number {
  let n = 0;
  const subtle = globalThis.crypto.subtle;
  const original = subtle.verify;
  subtle.verify = function (this: typeof subtle, ...args: Parameters<typeof original>) {
    n++;
    return original.apply(this, args);
  } as typeof original;
  cleanup.push(async () => {
    subtle.verify = original;
  });
  return () => n;
}

/** A dev issuer and a verifier trusting it, at NOW unless `opts` says otherwise. */
async function verifierFor(opts: WorkloadVerifierOptions = {}) {
  const dev = await devIssuer();
  return { dev, v: new WorkloadVerifier([issuerConfig(dev)], { clock: testClock(NOW), ...opts }) };
}

describe('verified-token cache', () => {
  it('checks a repeated token\'s signature once, and returns the same identity', async () => {
    const { dev, v } = await verifierFor();
    const checks = countSignatureChecks();
    const token = await mint(dev, { iat: NOW });
    const first = await v.verify(token);
    const second = await v.verify(token);
    expect(second).toEqual(first);
    expect(checks()).toBe(1);
    // A different token is verified in full.
    await v.verify(await mint(dev, { iat: NOW, sub: 'agent-2' }));
    expect(checks()).toBe(2);
  });

  it('does not serve a remembered token once it has expired, or before its nbf', async () => {
    const dev = await devIssuer();
    const clock = testClock(NOW);
    const v = new WorkloadVerifier([issuerConfig(dev, { clock_tolerance_seconds: 0 })], { clock });
    const token = await mint(dev, { iat: NOW, ttlSeconds: 60 });
    await v.verify(token);
    clock.set(NOW + 59);
    await expect(v.verify(token)).resolves.toMatchObject({ subject: 'agent-1' });
    clock.set(NOW + 60);
    await expectCode(v.verify(token), 'token_expired', { token });

    const early = await mint(dev, { iat: NOW, nbf: NOW + 100 });
    clock.set(NOW + 100);
    await v.verify(early);
    clock.set(NOW + 50);
    await expectCode(v.verify(early), 'token_not_yet_valid', { token: early });
  });

  it('forgets tokens verified under keys that were refetched: a rotated-out key stops verifying', async () => {
    const { dev, v } = await verifierFor({ cooldownMs: 0 });
    const old = await mint(dev, { iat: NOW });
    await v.verify(old);
    await v.verify(old);
    await dev.rotateKey();
    await v.verify(await mint(dev, { iat: NOW }));
    expect(dev.jwksRequests()).toBe(2);
    await expectCode(v.verify(old), 'token_invalid', { token: old });
  });

  it('still refetches keys older than cacheMaxAge for a remembered token', async () => {
    const { dev, v } = await verifierFor({ cacheMaxAgeMs: 0 });
    const token = await mint(dev, { iat: NOW });
    await v.verify(token);
    await v.verify(token);
    expect(dev.jwksRequests()).toBe(2);
  });

  it('verifies every token in full with verifiedCacheSize 0', async () => {
    const { dev, v } = await verifierFor({ verifiedCacheSize: 0 });
    const checks = countSignatureChecks();
    const token = await mint(dev, { iat: NOW });
    await v.verify(token);
    await v.verify(token);
    expect(checks()).toBe(2);
  });

  it('hands out frozen identities, so one request cannot change what the next one sees', async () => {
    const { dev, v } = await verifierFor();
    const id = await v.verify(await mint(dev, { iat: NOW }));
    expect(Object.isFrozen(id)).toBe(true);
    expect(Object.isFrozen(id.claims)).toBe(true);
  });
});
