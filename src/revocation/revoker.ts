import { leaseAuditFields } from '../leases/lease-audit.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Logger } from 'pino';
import { RevokeError } from '../backends/backend.js';
import type { BackendRegistry } from '../backends/registry.js';
import { hasCode } from '../errors/tessera-error.js';
import type { LeaseStore } from '../leases/lease-store.js';
import { serializeRetry } from '../leases/lease-store.js';
import type { Lease } from '../leases/lease.js';
import { TERMINAL_LEASE_STATUSES } from '../leases/lease.js';
import type { Metrics } from '../ops/metrics.js';
import type { Clock } from '../util/clock.js';
import type { RevocationNotices } from './notices.js';
import { RetryLaterError, isPastQuickPhase, nextRetry, type RetryPolicy } from './retry-policy.js';

/** Thrown when a lease cannot be revoked yet (still minting): the queue looks again after `delayMs`. */
export class NotYetError extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/** Outcome of one revocation attempt that did not throw. */
export type RevokeOutcome = 'revoked' | 'expired' | 'already-final' | 'missing' | 'wait-expiry' | 'unconfirmed';

/** What the revoker needs. */
export interface RevokerDeps {
  leases: LeaseStore;
  backends: BackendRegistry;
  metrics: Metrics;
  notices: RevocationNotices;
  /** For backend warnings about a revocation (e.g. a wider cut-off than asked). */
  audit: AuditLog;
  policy: RetryPolicy;
  /** A lease `pending` longer than this is an interrupted mint: it is revoked like any other. */
  pendingGraceMs: number;
  clock: Clock;
  log: Logger;
  random?: () => number;
}

/**
 * Revokes one lease, idempotently. A final lease is left alone. A failed attempt is recorded on the
 * lease and rethrown as RetryLaterError carrying the delay of the next attempt: quick retries with
 * jittered exponential backoff, then `revoke_failed` (audited, counted, alerted) and the slow schedule,
 * until the credential's expiry plus the grace period; then the lease ends `expired` with its revocation
 * recorded as never confirmed (audited, alerted, kept on the failed list for an admin).
 */
export class Revoker {
  private readonly random: () => number;

  constructor(private readonly d: RevokerDeps) {
    this.random = d.random ?? Math.random;
  }

  async revoke(taskId: string, leaseId: string): Promise<RevokeOutcome> {
    const { leases, clock } = this.d;
    const lease = await leases.getInTask(taskId, leaseId);
    if (!lease) return 'missing';
    // A previous run changed the lease but died before writing what that change owes.
    if (lease.pendingNotice) await this.d.notices.flush(lease, { recovering: true });
    if (TERMINAL_LEASE_STATUSES.includes(lease.status)) return 'already-final';
    const now = clock.now();
    const interrupted = lease.status === 'pending';
    if (interrupted) {
      const age = now - lease.createdAt;
      if (age < this.d.pendingGraceMs) throw new NotYetError(`lease ${lease.id} is still minting`, Math.min(2000, this.d.pendingGraceMs - age));
    }
    if (lease.revocation === 'expiry-only' && now < lease.expiresAt) return 'wait-expiry';

    if (lease.status === 'active' || lease.status === 'pending') {
      const t = await leases.transition(lease, [lease.status], 'revoking', now, interrupted ? { last_error: 'mint did not complete' } : {});
      if (!t.changed) {
        if (t.previous && TERMINAL_LEASE_STATUSES.includes(t.previous)) return 'already-final';
        throw new RetryLaterError(`lease ${lease.id} changed under the revoker`, 0);
      }
    }
    const dataUsed = JSON.stringify(lease.revocationData);
    try {
      if (lease.revocation !== 'expiry-only') {
        const report = await this.d.backends.get(lease.backend).revoke({
          leaseId: lease.id,
          taskId: lease.taskId,
          profileName: lease.profile,
          revocationData: lease.revocationData,
          credentialExpiresAt: lease.expiresAt,
        });
        // E.g. STS fell back to a role-wide cut-off: wider than asked, so it goes on the record.
        if (report?.warnings?.length) {
          await this.d.audit.recordBestEffort({
            type: 'revocation.warning',
            outcome: 'info',
            actor: 'revocation-worker',
            ...leaseAuditFields(lease),
            reason: report.warnings.join('; ').slice(0, 500),
            detail: { backend: lease.backend, ...(report.detail ? { backend_detail: report.detail } : {}) },
          });
        }
      }
    } catch (err) {
      return this.failed(lease, err, now);
    }
    return this.finish(lease, dataUsed, interrupted);
  }

