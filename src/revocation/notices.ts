import { leaseAuditFields } from '../leases/lease-audit.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { LeaseStore } from '../leases/lease-store.js';
import type { Lease } from '../leases/lease.js';
import { iso } from '../util/clock.js';
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

  async flush(lease: Lease): Promise<void> {
    const kind = lease.pendingNotice as NoticeKind | null | undefined;
    if (!kind) return;
    if (kind === 'revoked' || kind === 'expired') await this.final(lease, kind);
    else if (kind === 'revoke_failed') await this.failed(lease);
    else if (kind === 'unconfirmed') await this.unconfirmed(lease);
    await this.leases.update(lease, { pending_notice: '' });
  }

  private async final(l: Lease, kind: 'revoked' | 'expired'): Promise<void> {
    const dueAt = Math.min(l.revokeRequestedAt ?? l.revokeAt, l.revokeAt);
    const lag = Math.max(0, (l.revokedAt ?? dueAt) - dueAt);
    if (l.retry?.failedAt) await this.leases.clearFailed(l.id);
    await this.audit.record({
      ...about(l),
      type: kind === 'expired' ? 'lease.expired' : 'lease.revoked',
      outcome: 'success',
      credential_sha256: l.credentialSha256 || undefined,
      reason: l.lastError === 'mint did not complete' ? 'mint_not_completed' : l.revokeRequestedAt ? 'early' : 'expiry',
      detail: { backend: l.backend, revocation: l.revocation, lag_ms: lag, attempts: l.attempts + 1 },
    });
    await this.taskCompleted(l);
  }

  private async failed(l: Lease): Promise<void> {
    const r = l.retry;
    if (await this.leases.markFailed(l.id, r?.failedAt ?? Date.now())) this.metrics.failed.labels(l.backend, String(r?.lastErrorPermanent ?? false)).inc();
    const facts = { attempts: l.attempts, permanent: r?.lastErrorPermanent ?? false, next_attempt_at: ts(r?.nextAttemptAt), retry_until: ts(r?.retryUntil) };
    await this.audit.record({ ...about(l), type: 'lease.revoke_failed', outcome: 'failure', reason: (l.lastError ?? '').slice(0, 200), detail: { backend: l.backend, ...facts } });
    await this.alerts.raise('lease.revoke_failed', l, { ...facts, last_error: l.lastError });
  }

  private async unconfirmed(l: Lease): Promise<void> {
    const r = l.retry;
    if (await this.leases.markFailed(l.id, r?.failedAt ?? Date.now())) this.metrics.failed.labels(l.backend, String(r?.lastErrorPermanent ?? false)).inc();
    this.metrics.unconfirmed.labels(l.backend).inc();
    const facts = { attempts: l.attempts, last_error: l.lastError, credential_expired_at: iso(l.expiresAt), retried_until: ts(r?.retryUntil) };
    await this.audit.record({ ...about(l), type: 'lease.expired', outcome: 'failure', reason: 'revocation_unconfirmed', detail: { backend: l.backend, ...facts } });
    await this.alerts.raise('lease.revocation_unconfirmed', l, facts);
    await this.taskCompleted(l);
  }

  private async taskCompleted(l: Lease): Promise<void> {
    if (l.completedTask) await this.audit.record({ type: 'task.completed', outcome: 'success', actor: 'revocation-worker', agent: l.agent, task_id: l.taskId });
  }
}

function about(l: Lease) {
  return { actor: 'revocation-worker', ...leaseAuditFields(l) };
}

function ts(v: number | null | undefined): string | null {
  return v ? iso(v) : null;
}
