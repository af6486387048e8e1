import { createRemoteJWKSet, errors, jwksCache, type CryptoKey, type ExportedJWKSCache, type FlattenedJWSInput, type JWTHeaderParameters, type RemoteJWKSet } from 'jose';
import type { IssuerConfig } from '../config/schema.js';
import { Errors } from '../errors/codes.js';
import { TesseraError } from '../errors/tessera-error.js';
import { discoverJwksUri } from './discovery.js';

export interface KeyFetchOptions {
  /** Timeout of each discovery / JWKS request. */
  fetchTimeoutMs: number;
  /** After a successful JWKS fetch, how long an unknown `kid` waits before it may trigger another. */
  cooldownMs: number;
  /** How long a fetched JWKS is used before it is fetched again. */
  cacheMaxAgeMs: number;
}

/**
 * The verification keys of one trusted issuer.
 *
 * Keys come only from the issuer's JWKS: `jwks_uri` from configuration, else OIDC discovery
 * (done once and cached; a failed discovery is retried on the next token). jose's remote key set
 * caches the keys, refetches on an unknown `kid` at most once per cooldown, and coalesces
 * concurrent fetches. Key material in token headers (`jwk`, `jku`, `x5u`, `x5c`) is never used:
 * only `alg` and `kid` select a key from the issuer's set.
 */
export class IssuerKeys {
  readonly #config: IssuerConfig;
  readonly #opts: KeyFetchOptions;
  #remote: Promise<RemoteJWKSet> | undefined;
  /** The resolved key set, once there is one (for `version`). */
  #resolved: RemoteJWKSet | undefined;
  /** jose writes the time of each successful JWKS fetch here (its documented `jwksCache` hook). */
  readonly #fetched: Partial<ExportedJWKSCache> = {};

  constructor(config: IssuerConfig, opts: KeyFetchOptions) {
    this.#config = config;
    this.#opts = opts;
  }

  /**
   * Key resolver for `jwtVerify`. Throws jose's JWKSNoMatchingKey / JWKSMultipleMatchingKeys when
   * the set has no (or several) keys for the header; `issuer_unavailable` when keys can't be fetched.
   */
  readonly getKey = async (header: JWTHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => {
    const remote = await this.#remoteSet();
    try {
      return await remote(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
      throw Errors.jwksUnavailable(err);
    }
  };

  /**
   * Identifies the key set in force: the time of its fetch while it is within cacheMaxAge, else
   * undefined (the next verification refetches it). Two equal versions mean the very same keys.
   */
  version(): number | undefined {
    const r = this.#resolved;
    return r?.fresh && typeof this.#fetched.uat === 'number' ? this.#fetched.uat : undefined;
  }

  #remoteSet(): Promise<RemoteJWKSet> {
    if (this.#remote === undefined) {
      const pending = this.#create();
      this.#remote = pending;
      // Do not cache a failure: the next token retries discovery.
      pending.catch(() => {
        if (this.#remote === pending) this.#remote = undefined;
      });
    }
    return this.#remote;
  }

  async #create(): Promise<RemoteJWKSet> {
    const { jwks_uri: configured, issuer } = this.#config;
    let url: URL;
    try {
      url = configured !== undefined ? new URL(configured) : await discoverJwksUri(issuer, this.#opts.fetchTimeoutMs);
    } catch (err) {
      throw err instanceof TesseraError ? err : Errors.jwksUnavailable(err);
    }
    const remote = createRemoteJWKSet(url, {
      timeoutDuration: this.#opts.fetchTimeoutMs,
      cooldownDuration: this.#opts.cooldownMs,
      cacheMaxAge: this.#opts.cacheMaxAgeMs,
      [jwksCache]: this.#fetched as ExportedJWKSCache,
    });
    this.#resolved = remote;
    return remote;
  }
}
