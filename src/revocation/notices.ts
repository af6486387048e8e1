import { leaseAuditFields } from '../leases/lease-audit.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditEvent } from '../audit/event.js';
import type { LeaseStore } from '../leases/lease-store.js';
import type { Lease } from '../leases/lease.js';
import { iso, isoOrNull } from '../util/clock.js';
import type { AlertNotifier } from './alerts.js';
import type { RevocationMetrics } from './revocation-metrics.js';

/** The notices a lease state change owes: audit events, the failed list, alerts. */
export type NoticeKind = 'revoked' | 'expired' | 'revoke_failed' | 'unconfirmed';

/**
 * Writes what a lease state change owes (audit, failed list, alert). The revoker marks the lease with
 * `pending_notice` in the same atomic step as the change and calls `flush`; if the worker dies in
 * between, the next run of the lease's job flushes it. Audit writes here must succeed (`record`), so a
 * failed write keeps the notice pending and the job retries.
 */
export class RevocationNotices {
  constructor(
    private readonly leases: LeaseStore,
    private readonly audit: AuditLog,
    private readonly alerts: AlertNotifier,
    private readonly metrics: RevocationMetrics,
  ) {}

  /**
   * Write what the lease's pending notice owes, then clear it. `recovering`: a previous run set the
   * notice and died; it may have written the audit event already, so an event already in the task's
   * trail is not written twice.
   */
  async flush(lease: Lease, opts: { recovering?: boolean } = {}): Promise<void> {
    const kind = lease.pendingNotice as NoticeKind | null | undefined;
    if (!kind) return;
    const once = opts.recovering ?? false;
    if (kind === 'revoked' || kind === 'expired') await this.final(lease, kind, once);
    else if (kind === 'revoke_failed') await this.failed(lease, once);
    else if (kind === 'unconfirmed') await this.unconfirmed(lease, once);
    await this.leases.update(lease, { pending_notice: '' });
  }

  private async final(l: Lease, kind: 'revoked' | 'expired', once: boolean): Promise<void> {
    const dueAt = Math.min(l.revokeRequestedAt ?? l.revokeAt, l.revokeAt);
    const lag = Math.max(0, (l.revokedAt ?? dueAt) - dueAt);
    if (l.retry?.failedAt) await this.leases.clearFailed(l.id);
    await this.recordOnce(once, l, {
      ...about(l),
      type: kind === 'expired' ? 'lease.expired' : 'lease.revoked',
      outcome: 'success',
      credential_sha256: l.credentialSha256 || undefined,
      reason: l.lastError === 'mint did not complete' ? 'mint_not_completed' : l.revokeRequestedAt ? 'early' : 'expiry',
      detail: { backend: l.backend, revocation: l.revocation, lag_ms: lag, attempts: l.attempts + 1 },
    });
    await this.taskCompleted(l, once);
  }

  private async failed(l: Lease, once: boolean): Promise<void> {
    const r = l.retry;
    if (await this.leases.markFailed(l.id, r?.failedAt ?? Date.now())) this.metrics.failed.labels(l.backend, String(r?.lastErrorPermanent ?? false)).inc();
    const facts = { attempts: l.attempts, permanent: r?.lastErrorPermanent ?? false, next_attempt_at: isoOrNull(r?.nextAttemptAt), retry_until: isoOrNull(r?.retryUntil) };
    await this.recordOnce(once, l, { ...about(l), type: 'lease.revoke_failed', outcome: 'failure', reason: (l.lastError ?? '').slice(0, 200), detail: { backend: l.backend, ...facts } });
    await this.alerts.raise('lease.revoke_failed', l, { ...facts, last_error: l.lastError });
  }

  private async unconfirmed(l: Lease, once: boolean): Promise<void> {
    const r = l.retry;
    if (await this.leases.markFailed(l.id, r?.failedAt ?? Date.now())) this.metrics.failed.labels(l.backend, String(r?.lastErrorPermanent ?? false)).inc();
    this.metrics.unconfirmed.labels(l.backend).inc();
    const facts = { attempts: l.attempts, last_error: l.lastError, credential_expired_at: iso(l.expiresAt), retried_until: isoOrNull(r?.retryUntil) };
    await this.recordOnce(once, l, { ...about(l), type: 'lease.expired', outcome: 'failure', reason: 'revocation_unconfirmed', detail: { backend: l.backend, ...facts } });
    await this.alerts.raise('lease.revocation_unconfirmed', l, facts);
    await this.taskCompleted(l, once);
  }

  private async taskCompleted(l: Lease, once: boolean): Promise<void> {
    if (l.completedTask) await this.recordOnce(once, l, { type: 'task.completed', outcome: 'success', actor: 'revocation-worker', agent: l.agent, task_id: l.taskId, lease_id: l.id });
  }

  /** Record an audit event, unless recovering and the task's trail already has it for this lease. */
  private async recordOnce(once: boolean, l: Lease, event: AuditEvent): Promise<void> {
    if (once && (await this.audit.hasLeaseEvent(l.taskId, l.id, event.type))) return;
    await this.audit.record(event);
  }
}

function about(l: Lease) {
  return { actor: 'revocation-worker', ...leaseAuditFields(l) };
}
