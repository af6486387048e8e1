import { SignJWT, jwtVerify } from 'jose';
import type { Backend, Grant, MintResult, RevocationTarget } from '../backend.js';
import type { Clock } from '../../util/clock.js';
import { iso } from '../../util/clock.js';
import type { SigningKey } from './signing-key.js';

/** Profile fields this backend reads. */
export interface BrokerTokenProfile {
  audience: string;
}

/** Claims of a verified broker token, as introspection reports them. */
export interface BrokerTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  jti: string;
  task_id: string;
  scope: string;
  agent_iss: string;
  profile: string;
}

/**
 * The token's `exp` (whole seconds, RFC 7519 NumericDate) for a grant of `ttlSeconds` made at `nowMs`:
 * rounded up, so the token never lives less than granted (rounding down would give a 1 s grant
 * anything from 1 ms to 1 s), but never past the whole second at or before `notAfterMs` (the task's
 * end). The issuer guarantees at least 1 s of task left, so the result is always in the future.
 */
export function tokenExpiry(nowMs: number, ttlSeconds: number, notAfterMs: number): number {
  return Math.min(Math.ceil((nowMs + ttlSeconds * 1000) / 1000), Math.floor(notAfterMs / 1000));
}

/**
 * The embedded backend: Tessera signs an audience-bound ES256 JWT for a downstream tool.
 * Its `jti` is the lease id, so revocation is the lease's state: introspection answers
 * `active: false` as soon as the lease leaves `active`.
 */
export class BrokerTokenBackend implements Backend {
  readonly name = 'broker-token';

  constructor(
    private readonly key: SigningKey,
    private readonly issuer: () => string,
    private readonly profiles: (name: string) => BrokerTokenProfile,
    private readonly clock: Clock,
  ) {}

  /** The public JWKS document for `/.well-known/jwks.json`. */
  jwks(): { keys: unknown[] } {
    return { keys: [this.key.publicJwk] };
  }

  async mint(grant: Grant): Promise<MintResult> {
    const profile = this.profiles(grant.profileName);
    const nowMs = this.clock.now();
    const now = Math.floor(nowMs / 1000);
    const exp = tokenExpiry(nowMs, grant.ttlSeconds, grant.notAfter);
    const token = await new SignJWT({
      task_id: grant.taskId,
      scope: grant.resources.join(' '),
      agent_iss: grant.agent.issuer,
      profile: grant.profileName,
    })
      .setProtectedHeader({ alg: 'ES256', kid: this.key.kid, typ: 'at+jwt' })
      .setIssuer(this.issuer())
      .setSubject(grant.agent.subject)
      .setAudience(profile.audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(exp)
      .setJti(grant.leaseId)
      .sign(this.key.privateKey);
    return {
      credential: { type: 'bearer', token, audience: profile.audience, expires_at: iso(exp * 1000) },
      ttlSeconds: grant.ttlSeconds,
      expiresAt: exp * 1000,
      revocation: 'revocable',
      revocationData: { jti: grant.leaseId },
      secretForHash: token,
    };
  }

  /** Nothing to call: the lease leaving `active` is what makes introspection answer inactive. */
  async revoke(_target: RevocationTarget): Promise<void> {}

  /** Verify a token this broker signed; null when it is not one (bad signature, expired, foreign). */
  async verify(token: string): Promise<BrokerTokenClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.key.publicKey, {
        algorithms: ['ES256'],
        issuer: this.issuer(),
        requiredClaims: ['exp', 'jti', 'sub', 'aud'],
        currentDate: new Date(this.clock.now()),
      });
      return payload as unknown as BrokerTokenClaims;
    } catch {
      return null;
    }
  }

  async ready(): Promise<void> {}
  async close(): Promise<void> {}
}
