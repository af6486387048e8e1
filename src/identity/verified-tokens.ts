import { BoundedMap } from '../util/bounded-map.js';
import { sha256Base64url } from '../util/hash.js';
import type { Identity } from './identity.js';

/** One verified token: who it is, when it stops being valid, and the key set that verified it. */
interface Entry {
  identity: Identity;
  issuer: string;
  /** `exp` in seconds (jose checked it is a number). */
  exp: number;
  nbf: number | undefined;
  /** `IssuerKeys.version()` when the signature was verified. */
  keys: number;
}

/**
 * Verified workload tokens, so an agent's next request with the same token skips the signature check
 * (as Envoy's `jwt_authn` does with its `jwt_cache_config`). Keyed by the token's SHA-256, never the
 * token. A hit is only as good as a fresh verification would be: the caller passes the issuer's current
 * key-set version, and an entry verified under any other version (keys refetched or older than
 * cacheMaxAge) is a miss; so is one whose `exp` or `nbf` no longer holds (the full path then answers
 * with the precise error). Claim rules and the issuer list are fixed for the process, so the identity
 * the full path built stays right. Bounded: the oldest entry goes first.
 */
export class VerifiedTokens {
  readonly #entries: BoundedMap<string, Entry>;

  constructor(max = 10_000) {
    this.#entries = new BoundedMap(max);
  }

  /** Hash of a token: the cache key. */
  static key(token: string): string {
    return sha256Base64url(token);
  }

  /**
   * The identity of a token verified before under key-set version `keysOf(issuer)`, if it is still
   * within its times at `nowSeconds` (with `toleranceOf(issuer)` seconds of clock skew).
   */
  get(key: string, nowSeconds: number, keysOf: (issuer: string) => number | undefined, toleranceOf: (issuer: string) => number): Identity | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    const tolerance = toleranceOf(e.issuer);
    const valid = keysOf(e.issuer) === e.keys && e.exp > nowSeconds - tolerance && (e.nbf === undefined || e.nbf <= nowSeconds + tolerance);
    if (!valid) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.identity;
  }

  /** Remember a token the full path verified under key-set version `keys` (undefined: do not cache). */
  set(key: string, identity: Identity, keys: number | undefined): void {
    const { exp, nbf } = identity.claims;
    if (keys === undefined || typeof exp !== 'number') return;
    this.#entries.set(key, { identity, issuer: identity.issuer, exp, nbf: typeof nbf === 'number' ? nbf : undefined, keys });
  }

  get size(): number {
    return this.#entries.size;
  }
}
