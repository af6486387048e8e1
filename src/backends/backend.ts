import type { Identity } from '../identity/identity.js';

/**
 * How a minted credential is cut off before its natural expiry.
 * - `revocable`: the backend can destroy it (Vault lease/token revoke, broker-token deny-list).
 * - `deny-policy`: it cannot be destroyed, but an explicit deny makes it useless (STS + IAM deny).
 * - `expiry-only`: nothing can stop it before it expires; reported honestly to the agent.
 */
export type Revocability = 'revocable' | 'deny-policy' | 'expiry-only';

/** Everything a backend needs to mint one task-bound credential. */
export interface Grant {
  leaseId: string;
  taskId: string;
  profileName: string;
  agent: Identity;
  intent: string;
  resources: string[];
  /** Effective TTL already clamped by request, profile max and task time left. */
  ttlSeconds: number;
  /** When the credential must stop working at the latest (ms since epoch): the task's expiry. */
  notAfter: number;
  labels: Record<string, string>;
  reason?: string | undefined;
}

/** What a backend returns from `mint`. The credential goes to the agent and nowhere else. */
export interface MintResult {
  /** Credential shape from api.md (`type` plus backend fields). Never stored, never logged. */
  credential: { type: string } & Record<string, unknown>;
  /** Seconds the credential actually lives as the backend issued it. */
  ttlSeconds: number;
  /**
   * When the credential expires (ms since epoch), where the backend knows it more precisely than
   * `ttlSeconds` from now (a JWT's whole-second `exp`); the lease then expires with it.
   */
  expiresAt?: number;
  /** Why the issued TTL differs from the grant's, if it does (e.g. `backend`, `backend_floor`). */
  ttlClampedBy?: string | undefined;
  revocation: Revocability;
  /** What `revoke` needs later (Vault lease id, token accessor, STS session tag, JWT jti). No secrets. */
  revocationData: Record<string, string>;
  /** The secret material to hash for the audit trail (e.g. the token). Hashed, then dropped. */
  secretForHash: string;
  /** Non-fatal notes for the response (`warnings`), like Vault's TTL-capping warnings. */
  warnings?: string[];
}

/** The lease fields a backend sees at revocation time. */
export interface RevocationTarget {
  leaseId: string;
  taskId: string;
  profileName: string;
  revocationData: Record<string, string>;
  /** When the credential would expire on its own (ms since epoch). */
  credentialExpiresAt: number;
}

/**
 * A failure to revoke. `permanent` failures (bad config, 403) are not retried quickly but stay visible;
 * transient ones (5xx, connection refused, timeouts) are retried with backoff.
 */
export class RevokeError extends Error {
  readonly permanent: boolean;
  constructor(message: string, opts: { permanent: boolean; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RevokeError';
    this.permanent = opts.permanent;
  }
}

/**
 * Optional outcome of a successful `revoke`, for the revoker to audit: e.g. the AWS STS backend reports
 * that it had to cut off more than the lease (a role-wide `aws:TokenIssueTime` deny). Never secrets.
 */
export interface RevokeReport {
  /** Human-readable notes worth an audit record and an operator's attention. */
  warnings?: string[];
  /** Structured detail for the audit event (`detail`). */
  detail?: Record<string, unknown>;
}

/**
 * A secret backend. Small on purpose: mint, revoke (idempotent), and readiness.
 * Revocation is routed by the lease's `backend` tag to the backend of that name.
 */
export interface Backend {
  /** The backend's config name: `broker-token`, `vault`, `aws-sts`. */
  readonly name: string;
  /** Mint one credential for a grant. Throws TesseraError (e.g. backend_unavailable). */
  mint(grant: Grant): Promise<MintResult>;
  /**
   * Make the credential unusable. Must be idempotent: a credential the backend no longer knows
   * counts as revoked. Throws RevokeError on failure. May return a {@link RevokeReport} (optional).
   */
  revoke(target: RevocationTarget): Promise<void | RevokeReport>;
  /** Resolves when the backend is reachable (for /readyz). */
  ready(): Promise<void>;
  /** Release connections and timers. */
  close(): Promise<void>;
}
