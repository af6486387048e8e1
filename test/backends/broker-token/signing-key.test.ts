import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, exportPKCS8, generateKeyPair, jwtVerify } from 'jose';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BrokerTokenBackend } from '../../../src/backends/broker-token/backend.js';
import { loadSigningKey } from '../../../src/backends/broker-token/signing-key.js';
import { brokerGrant } from './grant.js';

const silent = pino({ level: 'silent' });

async function keyPair() {
  return generateKeyPair('ES256', { extractable: true });
}

describe('broker-token signing key', () => {
  it('loads a PKCS#8 PEM from an environment variable and publishes only the public key', async () => {
    const { privateKey } = await keyPair();
    const pem = await exportPKCS8(privateKey);
    const key = await loadSigningKey({ signing_key_env: 'K' }, { env: { K: pem }, devMode: false, log: silent });
    expect(key.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: key.kid });
    expect(key.publicJwk.d).toBeUndefined();
  });

  it('loads a JWK from a file, keeps a configured kid, and signs tokens that verify with the published key', async () => {
    const { privateKey } = await keyPair();
    const dir = mkdtempSync(join(tmpdir(), 'tessera-key-'));
    const file = join(dir, 'key.json');
    writeFileSync(file, JSON.stringify(await exportJWK(privateKey)));
    const key = await loadSigningKey({ signing_key_file: file, key_id: 'k-2026' }, { env: {}, devMode: false, log: silent });
    expect(key.kid).toBe('k-2026');
    const backend = new BrokerTokenBackend(key, () => 'https://tessera.test', () => ({ audience: 'https://tool' }), { now: () => Date.now() });
    const mintedAt = Date.now();
    const minted = await backend.mint(brokerGrant(60, mintedAt + 120_000, ['r1', 'r2']));
    const { payload, protectedHeader } = await jwtVerify(minted.credential.token as string, key.publicKey, { issuer: 'https://tessera.test', audience: 'https://tool', algorithms: ['ES256'] });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'k-2026', typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: 'agent-1', jti: 'lse_aaaaaaaaaaaaaaaaaaaaaa', task_id: 'tsk_bbbbbbbbbbbbbbbbbbbbbb', scope: 'r1 r2', agent_iss: 'https://iss' });
    // Lives at least the 60 s granted, less than 61 s; the lease expires with the token.
    expect(payload.exp! * 1000 - mintedAt).toBeGreaterThanOrEqual(60_000);
    expect(payload.exp! * 1000 - mintedAt).toBeLessThan(61_000);
    expect(minted.expiresAt).toBe(payload.exp! * 1000);
    expect(minted.revocationData).toEqual({ jti: 'lse_aaaaaaaaaaaaaaaaaaaaaa' });
    expect(await backend.verify(minted.credential.token as string)).toMatchObject({ jti: 'lse_aaaaaaaaaaaaaaaaaaaaaa' });
    expect(await backend.verify((minted.credential.token as string).slice(0, -4) + 'AAAA')).toBeNull();
  });

  it('refuses a non-P-256 JWK', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    await expect(loadSigningKey({ signing_key_env: 'K' }, { env: { K: JSON.stringify(await exportJWK(privateKey)) }, devMode: false, log: silent })).rejects.toThrow(/P-256/);
  });

  it('generates an ephemeral key only in dev mode, with a loud warning', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => lines.push(l) });
    const key = await loadSigningKey({}, { env: {}, devMode: true, log });
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(lines.join('')).toContain('DEV MODE');
    await expect(loadSigningKey({}, { env: {}, devMode: false, log: silent })).rejects.toThrow(/no signing key/);
  });
});
