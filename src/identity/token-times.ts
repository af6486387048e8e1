import type { JWTPayload } from 'jose';
import type { IssuerConfig } from '../config/schema.js';
import { Errors } from '../errors/codes.js';

/**
 * Time checks jose does not make on its own (it checks `exp` and `nbf`):
 * - `iat` in the future beyond the clock tolerance -> `token_not_yet_valid`;
 * - lifetime `exp - (iat ?? now)` above the issuer's maximum -> `token_lifetime_exceeded`.
 * Runs only after the signature verified, so `exp` is a number (jose checked its type).
 */
export function checkTokenTimes(payload: JWTPayload, issuer: IssuerConfig, nowSeconds: number): void {
  const { iat, exp } = payload;
  if (typeof iat === 'number' && iat > nowSeconds + issuer.clock_tolerance_seconds) {
    throw Errors.tokenNotYetValid();
  }
  if (typeof exp !== 'number') throw Errors.tokenClaimMissing('exp');
  const issuedAt = typeof iat === 'number' ? iat : nowSeconds;
  if (exp - issuedAt > issuer.max_token_lifetime_seconds) throw Errors.tokenLifetime();
}
