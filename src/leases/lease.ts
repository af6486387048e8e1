import type { Revocability } from '../backends/backend.js';

/**
 * Lease lifecycle: `pending` (record and revocation job exist, minting under way) → `active` →
 * `revoking` → `revoked`; `revoke_failed` while retries continue; `expired` for expiry-only
 * credentials whose time has passed.
 */
export type LeaseStatus = 'pending' | 'active' | 'revoking' | 'revoked' | 'revoke_failed' | 'expired';

/** Final states: nothing more will happen to the lease. */
export const TERMINAL_LEASE_STATUSES: readonly LeaseStatus[] = ['revoked', 'expired'];

/**
 * What Tessera keeps about one issued credential. Never the credential itself: only what revocation
 * needs (`revocationData`) and a SHA-256 of the secret for audit correlation.
 */
export interface Lease {
  id: string;
  taskId: string;
  profile: string;
  backend: string;
  agent: { issuer: string; subject: string };
  resources: string[];
  status: LeaseStatus;
  revocation: Revocability;
  revocationData: Record<string, string>;
  credentialSha256: string;
  createdAt: number;
  issuedAt: number | null;
  /** When the credential stops working on its own (ms). */
  expiresAt: number;
  /** When Tessera revokes it at the latest (ms): min(credential expiry, task expiry). */
  revokeAt: number;
  /** When an early revocation was asked for (task end, DELETE, kill switch), if it was. */
  revokeRequestedAt: number | null;
  revokedAt: number | null;
  attempts: number;
  lastError: string | null;
  /** Revocation bookkeeping (absent until the first failed attempt). */
  retry?: LeaseRetryState | undefined;
  /**
   * A state change whose audit/alert has not been written yet (`revoked`, `expired`, `revoke_failed`,
   * `unconfirmed`): set atomically with the change, cleared once written, so a worker dying in between
   * leaves the notice to whoever runs the lease's job next.
   */
  pendingNotice?: string | null | undefined;
  /** This lease's final transition completed its task (recorded by the transition script). */
  completedTask?: boolean | undefined;
}

/** What the revocation worker records about a lease whose revocation failed at least once. */
export interface LeaseRetryState {
  lastAttemptAt: number | null;
  nextAttemptAt: number | null;
  /** When retrying stops: the credential's expiry plus the grace period. */
  retryUntil: number | null;
  /** When the lease entered `revoke_failed`. */
  failedAt: number | null;
  /** The last failure was permanent (bad config, 403) rather than transient. */
  lastErrorPermanent: boolean;
  /** Retrying ended without the backend ever confirming the revocation (the lease ended `expired`). */
  unconfirmed: boolean;
  /** Set when an admin marked the failed revocation resolved by hand. */
  resolvedBy: string | null;
  resolvedAt: number | null;
  resolutionNote: string | null;
}
