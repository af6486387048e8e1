import { Errors } from '../errors/codes.js';

/**
 * The only algorithms Tessera will ever accept, whatever a configuration says: asymmetric
 * signatures. `none` and HMAC (`HS*`) are never accepted, so a token "signed" with an issuer's
 * public key as an HMAC secret (the classic alg-confusion attack) cannot verify.
 */
const ASYMMETRIC = new Set([
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA',
]);

/** The effective allow-list of an issuer: its configured algorithms that are asymmetric. */
export function allowedAlgorithms(configured: readonly string[]): string[] {
  return configured.filter((alg) => ASYMMETRIC.has(alg));
}

/**
 * Check a token header's `alg` against the issuer's allow-list, before any key lookup.
 * A missing or non-string `alg` is a malformed token.
 */
export function checkAlgorithm(alg: unknown, allowed: ReadonlySet<string>): string {
  if (typeof alg !== 'string' || alg.length === 0) throw Errors.tokenInvalid();
  // The header value is attacker-chosen: cap how much of it is echoed back.
  if (!allowed.has(alg)) throw Errors.tokenAlgorithm(alg.slice(0, 32));
  return alg;
}
