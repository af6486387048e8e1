import { Job, type JobsOptions, type Queue } from 'bullmq';
import type { Clock } from '../util/clock.js';
import {
  LEASE_EXPIRY_BUCKET_MS,
  OWN_LEASE_JOB_WITHIN_MS,
  RETRY_FOREVER,
  SWEEPER_SCHEDULER_ID,
  TESSERA_BACKOFF,
  closeJobId,
  expireJobId,
  expiryBucketJobId,
  type AlertType,
  type ExpireLeasesJob,
  type CloseTaskJob,
  type RevokeLeaseJob,
  type SendAlertJob,
} from './jobs.js';

/** Job options of every teardown job: retried until it succeeds, on Tessera's capped backoff. */
export const TEARDOWN_JOB_OPTIONS: JobsOptions = {
  attempts: RETRY_FOREVER,
  backoff: { type: TESSERA_BACKOFF },
  stackTraceLimit: 3,
  removeOnComplete: { age: 3600, count: 50_000 },
  removeOnFail: { age: 7 * 86_400 },
};

/** What `ensureLeaseJob` found and did. */
export type EnsureResult = 'ok' | 'promoted' | 'requeued';

/** Producer side of the revocation queue: schedules and hurries teardown jobs. */
export class RevocationQueue {
  /** Expiry buckets whose job this process has added (or is adding), by `dueBy`; past ones are dropped. */
  private readonly buckets = new Map<number, Promise<void>>();

  constructor(
    readonly queue: Queue,
    private readonly clock: Clock,
  ) {}

  /**
   * Make sure a job will revoke the lease at its revocation time. A lease due within
   * OWN_LEASE_JOB_WITHIN_MS gets a delayed job of its own (job id = lease id), at its exact time. A later
   * one is covered by its expiry bucket's job, which queues the lease's own job when the bucket falls
   * due (at most LEASE_EXPIRY_BUCKET_MS after the lease's time). Each process adds a bucket's job once,
   * so issuing a credential does not cost a BullMQ job (and a worker wake-up) each: measured, that was
   * 0.4 ms of the 0.7 ms the pre-mint round trip took. Either way the job exists once this resolves.
   */
  async scheduleLease(lease: { id: string; taskId: string; revokeAt: number }): Promise<void> {
    const now = this.clock.now();
    if (lease.revokeAt - now < OWN_LEASE_JOB_WITHIN_MS) return this.addLeaseJob(lease, lease.revokeAt - now);
    return this.ensureBucket(Math.ceil(lease.revokeAt / LEASE_EXPIRY_BUCKET_MS) * LEASE_EXPIRY_BUCKET_MS, now);
  }

  /** Add the lease's own revocation job (job id = lease id), due in `delayMs`; ignored if it exists. */
  private async addLeaseJob(lease: { id: string; taskId: string }, delayMs = 0): Promise<void> {
    const data: RevokeLeaseJob = { leaseId: lease.id, taskId: lease.taskId };
    await this.queue.add('revoke-lease', data, { jobId: lease.id, delay: Math.max(0, delayMs) });
  }

  /** Add the job of the bucket ending at `dueBy`, once per process; a failed add is tried again by the next lease. */
  private ensureBucket(dueBy: number, now: number): Promise<void> {
    const known = this.buckets.get(dueBy);
    if (known) return known;
    for (const past of this.buckets.keys()) if (past < now) this.buckets.delete(past);
    const data: ExpireLeasesJob = { dueBy };
    // Removed on completion: an add for a bucket that already ran (its job id free again) runs at once.
    const added = this.queue.add('expire-leases', data, { jobId: expiryBucketJobId(dueBy), delay: Math.max(0, dueBy - now), removeOnComplete: true }).then(() => undefined);
    this.buckets.set(dueBy, added);
    added.catch(() => this.buckets.delete(dueBy));
    return added;
  }

