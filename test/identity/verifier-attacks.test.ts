import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  EmbeddedJWK,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevIssuer, type DevIssuer } from '../../src/demo/dev-issuer.js';
import { WorkloadVerifier } from '../../src/identity/verifier.js';
import { compact, expectCode, issuerConfig, mint, NOW, testClock } from './helpers.js';

let dev: DevIssuer;
let attacker: { privateKey: CryptoKey; jwk: JWK };
/** An attacker-controlled key server; it must never be contacted. */
let trap: Server;
let trapUrl: string;
let trapHits = 0;

beforeAll(async () => {
  dev = await startDevIssuer({ algorithm: 'RS256' });
  const pair = await generateKeyPair('RS256', { extractable: true });
  attacker = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: 'attacker', alg: 'RS256' } };
  trap = createServer((_req, res) => {
    trapHits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [attacker.jwk] }));
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}/jwks`;
});
afterAll(async () => {
  await dev.close();
  await new Promise((resolve) => trap.close(resolve));
});

const claims = () => ({ iss: dev.issuer, sub: 'agent-1', aud: 'tessera', iat: NOW, exp: NOW + 600 });
const verifier = (algorithms: IssuerAlg[] = ['RS256']) =>
  new WorkloadVerifier([issuerConfig(dev, { algorithms })], { clock: testClock() });
type IssuerAlg = 'RS256' | 'ES256' | 'PS256';

async function issuerPublicJwk(): Promise<JWK> {
  const res = await fetch(dev.jwksUri);
  return ((await res.json()) as { keys: JWK[] }).keys[0] as JWK;
}

describe('algorithm allow-list, checked before any key lookup', () => {
  it('rejects alg none: token_algorithm_rejected', async () => {
    const before = dev.jwksRequests();
    for (const alg of ['none', 'None', 'NONE']) {
      const token = compact({ alg, typ: 'JWT' }, claims());
      await expectCode(verifier().verify(token), 'token_algorithm_rejected', { token });
    }
    expect(dev.jwksRequests()).toBe(before);
  });

  it('rejects HS256 signed with the issuer public key as HMAC secret: token_algorithm_rejected', async () => {
    const jwk = await issuerPublicJwk();
    const pem = await exportSPKI((await importJWK(jwk, 'RS256', { extractable: true })) as CryptoKey);
    const before = dev.jwksRequests();
    for (const secret of [pem, pem.trim(), JSON.stringify(jwk)]) {
      const header = { alg: 'HS256', typ: 'JWT', kid: jwk.kid };
      const input = compact(header, claims()).slice(0, -1);
      const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
      await expectCode(verifier().verify(token), 'token_algorithm_rejected', { token });
    }
    expect(dev.jwksRequests()).toBe(before);
  });

  it('rejects an asymmetric alg outside the issuer list: token_algorithm_rejected', async () => {
    const token = await mint(dev);
    const before = dev.jwksRequests();
    await expectCode(verifier(['ES256', 'PS256']).verify(token), 'token_algorithm_rejected', { token });
    // Header alg relabelled (signature still RS256) is refused by its label too.
    const relabelled = await mint(dev, { alg: 'RS512' });
    await expectCode(verifier().verify(relabelled), 'token_algorithm_rejected', { token: relabelled });
    expect(dev.jwksRequests()).toBe(before);
  });

  it('rejects a missing alg header: token_invalid', async () => {
    const token = compact({ typ: 'JWT' }, claims(), 'c2ln');
    await expectCode(verifier().verify(token), 'token_invalid', { token });
  });
});

describe('key material in token headers is ignored', () => {
  it('rejects a token signed by an attacker key carried in its own jwk header: token_invalid', async () => {
    const { kid: issuerKid } = decodeProtectedHeader(await mint(dev));
    for (const kid of ['attacker', issuerKid, undefined]) {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'RS256', jwk: attacker.jwk, ...(kid ? { kid } : {}) })
        .sign(attacker.privateKey);
      // The token is otherwise perfect: a verifier that trusted the embedded key would accept it.
      await expect(jwtVerify(token, EmbeddedJWK, { currentDate: new Date(NOW * 1000) })).resolves.toBeDefined();
      await expectCode(verifier().verify(token), 'token_invalid', { token });
    }
  });

  it('never fetches a jku or x5u header, nor trusts x5c: token_invalid', async () => {
    const before = trapHits;
    const headers = [
      { alg: 'RS256', kid: 'attacker', jku: trapUrl },
      { alg: 'RS256', kid: 'attacker', x5u: trapUrl },
      { alg: 'RS256', kid: 'attacker', x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] },
    ];
    for (const header of headers) {
      const token = await new SignJWT(claims()).setProtectedHeader(header).sign(attacker.privateKey);
      // Valid under the attacker's key set, which the header points at.
      const attackerSet = createLocalJWKSet({ keys: [attacker.jwk] });
      await expect(jwtVerify(token, attackerSet, { currentDate: new Date(NOW * 1000) })).resolves.toBeDefined();
      await expectCode(verifier().verify(token), 'token_invalid', { token });
    }
    expect(trapHits).toBe(before);
  });
});
