import { SignJWT, decodeProtectedHeader, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuerConfig } from '../../src/config/schema.js';
import { startDevIssuer, type DevIssuer } from '../../src/demo/dev-issuer.js';
import { WorkloadVerifier } from '../../src/identity/verifier.js';
import { expectCode, issuerConfig, mint, NOW, testClock } from './helpers.js';

let dev: DevIssuer;
beforeAll(async () => {
  dev = await startDevIssuer();
});
afterAll(async () => {
  await dev.close();
});

function verifier(overrides: Partial<IssuerConfig> = {}, clock = testClock()): WorkloadVerifier {
  return new WorkloadVerifier([issuerConfig(dev, overrides)], { clock });
}

describe('routing and format', () => {
  it('rejects a token from an issuer that is not configured: issuer_untrusted', async () => {
    const token = await mint(dev, { extra: { iss: 'https://evil.example' } });
    await expectCode(verifier().verify(token), 'issuer_untrusted', { token });
  });

  it('rejects malformed tokens: token_invalid', async () => {
    const v = verifier();
    for (const bad of ['', 'abc', 'a.b', 'a.b.c', '!!.??.**', 'e30.e30.e30.e30.e30', 'eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.sig']) {
      await expectCode(v.verify(bad), 'token_invalid');
    }
  });

  it('rejects an oversized token: token_invalid', async () => {
    const token = await mint(dev, { extra: { padding: 'x'.repeat(20_000) } });
    await expectCode(verifier().verify(token), 'token_invalid', { token });
  });
});

describe('signature', () => {
  it('rejects a tampered payload: token_invalid', async () => {
    const token = await mint(dev);
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
    const tampered = `${h}.${forged}.${s}`;
    await expectCode(verifier().verify(tampered), 'token_invalid', { token: tampered });
  });

  it('rejects a token signed by another key under the issuer\'s kid: token_invalid', async () => {
    const { kid } = decodeProtectedHeader(await mint(dev));
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({ sub: 'agent-1', aud: 'tessera' })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer(dev.issuer).setIssuedAt(NOW).setExpirationTime(NOW + 600)
      .sign(privateKey);
    await expectCode(verifier().verify(token), 'token_invalid', { token });
  });
});

describe('required claims', () => {
  it.each(['sub', 'aud', 'exp'] as const)('rejects a token without %s: token_claim_missing', async (claim) => {
    const token =
      claim === 'exp' ? await mint(dev, { exp: null }) : await mint(dev, { extra: { [claim]: undefined } });
    const err = await expectCode(verifier().verify(token), 'token_claim_missing', { token });
    expect(err.message).toContain(`"${claim}"`);
  });

  it('rejects a token without iss: token_claim_missing', async () => {
    const token = await mint(dev, { extra: { iss: undefined } });
    const err = await expectCode(verifier().verify(token), 'token_claim_missing', { token });
    expect(err.message).toContain('"iss"');
  });

  it('rejects a non-string sub: token_invalid', async () => {
    const token = await mint(dev, { extra: { sub: 42 } });
    await expectCode(verifier().verify(token), 'token_invalid', { token });
  });
});

describe('audience and time', () => {
  it('rejects an audience that does not intersect: token_audience_invalid', async () => {
    const token = await mint(dev, { aud: ['sts.amazonaws.com', 'other'] });
    await expectCode(verifier().verify(token), 'token_audience_invalid', { token });
  });

  it('rejects an expired token beyond the tolerance: token_expired', async () => {
    const token = await mint(dev); // exp = NOW + 600
    await expectCode(verifier({}, testClock(NOW + 600 + 31)).verify(token), 'token_expired', { token });
  });

  it('rejects nbf in the future beyond the tolerance: token_not_yet_valid', async () => {
    const token = await mint(dev, { nbf: NOW + 31 });
    await expectCode(verifier().verify(token), 'token_not_yet_valid', { token });
  });

  it('rejects iat in the future beyond the tolerance: token_not_yet_valid', async () => {
    const token = await mint(dev, { iat: NOW + 120 });
    await expectCode(verifier().verify(token), 'token_not_yet_valid', { token });
  });

  it('rejects a lifetime exp - iat above the maximum: token_lifetime_exceeded', async () => {
    const token = await mint(dev, { ttlSeconds: 3601 });
    await expectCode(verifier({ max_token_lifetime_seconds: 3600 }).verify(token), 'token_lifetime_exceeded', { token });
    // Exactly the maximum is fine.
    await expect(verifier({ max_token_lifetime_seconds: 3601 }).verify(token)).resolves.toBeDefined();
  });

  it('measures the lifetime from now when iat is absent: token_lifetime_exceeded', async () => {
    const token = await mint(dev, { extra: { iat: undefined }, exp: NOW + 7200 });
    await expectCode(verifier({ max_token_lifetime_seconds: 3600 }).verify(token), 'token_lifetime_exceeded', { token });
    await expect(verifier({ max_token_lifetime_seconds: 3600 }, testClock(NOW + 3700)).verify(token)).resolves.toBeDefined();
  });
});

describe('issuer claim constraints', () => {
  const rules = { repository: 'acme/*', ref: 'refs/heads/main' };

  it('accepts claims that satisfy exact and pattern constraints', async () => {
    const token = await mint(dev, { extra: { repository: 'acme/web', ref: 'refs/heads/main' } });
    await expect(verifier({ claims: rules }).verify(token)).resolves.toMatchObject({ subject: 'agent-1' });
  });

  it.each([
    ['exact mismatch', { repository: 'acme/web', ref: 'refs/heads/dev' }, 'ref'],
    ['pattern mismatch', { repository: 'other/web', ref: 'refs/heads/main' }, 'repository'],
    ['pattern not anchored at the start', { repository: 'evil/acme/x', ref: 'refs/heads/main' }, 'repository'],
    ['claim absent', { ref: 'refs/heads/main' }, 'repository'],
    ['claim not a string', { repository: ['acme/web'], ref: 'refs/heads/main' }, 'repository'],
  ])('rejects %s: token_claims_rejected', async (_name, extra, claim) => {
    const token = await mint(dev, { extra });
    const err = await expectCode(verifier({ claims: rules }).verify(token), 'token_claims_rejected', { token });
    expect(err.message).toContain(`"${claim}"`);
  });
});
