import type { LeaseStore } from '../leases/lease-store.js';
import { TERMINAL_LEASE_STATUSES } from '../leases/lease.js';
import { inBatches } from '../util/in-batches.js';
import { LEASE_EXPIRY_BUCKET_MS } from './jobs.js';
import type { RevocationQueue } from './revocation-queue.js';

/** What one bucket run found. */
export interface BucketReport {
  due: number;
  queued: number;
}

/**
 * Runs an expiry bucket's job (see RevocationQueue.scheduleLease): every open lease whose revocation
 * time falls in the bucket gets its own revocation job now (the revoker then revokes it, or waits for
 * its time if the clock here is behind). A lease no longer in the bucket (its time moved) or already
 * final is left alone; a lease whose job exists is left to it. A lost bucket job is the sweeper's to repair.
 */
export class LeaseExpiry {
  constructor(
    private readonly leases: LeaseStore,
    private readonly queue: RevocationQueue,
  ) {}

  /** Give every open lease of the bucket ending at `dueBy` its own revocation job, unless it has one. */
  async run(dueBy: number): Promise<BucketReport> {
    const ids = await this.leases.openDueIn(dueBy - LEASE_EXPIRY_BUCKET_MS, dueBy);
    const report: BucketReport = { due: 0, queued: 0 };
    await inBatches(ids, async (id) => {
      const lease = await this.leases.get(id);
      if (!lease || TERMINAL_LEASE_STATUSES.includes(lease.status) || lease.revokeAt > dueBy) return;
      report.due++;
      if ((await this.queue.ensureLeaseJob(lease, false)) !== 'ok') report.queued++;
    });
    return report;
  }
}
