import { afterEach, expect } from 'vitest';
import type { IssuerConfig } from '../../src/config/schema.js';
import { startDevIssuer, type DevIssuer, type MintClaims } from '../../src/demo/dev-issuer.js';
import { TesseraError } from '../../src/errors/tessera-error.js';
import type { Clock } from '../../src/util/clock.js';

/** A fixed "now" (unix seconds) for every test; tokens are minted around it. */
export const NOW = 1_750_000_000;

/** A clock tests can move: `clock.set(NOW + 60)`. */
export function testClock(seconds = NOW): Clock & { set(seconds: number): void } {
  let ms = seconds * 1000;
  return { now: () => ms, set: (s) => void (ms = s * 1000) };
}

export function issuerConfig(dev: DevIssuer, overrides: Partial<IssuerConfig> = {}): IssuerConfig {
  return {
    issuer: dev.issuer,
    audiences: ['tessera'],
    algorithms: ['ES256', 'RS256'],
    jwks_uri: dev.jwksUri,
    max_token_lifetime_seconds: 3600,
    clock_tolerance_seconds: 30,
    ...overrides,
  };
}

/** Mint a token that is valid at NOW for the default config, with overrides. */
export function mint(dev: DevIssuer, overrides: Partial<MintClaims> = {}): Promise<string> {
  return dev.mint({ sub: 'agent-1', aud: 'tessera', iat: NOW, ttlSeconds: 600, ...overrides });
}

/**
 * Await a rejection and check it is a TesseraError with the given code and status.
 * When the token is given, also check it appears nowhere in the error.
 */
export async function expectCode(
  promise: Promise<unknown>,
  code: string,
  opts: { status?: number; token?: string } = {},
): Promise<TesseraError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a rejection with code ${code}`).toBeInstanceOf(TesseraError);
  const err = caught as TesseraError;
  expect(err.code).toBe(code);
  expect(err.status).toBe(opts.status ?? 401);
  if (opts.token !== undefined) {
    const signature = opts.token.split('.')[2] ?? opts.token;
    for (const text of [err.message, String(err.stack), JSON.stringify(err.extra ?? {})]) {
      expect(text.includes(opts.token)).toBe(false);
      if (signature.length > 8) expect(text.includes(signature)).toBe(false);
    }
  }
  return err;
}

/** Compact JWS from raw header/payload objects and a signature (for hand-crafted attacks). */
export function compact(header: object, payload: object, signature = ''): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64(header)}.${b64(payload)}.${signature}`;
}

/**
 * For one test file: a cleanup list run after each test, and a dev issuer starter whose issuers are
 * closed by it. Call at module level.
 */
export function perTestCleanup(): { cleanup: Array<() => Promise<unknown>>; devIssuer: () => Promise<DevIssuer> } {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    await Promise.all(cleanup.splice(0).map((f) => f()));
  });
  return {
    cleanup,
    async devIssuer() {
      const dev = await startDevIssuer();
      cleanup.push(() => dev.close());
      return dev;
    },
  };
}
