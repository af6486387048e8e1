/**
 * A local OIDC issuer for development, the demo and tests.
 *
 * WARNING: development only. It signs whatever claims it is asked to, keeps its private keys in
 * memory, serves plain HTTP and only listens on loopback. Never trust it in a real deployment.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeyObject, randomUUID, sign as nodeSign } from 'node:crypto';
import { base64url, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export type DevIssuerAlgorithm = 'ES256' | 'RS256';

export interface MintClaims {
  sub: string;
  aud: string | string[];
  /** Lifetime from `iat` when `exp` is not given (default 300 s). */
  ttlSeconds?: number;
  /** Unix seconds; default now. */
  iat?: number;
  nbf?: number;
  /** Unix seconds; `null` omits the claim. */
  exp?: number | null;
  /** Further claims (may override `iss` too, e.g. to test issuer routing). */
  extra?: Record<string, unknown>;
  /** Header `kid` override (default: the current key's kid). */
  kid?: string;
  /** Header `alg` override, for negative tests; the signature is still made by the issuer's key. */
  alg?: string;
}

export interface DevIssuer {
  /** `http://127.0.0.1:PORT` */
  issuer: string;
  jwksUri: string;
  mint(claims: MintClaims): Promise<string>;
  /** Replace the signing key: new kid, the old key is dropped from the JWKS. */
  rotateKey(): Promise<void>;
  /** How many times `/jwks` was requested. */
  jwksRequests(): number;
  /** How many times the discovery document was requested. */
  discoveryRequests(): number;
  close(): Promise<void>;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

async function newKey(alg: DevIssuerAlgorithm): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** Sign `header.payload` with the key's own algorithm whatever the header says (negative tests). */
function signRaw(key: SigningKey, alg: DevIssuerAlgorithm, header: object, payload: object): string {
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}`;
  const keyObject = KeyObject.from(key.privateKey);
  const signature =
    alg === 'ES256'
      ? nodeSign('sha256', Buffer.from(input), { key: keyObject, dsaEncoding: 'ieee-p1363' })
      : nodeSign('sha256', Buffer.from(input), keyObject);
  return `${input}.${base64url.encode(signature)}`;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export async function startDevIssuer(
  opts: { port?: number; algorithm?: DevIssuerAlgorithm; host?: string } = {},
): Promise<DevIssuer> {
  const alg = opts.algorithm ?? 'ES256';
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new Error(`dev issuer listens on loopback only, not ${host}`);
  let key = await newKey(alg);
  let jwksCount = 0;
  let discoveryCount = 0;
  let issuer = '';
  let closing: Promise<void> | undefined;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET') return send(res, 405, { error: 'method_not_allowed' });
    if (path === '/.well-known/openid-configuration') {
      discoveryCount++;
      return send(res, 200, {
        issuer,
        jwks_uri: `${issuer}/jwks`,
        id_token_signing_alg_values_supported: [alg],
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
      });
    }
    if (path === '/jwks') {
      jwksCount++;
      return send(res, 200, { keys: [key.publicJwk] });
    }
    return send(res, 404, { error: 'not_found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port, family } = server.address() as AddressInfo;
  issuer = `http://${family === 'IPv6' ? '[::1]' : '127.0.0.1'}:${port}`;

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    async mint(c) {
      const iat = c.iat ?? Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = { iss: issuer, sub: c.sub, aud: c.aud, iat };
      if (c.nbf !== undefined) payload.nbf = c.nbf;
      if (c.exp !== null) payload.exp = c.exp ?? iat + (c.ttlSeconds ?? 300);
      Object.assign(payload, c.extra);
      const header = { alg: c.alg ?? alg, kid: c.kid ?? key.kid, typ: 'JWT' };
      if (header.alg !== alg) return signRaw(key, alg, header, payload);
      return new SignJWT(payload).setProtectedHeader(header).sign(key.privateKey);
    },
    async rotateKey() {
      key = await newKey(alg);
    },
    jwksRequests: () => jwksCount,
    discoveryRequests: () => discoveryCount,
    /** Stops the server; calling it again is harmless. */
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      })),
  };
}
