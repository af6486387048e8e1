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
}
