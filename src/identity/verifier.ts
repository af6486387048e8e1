import { errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type { IssuerConfig } from '../config/schema.js';
import { Errors } from '../errors/codes.js';
import { systemClock, type Clock } from '../util/clock.js';
import { allowedAlgorithms, checkAlgorithm } from './algorithms.js';
import { compileClaimRules, type ClaimRules } from './claim-rules.js';
import type { Identity } from './identity.js';
import { IssuerKeys } from './issuer-keys.js';
import { fromJoseError } from './jose-errors.js';
import { checkTokenTimes } from './token-times.js';
import { decodeUnverified, type UnverifiedToken } from './unverified.js';
import { VerifiedTokens } from './verified-tokens.js';

export interface WorkloadVerifierOptions {
  /** Source of "now" for exp/nbf/iat checks (not for JWKS cache timing, which jose keeps). */
  clock?: Clock;
  /** Timeout of each discovery / JWKS request (default 5 s). */
  fetchTimeoutMs?: number;
  /** Minimum time between JWKS refetches triggered by unknown `kid`s (default 30 s). */
  cooldownMs?: number;
  /** How long fetched keys are used before a refetch (default 10 min). */
  cacheMaxAgeMs?: number;
  /** How many verified tokens to remember (default 10,000; 0 verifies every token in full). */
  verifiedCacheSize?: number;
}

interface TrustedIssuer {
  config: IssuerConfig;
  algorithms: string[];
  allowed: ReadonlySet<string>;
  keys: IssuerKeys;
  rules: ClaimRules;
}

const REQUIRED_CLAIMS = ['iss', 'aud', 'exp', 'sub'];

/**
 * Verifies workload OIDC tokens against the configured issuers.
 *
 * Order: decode (unverified) -> route by `iss` to a trusted issuer -> check `alg` against that
 * issuer's allow-list -> fetch the issuer's key by `kid` and verify the signature -> check
 * required claims, audience, exp/nbf/iat, lifetime -> claim constraints.
 * Every rejection is a 401 TesseraError with a specific code; key-fetch failures are 503.
 * Tokens never appear in errors.
 */
export class WorkloadVerifier {
  readonly #issuers = new Map<string, TrustedIssuer>();
  readonly #clock: Clock;
  readonly #verified: VerifiedTokens | undefined;
  readonly #keysOf = (issuer: string): number | undefined => this.#issuers.get(issuer)?.keys.version();
  readonly #toleranceOf = (issuer: string): number => this.#issuers.get(issuer)?.config.clock_tolerance_seconds ?? 0;

  constructor(issuers: IssuerConfig[], opts: WorkloadVerifierOptions = {}) {
    this.#clock = opts.clock ?? systemClock;
    const cacheSize = opts.verifiedCacheSize ?? 10_000;
    this.#verified = cacheSize > 0 ? new VerifiedTokens(cacheSize) : undefined;
    const fetchOpts = {
      fetchTimeoutMs: opts.fetchTimeoutMs ?? 5_000,
      cooldownMs: opts.cooldownMs ?? 30_000,
      cacheMaxAgeMs: opts.cacheMaxAgeMs ?? 600_000,
    };
    for (const config of issuers) {
      if (this.#issuers.has(config.issuer)) throw new Error(`issuer ${config.issuer} is configured twice`);
      const algorithms = allowedAlgorithms(config.algorithms);
      if (algorithms.length === 0) throw new Error(`issuer ${config.issuer} allows no asymmetric algorithm`);
      this.#issuers.set(config.issuer, {
        config,
        algorithms,
        allowed: new Set(algorithms),
        keys: new IssuerKeys(config, fetchOpts),
        rules: compileClaimRules(config.claims),
      });
    }
  }

  /**
   * Verify a workload token and return its identity, or throw a TesseraError. A token this verifier
   * accepted before, under the same issuer keys and still within its times, is answered from memory
   * (see VerifiedTokens); anything else takes the full path.
   */
  async verify(token: string): Promise<Identity> {
    const key = this.#verified ? VerifiedTokens.key(token) : '';
    const hit = this.#verified?.get(key, Math.floor(this.#clock.now() / 1000), this.#keysOf, this.#toleranceOf);
    if (hit) return hit;
    const unverified = decodeUnverified(token);
    const before = this.#keysOf(unverified.issuer);
    const identity = await this.#verifyFully(token, unverified);
    // Remember it only when no refetch happened meanwhile, or it would count for keys it was not checked against.
    const after = this.#keysOf(identity.issuer);
    if (before === undefined || before === after) this.#verified?.set(key, identity, after);
    return identity;
  }

  async #verifyFully(token: string, unverified: UnverifiedToken): Promise<Identity> {
    const issuer = this.#issuers.get(unverified.issuer);
    if (issuer === undefined) throw Errors.issuerUntrusted();
    checkAlgorithm(unverified.header.alg, issuer.allowed);

    const nowMs = this.#clock.now();
    const payload = await this.#verifyJws(token, issuer, nowMs);
    checkTokenTimes(payload, issuer.config, Math.floor(nowMs / 1000));
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
      throw Errors.tokenInvalid('The workload token has an invalid "sub" claim');
    }
    const claims: Record<string, unknown> = { ...payload };
    const violated = issuer.rules.firstViolation(claims);
    if (violated !== undefined) throw Errors.tokenClaimsRejected(violated);
    // Frozen: a remembered identity is handed to every later request with the same token.
    return Object.freeze({ issuer: issuer.config.issuer, subject: payload.sub, claims: Object.freeze(claims) });
  }

  /** Signature plus jose's claim checks (required claims, iss, aud, exp, nbf). */
  async #verifyJws(token: string, issuer: TrustedIssuer, nowMs: number): Promise<JWTPayload> {
    const options: JWTVerifyOptions = {
      algorithms: issuer.algorithms,
      issuer: issuer.config.issuer,
      audience: issuer.config.audiences,
      requiredClaims: REQUIRED_CLAIMS,
      clockTolerance: issuer.config.clock_tolerance_seconds,
      currentDate: new Date(nowMs),
    };
    try {
      return (await jwtVerify(token, issuer.keys.getKey, options)).payload;
    } catch (err) {
      if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw fromJoseError(err);
      // No `kid` and several keys of the issuer fit the `alg`: try each (jose's documented pattern).
      for await (const key of err) {
        try {
          return (await jwtVerify(token, key, options)).payload;
        } catch (inner) {
          if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw fromJoseError(inner);
        }
      }
      throw Errors.tokenInvalid();
    }
  }
}
