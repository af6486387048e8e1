/**
 * Vault's JWT auth method for the tests (https://developer.hashicorp.com/vault/api-docs/auth/jwt#jwt-login).
 * - Real Vault: a `jwt` auth mount configured with `jwt_validation_pubkeys` (a key generated here) and a
 *   role bound to audience `vault` and subject `tessera`.
 * - Vault double (it has no JWT auth method): a small HTTP front that answers `POST /v1/auth/<mount>/login`
 *   itself — verifying the JWT with the same key and bindings, then creating an orphan token with the
 *   role's policies through the double — and forwards every other request to the double unchanged.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportSPKI, generateKeyPair, jwtVerify, SignJWT, type CryptoKey } from 'jose';
import type { VaultTarget } from './target.js';

export interface JwtLogin {
  /** Vault address Tessera should use (the front on the double, else the real Vault). */
  address: string;
  mount: string;
  role: string;
  /** A signed workload JWT for subject `tessera`. */
  sign(): Promise<string>;
  /** JWTs seen by the double's front, in order (empty for real Vault). */
  seen: string[];
  close(): Promise<void>;
}

export async function setupJwtLogin(target: VaultTarget, suffix: string, policies: string[]): Promise<JwtLogin> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const issuer = 'https://issuer.test';
  const sign = () =>
    new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setIssuer(issuer).setSubject('tessera').setAudience('vault').setIssuedAt().setExpirationTime('10m').sign(privateKey);
  if (target.kind === 'real') {
    const mount = `tessera-jwt-${suffix}`;
    await target.must('POST', `sys/auth/${mount}`, { type: 'jwt' });
    await target.must('POST', `auth/${mount}/config`, { jwt_validation_pubkeys: [await exportSPKI(publicKey)], bound_issuer: issuer });
    await target.must('POST', `auth/${mount}/role/tessera`, {
      role_type: 'jwt', bound_audiences: ['vault'], bound_subject: 'tessera', user_claim: 'sub', token_policies: policies, token_ttl: '1h',
    });
    return { address: target.addr, mount, role: 'tessera', sign, seen: [], close: async () => void (await target.api('DELETE', `sys/auth/${mount}`)) };
  }
  const seen: string[] = [];
  const server = await front(target, publicKey, issuer, policies, seen);
  return {
    address: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    mount: 'jwt',
    role: 'tessera',
    sign,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function front(target: VaultTarget, key: CryptoKey, issuer: string, policies: string[], seen: string[]): Promise<Server> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const reply = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, body ? { 'content-type': type } : {});
      res.end(body);
    };
    if (req.method === 'POST' && req.url === '/v1/auth/jwt/login') {
      const { role, jwt } = JSON.parse(raw || '{}') as { role?: string; jwt?: string };
      seen.push(jwt ?? '');
      try {
        if (role !== 'tessera') throw new Error(`role "${role}" could not be found`);
        const { payload } = await jwtVerify(jwt ?? '', key, { issuer, audience: 'vault', subject: 'tessera' });
        const r = await target.must('POST', 'auth/token/create-orphan', { policies, ttl: '1h', display_name: `jwt-${payload.sub}`, meta: { role } });
        return reply(200, JSON.stringify(r.body));
      } catch (err) {
        return reply(400, JSON.stringify({ errors: [`error validating token: ${(err as Error).message}`] }));
      }
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k.startsWith('x-vault-')) headers[k] = v;
    const r = await fetch(`${target.addr}${req.url}`, { method: req.method, headers, ...(raw ? { body: raw } : {}) });
    reply(r.status, await r.text(), r.headers.get('content-type') ?? 'application/json');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return server;
}
