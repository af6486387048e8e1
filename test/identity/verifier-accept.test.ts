import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevIssuer, type DevIssuer } from '../../src/demo/dev-issuer.js';
import { WorkloadVerifier } from '../../src/identity/verifier.js';
import { expectCode, issuerConfig, mint, NOW, testClock } from './helpers.js';

describe('WorkloadVerifier accepts good tokens', () => {
  let es: DevIssuer;
  let rs: DevIssuer;
  beforeAll(async () => {
    es = await startDevIssuer({ algorithm: 'ES256' });
    rs = await startDevIssuer({ algorithm: 'RS256' });
  });
  afterAll(async () => {
    await es.close();
    await rs.close();
  });

  it('verifies an ES256 token and returns the identity', async () => {
    const v = new WorkloadVerifier([issuerConfig(es)], { clock: testClock() });
    const token = await mint(es, { extra: { repository: 'acme/web' } });
    const id = await v.verify(token);
    expect(id.issuer).toBe(es.issuer);
    expect(id.subject).toBe('agent-1');
    expect(id.claims).toMatchObject({ iss: es.issuer, sub: 'agent-1', aud: 'tessera', repository: 'acme/web' });
    expect(JSON.stringify(id)).not.toContain(token);
  });

  it('verifies an RS256 token', async () => {
    const v = new WorkloadVerifier([issuerConfig(rs)], { clock: testClock() });
    const id = await v.verify(await mint(rs, { sub: 'system:serviceaccount:ci:runner' }));
    expect(id).toMatchObject({ issuer: rs.issuer, subject: 'system:serviceaccount:ci:runner' });
  });

  it('routes each token to its own issuer among several', async () => {
    const v = new WorkloadVerifier([issuerConfig(es), issuerConfig(rs)], { clock: testClock() });
    expect((await v.verify(await mint(es))).issuer).toBe(es.issuer);
    expect((await v.verify(await mint(rs))).issuer).toBe(rs.issuer);
  });

  it('accepts an aud array that intersects the configured audiences', async () => {
    const v = new WorkloadVerifier([issuerConfig(es, { audiences: ['other', 'tessera'] })], { clock: testClock() });
    const id = await v.verify(await mint(es, { aud: ['sts.amazonaws.com', 'tessera'] }));
    expect(id.subject).toBe('agent-1');
  });

  it('accepts tokens within the clock tolerance (exp just passed, nbf/iat just ahead)', async () => {
    const clock = testClock();
    const v = new WorkloadVerifier([issuerConfig(es, { clock_tolerance_seconds: 30 })], { clock });
    clock.set(NOW + 620); // exp = NOW + 600
    await expect(v.verify(await mint(es))).resolves.toMatchObject({ subject: 'agent-1' });
    clock.set(NOW - 20);
    await expect(v.verify(await mint(es, { nbf: NOW }))).resolves.toMatchObject({ subject: 'agent-1' });
  });
});

describe('key location: explicit jwks_uri vs OIDC discovery', () => {
  let dev: DevIssuer;
  beforeAll(async () => {
    dev = await startDevIssuer();
  });
  afterAll(async () => {
    await dev.close();
  });

  it('uses an explicit jwks_uri without discovery', async () => {
    const before = dev.discoveryRequests();
    const v = new WorkloadVerifier([issuerConfig(dev)], { clock: testClock() });
    await v.verify(await mint(dev));
    expect(dev.discoveryRequests()).toBe(before);
  });

  it('discovers the jwks_uri once and caches it', async () => {
    const before = dev.discoveryRequests();
    const v = new WorkloadVerifier([issuerConfig(dev, { jwks_uri: undefined })], { clock: testClock() });
    await v.verify(await mint(dev));
    await v.verify(await mint(dev, { sub: 'agent-2' }));
    expect(dev.discoveryRequests() - before).toBe(1);
  });

  it('coalesces concurrent first-time discoveries', async () => {
    const before = dev.discoveryRequests();
    const v = new WorkloadVerifier([issuerConfig(dev, { jwks_uri: undefined })], { clock: testClock() });
    const tokens = await Promise.all([1, 2, 3, 4].map((n) => mint(dev, { sub: `agent-${n}` })));
    const ids = await Promise.all(tokens.map((t) => v.verify(t)));
    expect(ids.map((i) => i.subject)).toEqual(['agent-1', 'agent-2', 'agent-3', 'agent-4']);
    expect(dev.discoveryRequests() - before).toBe(1);
  });

  it('rejects discovery whose issuer differs from the configured one', async () => {
    // Configured (and token) issuer has a trailing slash; the discovered document names it without.
    const iss = `${dev.issuer}/`;
    const v = new WorkloadVerifier([issuerConfig(dev, { issuer: iss, jwks_uri: undefined })], { clock: testClock() });
    const token = await mint(dev, { extra: { iss } });
    await expectCode(v.verify(token), 'issuer_unavailable', { status: 503, token });
  });
});
