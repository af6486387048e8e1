import { iso, isoOrNull } from '../util/clock.js';
import type { Lease } from './lease.js';

/** The API representation of a lease: no credential, no revocation data. */
export function leaseView(l: Lease, opts: { admin?: boolean } = {}): Record<string, unknown> {
  return {
    lease_id: l.id,
    task_id: l.taskId,
    profile: l.profile,
    backend: l.backend,
    status: l.status,
    resources: l.resources,
    issued_at: isoOrNull(l.issuedAt),
    expires_at: iso(l.expiresAt),
    revocation: l.revocation,
    revoked_at: isoOrNull(l.revokedAt),
    ...(opts.admin || l.status === 'revoke_failed'
      ? { agent: l.agent, attempts: l.attempts, last_error: l.lastError, credential_sha256: l.credentialSha256 || null }
      : {}),
  };
}
