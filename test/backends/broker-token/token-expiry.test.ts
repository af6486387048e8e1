import { generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { BrokerTokenBackend, tokenExpiry } from '../../../src/backends/broker-token/backend.js';
import type { SigningKey } from '../../../src/backends/broker-token/signing-key.js';
import { brokerGrant } from './grant.js';

const SECOND = 1000;

describe('broker token expiry (whole-second exp)', () => {
  it('never gives less than the granted TTL, even granted just before a second ends', () => {
    // 1 s granted at 10.999 s: rounding down would give exp = 11, a token dead 1 ms after its mint.
    expect(tokenExpiry(10_999, 1, 60 * SECOND)).toBe(12);
    expect(tokenExpiry(10_000, 1, 60 * SECOND)).toBe(11);
    expect(tokenExpiry(10_001, 30, 60 * SECOND)).toBe(41);
  });

  it('never passes the whole second at or before the task end', () => {
    expect(tokenExpiry(10_500, 5, 12_999)).toBe(12);
    expect(tokenExpiry(10_500, 5, 12_000)).toBe(12);
    // At least 1 s of task left (the issuer's rule) always leaves exp in the future.
    for (let now = 10_000; now < 11_000; now += 7) {
      const notAfter = now + 1_000 + ((now * 13) % 1000);
      expect(tokenExpiry(now, 1, notAfter) * 1000).toBeGreaterThan(now);
      expect(tokenExpiry(now, 1, notAfter) * 1000).toBeLessThanOrEqual(notAfter);
    }
  });

  it('a 1 s token minted late in a second still verifies, and the lease expires with it', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const key = { privateKey, publicKey, kid: 'k', publicJwk: {} } as unknown as SigningKey;
    let now = 1_800_000_000_999;
    const backend = new BrokerTokenBackend(key, () => 'https://tessera.test', () => ({ audience: 'https://tool' }), { now: () => now });
    const minted = await backend.mint(brokerGrant(1, now + 1_950));
    expect(minted.expiresAt).toBe(1_800_000_001_000 + SECOND);
    now += 2; // the agent uses it at once, in the next second
    expect(await backend.verify(minted.credential.token as string)).toMatchObject({ jti: 'lse_aaaaaaaaaaaaaaaaaaaaaa' });
    now = minted.expiresAt!;
    expect(await backend.verify(minted.credential.token as string)).toBeNull();
  });
});
