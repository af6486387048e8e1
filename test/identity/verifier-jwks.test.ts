import { randomUUID } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startDevIssuer } from '../../src/demo/dev-issuer.js';
import { WorkloadVerifier } from '../../src/identity/verifier.js';
import { expectCode, issuerConfig, mint, perTestCleanup, testClock } from './helpers.js';

const { cleanup, devIssuer } = perTestCleanup();

/** A local HTTP server with its own handler, counting requests. */
async function stub(handler: RequestListener): Promise<{ url: string; hits: () => number; server: Server }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits, server };
}

describe('key rotation and unknown kids', () => {
  it('refetches the JWKS for an unknown kid after the cooldown: rotated keys verify', async () => {
    const dev = await devIssuer();
    const v = new WorkloadVerifier([issuerConfig(dev)], { clock: testClock(), cooldownMs: 0 });
    const oldToken = await mint(dev);
    await v.verify(oldToken);
    expect(dev.jwksRequests()).toBe(1);

    await dev.rotateKey();
    await expect(v.verify(await mint(dev))).resolves.toMatchObject({ subject: 'agent-1' });
    expect(dev.jwksRequests()).toBe(2);
    // The old key left the set: its tokens no longer verify.
    await expectCode(v.verify(oldToken), 'token_invalid', { token: oldToken });
  });

  it('does not hammer the JWKS endpoint with a burst of unknown kids within the cooldown', async () => {
    const dev = await devIssuer();
    const v = new WorkloadVerifier([issuerConfig(dev)], { clock: testClock(), cooldownMs: 60_000 });
    await v.verify(await mint(dev));
    expect(dev.jwksRequests()).toBe(1);

    const burst = await Promise.all(Array.from({ length: 25 }, () => mint(dev, { kid: randomUUID() })));
    await Promise.all(burst.map((token) => expectCode(v.verify(token), 'token_invalid', { token })));
    for (const token of burst.slice(0, 5)) await expectCode(v.verify(token), 'token_invalid');
    expect(dev.jwksRequests()).toBe(1);
  });

  it('refetches when the cached keys are older than cacheMaxAge', async () => {
    const dev = await devIssuer();
    const v = new WorkloadVerifier([issuerConfig(dev)], { clock: testClock(), cacheMaxAgeMs: 0 });
    await v.verify(await mint(dev));
    await v.verify(await mint(dev));
    expect(dev.jwksRequests()).toBe(2);
  });
});

describe('issuer unavailable: never a silent accept', () => {
  it('answers issuer_unavailable (503) when the JWKS endpoint is down', async () => {
    const dev = await devIssuer();
    const token = await mint(dev);
    await dev.close();
    const v = new WorkloadVerifier([issuerConfig(dev)], { clock: testClock() });
    await expectCode(v.verify(token), 'issuer_unavailable', { status: 503, token });
  });

  it('answers issuer_unavailable (503) when discovery is down, and retries discovery later', async () => {
    const dev = await devIssuer();
    const token = await mint(dev);
    const { port } = new URL(dev.issuer);
    await dev.close();
    const v = new WorkloadVerifier([issuerConfig(dev, { jwks_uri: undefined })], { clock: testClock() });
    await expectCode(v.verify(token), 'issuer_unavailable', { status: 503, token });

    const back = await startDevIssuer({ port: Number(port) });
    cleanup.push(() => back.close());
    expect(back.issuer).toBe(dev.issuer);
    await expect(v.verify(await mint(back))).resolves.toMatchObject({ issuer: dev.issuer });
  });

  it.each([
    ['HTTP 500', (_req: unknown, res: import('node:http').ServerResponse) => void res.writeHead(500).end('{}')],
    ['not a JWKS', (_req: unknown, res: import('node:http').ServerResponse) => void res.writeHead(200).end('{"keys":"no"}')],
    ['not JSON', (_req: unknown, res: import('node:http').ServerResponse) => void res.writeHead(200).end('<html>')],
    ['a redirect', (_req: unknown, res: import('node:http').ServerResponse) => void res.writeHead(302, { location: 'http://127.0.0.1:1/' }).end()],
  ])('answers issuer_unavailable (503) when the JWKS endpoint returns %s', async (_name, handler) => {
    const dev = await devIssuer();
    const broken = await stub(handler);
    const v = new WorkloadVerifier([issuerConfig(dev, { jwks_uri: `${broken.url}/jwks` })], { clock: testClock() });
    const token = await mint(dev);
    await expectCode(v.verify(token), 'issuer_unavailable', { status: 503, token });
    expect(broken.hits()).toBe(1);
  });

  it('answers issuer_unavailable (503) when the JWKS endpoint hangs past fetchTimeoutMs', async () => {
    const dev = await devIssuer();
    const hanging = await stub(() => undefined);
    const v = new WorkloadVerifier([issuerConfig(dev, { jwks_uri: `${hanging.url}/jwks` })], {
      clock: testClock(),
      fetchTimeoutMs: 100,
    });
    await expectCode(v.verify(await mint(dev)), 'issuer_unavailable', { status: 503 });
  });

  it('keeps verifying known keys from its cache while the issuer is down', async () => {
    const dev = await devIssuer();
    const v = new WorkloadVerifier([issuerConfig(dev)], { clock: testClock() });
    const [first, second] = [await mint(dev), await mint(dev, { sub: 'agent-2' })];
    await v.verify(first);
    await dev.close();
    await expect(v.verify(second)).resolves.toMatchObject({ subject: 'agent-2' });
  });
});
