import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import { RevokeError } from '../backends/backend.js';
import type { BackendRegistry } from '../backends/registry.js';
import type { LeaseStore } from '../leases/lease-store.js';
import type { Lease } from '../leases/lease.js';
import { TERMINAL_LEASE_STATUSES } from '../leases/lease.js';
import type { Metrics } from '../ops/metrics.js';
import type { Clock } from '../util/clock.js';

/** How long a `pending` lease is given to finish minting before revocation treats it as abandoned. */
export const PENDING_GRACE_MS = 30_000;

/** Thrown when a lease cannot be revoked yet (still minting): the queue retries it later. */
export class NotYetError extends Error {}

/** Outcome of one revocation attempt. */
export type RevokeOutcome = 'revoked' | 'expired' | 'already-final' | 'missing' | 'wait-expiry' | 'abandoned';

/**
 * Revokes one lease, idempotently: a final lease is left alone; a failure leaves it `revoke_failed`
 * (audited, counted) and rethrows so the queue retries with backoff.
 */
export class Revoker {
  constructor(
    private readonly leases: LeaseStore,
    private readonly backends: BackendRegistry,
    private readonly audit: AuditLog,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async revoke(taskId: string, leaseId: string): Promise<RevokeOutcome> {
    const lease = await this.leases.getInTask(taskId, leaseId);
    if (!lease) return 'missing';
    if (TERMINAL_LEASE_STATUSES.includes(lease.status)) return 'already-final';
    const now = this.clock.now();
    if (lease.status === 'pending') {
      if (now - lease.createdAt < PENDING_GRACE_MS) throw new NotYetError(`lease ${lease.id} is still minting`);
      return this.abandonPending(lease, now);
    }
    if (lease.revocation === 'expiry-only' && now < lease.expiresAt) return 'wait-expiry';

    await this.leases.transition(lease, ['active', 'revoke_failed', 'revoking'], 'revoking', now);
    try {
      if (lease.revocation !== 'expiry-only') {
        await this.backends.get(lease.backend).revoke({
          leaseId: lease.id,
          taskId: lease.taskId,
          profileName: lease.profile,
          revocationData: lease.revocationData,
          credentialExpiresAt: lease.expiresAt,
        });
      }
    } catch (err) {
      await this.recordFailure(lease, err);
      throw err;
    }
    return this.finish(lease);
  }

  private async finish(lease: Lease): Promise<RevokeOutcome> {
    const now = this.clock.now();
    const final = lease.revocation === 'expiry-only' ? 'expired' : 'revoked';
    const res = await this.leases.transition(lease, ['revoking'], final, now, { revoked_at: String(now), last_error: '' });
    if (!res.changed) return 'already-final';
    const dueAt = Math.min(lease.revokeRequestedAt ?? lease.revokeAt, lease.revokeAt);
    this.metrics.revocationLag.labels(lease.backend).observe(Math.max(0, now - dueAt) / 1000);
    await this.audit.recordBestEffort({
      type: final === 'expired' ? 'lease.expired' : 'lease.revoked',
      outcome: 'success',
      actor: 'revocation-worker',
      agent: lease.agent,
      task_id: lease.taskId,
      profile: lease.profile,
      lease_id: lease.id,
      credential_sha256: lease.credentialSha256,
      reason: lease.revokeRequestedAt ? 'early' : 'expiry',
      detail: { backend: lease.backend, revocation: lease.revocation, lag_ms: Math.max(0, now - dueAt), attempts: lease.attempts + 1 },
    });
    if (res.completedTask) {
      await this.audit.recordBestEffort({ type: 'task.completed', outcome: 'success', actor: 'revocation-worker', agent: lease.agent, task_id: lease.taskId });
    }
    return final;
  }

  private async recordFailure(lease: Lease, err: unknown): Promise<void> {
    const permanent = err instanceof RevokeError && err.permanent;
    const message = err instanceof Error ? err.message : String(err);
    const attempts = lease.attempts + 1;
    this.metrics.revocationFailures.labels(lease.backend, String(permanent)).inc();
    this.log.warn({ lease_id: lease.id, task_id: lease.taskId, backend: lease.backend, attempts, permanent, err: message }, 'revocation failed; will retry');
    try {
      await this.leases.transition(lease, ['revoking'], 'revoke_failed', this.clock.now(), { attempts: String(attempts), last_error: message.slice(0, 500) });
    } catch (storeErr) {
      this.log.error({ err: storeErr, lease_id: lease.id }, 'could not record revocation failure');
    }
    await this.audit.recordBestEffort({
      type: 'lease.revoke_failed',
      outcome: 'failure',
      actor: 'revocation-worker',
      agent: lease.agent,
      task_id: lease.taskId,
      profile: lease.profile,
      lease_id: lease.id,
      reason: message.slice(0, 200),
      detail: { backend: lease.backend, attempts, permanent },
    });
  }

  /**
   * A lease stuck in `pending` long after its mint began: the minting process died before recording
   * what was issued. Nothing identifies a credential to revoke, so the lease is closed as revoked and
   * the fact is audited; backends that can find such orphans (by metadata) sweep them separately.
   */
  private async abandonPending(lease: Lease, now: number): Promise<RevokeOutcome> {
    const res = await this.leases.transition(lease, ['pending'], 'revoked', now, { revoked_at: String(now), last_error: 'mint did not complete' });
    if (res.changed) {
      await this.audit.recordBestEffort({
        type: 'lease.revoked',
        outcome: 'success',
        actor: 'revocation-worker',
        agent: lease.agent,
        task_id: lease.taskId,
        profile: lease.profile,
        lease_id: lease.id,
        reason: 'mint_not_completed',
      });
    }
    return 'abandoned';
  }
}
