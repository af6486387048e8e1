import { leaseAuditFields } from '../leases/lease-audit.js';
import type { AuditLog } from '../audit/audit-log.js';
import { Errors } from '../errors/codes.js';
import type { LeaseStore } from '../leases/lease-store.js';
import { serializeRetry } from '../leases/lease-store.js';
import type { Lease } from '../leases/lease.js';
import { isoOrNull, type Clock } from '../util/clock.js';
import type { RevocationQueue } from './revocation-queue.js';
import { identityKey } from '../identity/identity.js';

/** The admin identity acting on a failed revocation. */
export interface AdminRef {
  issuer: string;
  subject: string;
}

/**
 * Admin operations on failed revocations: the list (leases in `revoke_failed`, and leases whose
 * revocation was never confirmed), an immediate retry, and resolution by hand. Every action is audited
 * with the admin's identity.
 */
export class FailedRevocations {
  constructor(
    private readonly leases: LeaseStore,
    private readonly queue: RevocationQueue,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  /** Failed revocations, oldest failure first. */
  async list(limit = 500): Promise<Lease[]> {
    const ids = await this.leases.failedIds(limit);
    const all = await Promise.all(ids.map((id) => this.leases.get(id)));
    return all.filter((l): l is Lease => l !== null);
  }

  /** Try a `revoke_failed` lease again now instead of at its next scheduled attempt. */
  async retryNow(leaseId: string, admin: AdminRef, requestId: string): Promise<Lease> {
    const lease = await this.leases.get(leaseId);
    if (!lease) throw Errors.leaseNotFound();
    if (lease.status !== 'revoke_failed') throw Errors.leaseNotFailed(lease.status);
    await this.queue.revokeLeaseNow(lease);
    await this.audit.record({
      type: 'lease.revoke_requested',
      outcome: 'info',
      request_id: requestId,
      actor: by(admin),
      ...leaseAuditFields(lease),
      reason: 'admin_retry',
      detail: { attempts: lease.attempts, last_error: lease.lastError },
    });
    return lease;
  }

  /**
   * An admin confirms the credential is dead (revoked by hand at the backend, or verified expired).
   * A `revoke_failed` lease becomes `revoked`; an unconfirmed `expired` lease keeps its status. Either
   * way it leaves the failed list and no further attempt is made.
   */
  async resolve(leaseId: string, admin: AdminRef, note: string, requestId: string): Promise<Lease> {
    const lease = await this.leases.get(leaseId);
    if (!lease) throw Errors.leaseNotFound();
    const now = this.clock.now();
    const resolved = serializeRetry({ resolvedBy: by(admin), resolvedAt: now, resolutionNote: note, nextAttemptAt: null });
    let completedTask = false;
    if (lease.status === 'revoke_failed') {
      const t = await this.leases.transition(lease, ['revoke_failed'], 'revoked', now, { ...resolved, revoked_at: String(now) });
      if (!t.changed) throw Errors.leaseNotFailed(t.previous ?? 'gone');
      completedTask = t.completedTask;
    } else if (lease.status === 'expired' && lease.retry?.unconfirmed && !lease.retry.resolvedBy) {
      await this.leases.update(lease, resolved);
    } else {
      throw Errors.leaseNotFailed(lease.status);
    }
    await this.leases.clearFailed(lease.id);
    await this.queue.cancelLeaseJob(lease.id).catch(() => undefined);
    await this.audit.record({
      type: 'lease.revoked',
      outcome: 'success',
      request_id: requestId,
      actor: by(admin),
      ...leaseAuditFields(lease),
      credential_sha256: lease.credentialSha256 || undefined,
      reason: 'resolved_by_admin',
      detail: { note, previous_status: lease.status, attempts: lease.attempts, last_error: lease.lastError, backend: lease.backend },
    });
    if (completedTask) await this.audit.recordBestEffort({ type: 'task.completed', outcome: 'success', actor: by(admin), agent: lease.agent, task_id: lease.taskId });
    return (await this.leases.get(lease.id)) ?? lease;
  }
}

function by(admin: AdminRef): string {
  return identityKey(admin);
}

/** Admin view of a failed revocation: the lease plus its retry bookkeeping (never the credential). */
export function failedRevocationView(l: Lease, view: (l: Lease) => Record<string, unknown>): Record<string, unknown> {
  const r = l.retry;
  return {
    ...view(l),
    state: r?.unconfirmed ? 'unconfirmed' : 'retrying',
    failed_at: isoOrNull(r?.failedAt),
    last_attempt_at: isoOrNull(r?.lastAttemptAt),
    next_attempt_at: l.status === 'revoke_failed' ? isoOrNull(r?.nextAttemptAt) : null,
    retry_until: isoOrNull(r?.retryUntil),
    last_error_permanent: r?.lastErrorPermanent ?? false,
    resolved_by: r?.resolvedBy ?? null,
    resolution_note: r?.resolutionNote ?? null,
  };
}
