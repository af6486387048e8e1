import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { LeaseStore } from '../leases/lease-store.js';
import { TERMINAL_LEASE_STATUSES } from '../leases/lease.js';
import type { TaskStore } from '../tasks/task-store.js';
import type { Clock } from '../util/clock.js';
import type { CloseTaskJob } from './jobs.js';
import type { RevocationQueue } from './revocation-queue.js';

/** How many leases of one task are hurried at once. */
const CLOSE_BATCH = 64;

/** Tears down closed tasks: expires tasks at their TTL and hurries the revocation of their leases. */
export class TaskCloser {
  constructor(
    private readonly tasks: TaskStore,
    private readonly leases: LeaseStore,
    private readonly queue: RevocationQueue,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** The task's TTL has passed: mark it expired and revoke everything it holds. */
  async expire(taskId: string): Promise<'expired' | 'not-due' | 'already-closed'> {
    const task = await this.tasks.get(taskId);
    if (!task) return 'already-closed';
    const now = this.clock.now();
    if (now < task.expiresAt) {
      await this.queue.scheduleTaskExpiry(task);
      return 'not-due';
    }
    const res = await this.tasks.close(taskId, 'expired', now, 'expired');
    if (!res.changed) return 'already-closed';
    await this.audit.recordBestEffort({ type: 'task.expired', outcome: 'info', actor: 'expiry', agent: task.agent, task_id: taskId, intent: task.intent });
    await this.close({ taskId, reason: 'expired' });
    return 'expired';
  }

  /**
   * Revoke every open lease of the task now, then close its child tasks and queue their teardown.
   * Safe to repeat: final leases are skipped, revocation itself is idempotent.
   */
  async close(job: CloseTaskJob): Promise<number> {
    const now = this.clock.now();
    const leases = await this.leases.listByTask(job.taskId);
    const open = leases.filter((l) => !TERMINAL_LEASE_STATUSES.includes(l.status));
    // Hurry them in parallel batches: a task may hold thousands of leases.
    for (let i = 0; i < open.length; i += CLOSE_BATCH) {
      await Promise.all(
        open.slice(i, i + CLOSE_BATCH).map(async (lease) => {
          if (lease.revokeRequestedAt === null) await this.leases.update(lease, { revoke_requested_at: String(now) });
          // Hurry leases whose revocation has not started; leave retry backoffs of failing ones alone.
          await this.queue.ensureLeaseJob(lease, lease.status === 'active' || lease.status === 'pending');
        }),
      );
    }
    const hurried = open.length;
    for (const childId of await this.tasks.children(job.taskId)) {
      const res = await this.tasks.close(childId, 'completing', now, 'parent_closed');
      if (res.changed) {
        const child = await this.tasks.get(childId);
        await this.audit.recordBestEffort({
          type: 'task.completing',
          outcome: 'info',
          actor: 'parent-task',
          agent: child?.agent,
          task_id: childId,
          reason: `parent ${job.taskId} ${job.reason}`,
        });
        await this.queue.closeTask(childId, 'parent_closed');
      }
    }
    this.log.debug({ task_id: job.taskId, leases: hurried }, 'task teardown queued');
    return hurried;
  }
}