  /**
   * Revoke a lease now. The lease's job already exists (delayed until expiry), and adding a job with
   * the same id would be ignored, so: promote it if delayed, retry it if failed, re-add it if it was
   * completed or removed; leave it alone if it is waiting or running.
   */
  async revokeLeaseNow(lease: { id: string; taskId: string }): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const job = await Job.fromId<RevokeLeaseJob>(this.queue, lease.id);
      const state = job ? await job.getState() : 'unknown';
      try {
        if (!job || state === 'unknown') {
          await this.addLeaseJob(lease);
        } else if (state === 'delayed') {
          await job.promote();
        } else if (state === 'failed') {
          await job.retry('failed');
        } else if (state === 'completed') {
          await job.remove();
          continue; // re-add on the next pass
        }
        return;
      } catch {
        // The job changed state between the read and the action (a worker took it): look again.
      }
    }
    await this.addLeaseJob(lease);
  }

  /**
   * Make sure a lease that is not final has a live revocation job: re-add it when it is missing,
   * completed or failed. A delayed job (the lease's expiry, or a retry backoff) is promoted only when
   * `promote` is set, so that repairs never defeat the retry schedule.
   */
  async ensureLeaseJob(lease: { id: string; taskId: string }, promote: boolean): Promise<EnsureResult> {
    const job = await Job.fromId<RevokeLeaseJob>(this.queue, lease.id);
    const state = job ? await job.getState() : 'unknown';
    if (state === 'active' || state === 'waiting' || state === 'prioritized' || state === 'waiting-children') return 'ok';
    if (state === 'delayed') {
      if (!promote) return 'ok';
      await job!.promote().catch(() => undefined); // a worker may have taken it meanwhile
      return 'promoted';
    }
    await this.revokeLeaseNow(lease);
    return 'requeued';
  }

  /** Drop a lease's pending revocation job (a lease resolved by hand); a running one finishes as a no-op. */
  async cancelLeaseJob(leaseId: string): Promise<void> {
    const job = await Job.fromId(this.queue, leaseId);
    if (job && ['delayed', 'waiting', 'prioritized', 'failed', 'completed'].includes(await job.getState())) await job.remove().catch(() => undefined);
  }

  /**
   * Move a lease's revocation to its (new) time, e.g. when the backend issued a shorter TTL: its own
   * delayed job if it has one, else the bucket of the new time (the old bucket's job skips the lease).
   */
  async rescheduleLease(lease: { id: string; taskId: string; revokeAt: number }): Promise<void> {
    const job = await Job.fromId(this.queue, lease.id);
    if (!job) return this.scheduleLease(lease);
    if ((await job.getState()) === 'delayed') await job.changeDelay(Math.max(0, lease.revokeAt - this.clock.now()));
  }

  /** Delayed job that expires a task at its TTL. */
  async scheduleTaskExpiry(task: { id: string; expiresAt: number }): Promise<void> {
    await this.queue.add('expire-task', { taskId: task.id }, { jobId: expireJobId(task.id), delay: Math.max(0, task.expiresAt - this.clock.now()) });
  }

  /** Queue the teardown of every lease of a closed task and of its descendants. */
  async closeTask(taskId: string, reason: CloseTaskJob['reason']): Promise<void> {
    const data: CloseTaskJob = { taskId, reason };
    const existing = await Job.fromId(this.queue, closeJobId(taskId));
    if (existing && (await existing.getState()) === 'completed') await existing.remove().catch(() => undefined);
    await this.queue.add('close-task', data, { jobId: closeJobId(taskId) });
  }

  /** Queue one alert delivery; the job id is the message id, so raising the same alert twice sends it once. */
  async sendAlert(type: AlertType, messageId: string, body: string): Promise<void> {
    const data: SendAlertJob = { type, body };
    await this.queue.add('send-alert', data, { jobId: messageId, attempts: 100, removeOnComplete: { age: 7 * 86_400 } });
  }

  /** Create or update the job scheduler that runs the sweeper every `everyMs` (idempotent across processes). */
  async scheduleSweeper(everyMs: number): Promise<void> {
    await this.queue.upsertJobScheduler(SWEEPER_SCHEDULER_ID, { every: everyMs }, { name: 'sweep', data: {}, opts: { removeOnComplete: 100, removeOnFail: 100, attempts: 1 } });
  }
}