  private async finish(lease: Lease, dataUsed: string, interrupted: boolean): Promise<RevokeOutcome> {
    const now = this.d.clock.now();
    const final = lease.revocation === 'expiry-only' ? 'expired' : 'revoked';
    // Guard: a mint that finished late may have recorded real revocation data meanwhile; then go again.
    const res = await this.d.leases.transition(
      lease,
      ['revoking', 'revoke_failed'],
      final,
      now,
      { revoked_at: String(now), last_error: interrupted ? 'mint did not complete' : '', next_attempt_at: '', pending_notice: final },
      { field: 'revocation_data', equals: dataUsed },
    );
    if (res.guardFailed) throw new RetryLaterError(`revocation data of ${lease.id} changed; revoking again`, 0);
    if (!res.changed) return 'already-final';
    const dueAt = Math.min(lease.revokeRequestedAt ?? lease.revokeAt, lease.revokeAt);
    this.d.metrics.revocationLag.labels(lease.backend).observe(Math.max(0, now - dueAt) / 1000);
    await this.d.notices.flush({ ...lease, status: final, revokedAt: now, lastError: interrupted ? 'mint did not complete' : null, completedTask: res.completedTask, pendingNotice: final });
    return final;
  }

  /** Record a failed attempt and decide what comes next; throws RetryLaterError unless retrying is over. */
  private async failed(lease: Lease, err: unknown, now: number): Promise<RevokeOutcome> {
    const { leases, log, policy } = this.d;
    const permanent = (err instanceof RevokeError && err.permanent) || hasCode(err, 'backend_misconfigured');
    const message = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    const attempts = lease.attempts + 1;
    this.d.metrics.revocationFailures.labels(lease.backend, String(permanent)).inc();
    const next = nextRetry(policy, { attempts, permanent, now, expiresAt: lease.expiresAt }, this.random);
    if (next.kind === 'give-up') return this.giveUp(lease, attempts, message, next.retryUntil, now);

    const pastQuick = isPastQuickPhase(policy, attempts, permanent);
    const firstFailure = pastQuick && !lease.retry?.failedAt;
    const nextAt = now + next.delayMs;
    const retry = serializeRetry({ lastAttemptAt: now, nextAttemptAt: nextAt, retryUntil: next.retryUntil, lastErrorPermanent: permanent, ...(firstFailure ? { failedAt: now } : {}) });
    const fields = { attempts: String(attempts), last_error: message, ...retry, ...(firstFailure ? { pending_notice: 'revoke_failed' } : {}) };
    const t = await leases.transition(lease, ['revoking', 'revoke_failed'], pastQuick ? 'revoke_failed' : 'revoking', now, fields);
    log.warn({ lease_id: lease.id, task_id: lease.taskId, backend: lease.backend, attempts, permanent, phase: next.phase, retry_in_ms: next.delayMs, err: message }, 'revocation failed; will retry');
    if (firstFailure && t.changed) {
      const state = { lastAttemptAt: now, nextAttemptAt: nextAt, retryUntil: next.retryUntil, failedAt: now, lastErrorPermanent: permanent, unconfirmed: false, resolvedBy: null, resolvedAt: null, resolutionNote: null };
      await this.d.notices.flush({ ...lease, status: 'revoke_failed', attempts, lastError: message, retry: state, pendingNotice: 'revoke_failed' });
    }
    throw new RetryLaterError(message, next.delayMs);
  }

  /**
   * The credential has expired (plus grace) and the backend never confirmed the revocation: the lease
   * ends `expired` and stays on the failed list, flagged unconfirmed, until an admin resolves it.
   */
  private async giveUp(lease: Lease, attempts: number, message: string, retryUntil: number, now: number): Promise<RevokeOutcome> {
    const failedAt = lease.retry?.failedAt ?? now;
    const state = { lastAttemptAt: now, nextAttemptAt: null, retryUntil, failedAt, unconfirmed: true };
    const fields = { attempts: String(attempts), last_error: message, ...serializeRetry(state), pending_notice: 'unconfirmed' };
    const t = await this.d.leases.transition(lease, ['revoking', 'revoke_failed'], 'expired', now, fields);
    if (!t.changed) return 'already-final';
    const retry = { lastErrorPermanent: false, resolvedBy: null, resolvedAt: null, resolutionNote: null, ...lease.retry, ...state };
    await this.d.notices.flush({ ...lease, status: 'expired', attempts, lastError: message, retry, completedTask: t.completedTask, pendingNotice: 'unconfirmed' });
    return 'unconfirmed';
  }
}
