import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BackendRegistry } from '../backends/registry.js';
import type { Keys } from '../store/keys.js';
import type { LeaseStore } from '../leases/lease-store.js';
import { TERMINAL_LEASE_STATUSES, type Lease } from '../leases/lease.js';
import type { TaskStore } from '../tasks/task-store.js';
import type { Clock } from '../util/clock.js';
import { inBatches } from '../util/in-batches.js';
import type { RevocationQueue } from './revocation-queue.js';
import type { RevocationMetrics } from './revocation-metrics.js';
import type { TaskCloser } from './task-closer.js';

const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/** A lease or task this far past its due time without being handled is considered missed. */
const DUE_SLACK_MS = 2000;

/** What one sweep found and repaired. */
export interface SweepReport {
  skipped: boolean;
  checked: number;
  requeued: number;
  promoted: number;
  droppedIndexEntries: number;
  expiredTasks: number;
  tasksTornDown: number;
}

/** What the sweeper needs. */
export interface SweeperDeps {
  redis: Redis;
  keys: Keys;
  leases: LeaseStore;
  tasks: TaskStore;
  queue: RevocationQueue;
  closer: TaskCloser;
  backends: BackendRegistry;
  metrics: RevocationMetrics;
  clock: Clock;
  log: Logger;
  pendingGraceMs: number;
  intervalMs: number;
  /** A `revoke_failed` lease of a backend that answers again is retried at once if its last attempt is this old. */
  kickAfterMs: number;
}

/**
 * The safety net behind the revocation queue, run by a BullMQ job scheduler and, through a Redis lock,
 * by one worker at a time. Each run (bounded work) re-queues or hurries:
 * - leases past their revocation time that are not final, whose job is missing, failed or finished;
 * - leases stuck `pending` (a crash between mint and "active"): they are revoked as interrupted mints;
 * - `revoke_failed` leases of a backend that answers again (so recovery does not wait for the slow schedule);
 * - tasks past their expiry that were never expired, and closed tasks whose teardown did not complete
 *   (leases never hurried, children left active).
 */
export class Sweeper {
  constructor(private readonly d: SweeperDeps) {}

  /** One sweep, unless another worker holds the sweeper lock. */
  async run(): Promise<SweepReport> {
    const token = randomUUID();
    const key = this.d.keys.sweeperLock();
    const ttl = Math.max(60_000, this.d.intervalMs * 4);
    if ((await this.d.redis.set(key, token, 'PX', ttl, 'NX')) !== 'OK') return { ...empty(), skipped: true };
    try {
      const report = empty();
      await this.dueLeases(report);
      await this.pendingLeases(report);
      await this.failedLeases(report);
      await this.expiredTasks(report);
      await this.closingTasks(report);
      if (report.requeued + report.promoted + report.droppedIndexEntries + report.expiredTasks + report.tasksTornDown > 0) {
        this.d.log.warn({ sweep: report }, 'sweeper repaired missed teardown');
      }
      return report;
    } finally {
      await this.d.redis.eval(RELEASE_LOCK, 1, key, token).catch(() => undefined);
    }
  }

  private async dueLeases(r: SweepReport): Promise<void> {
    const ids = await this.d.leases.openDueBefore(this.d.clock.now() - DUE_SLACK_MS, 1000);
    await inBatches(ids, async (id) => {
      r.checked++;
      const lease = await this.d.leases.get(id);
      if (!lease || TERMINAL_LEASE_STATUSES.includes(lease.status)) return this.drop(r, id);
      const waiting = lease.revocation === 'expiry-only' && this.d.clock.now() < lease.expiresAt;
      await this.ensure(r, lease, lease.status === 'active' && !waiting);
    });
  }

  private async pendingLeases(r: SweepReport): Promise<void> {
    const ids = await this.d.leases.pendingSince(this.d.clock.now() - this.d.pendingGraceMs, 500);
    await inBatches(ids, async (id) => {
      r.checked++;
      const lease = await this.d.leases.get(id);
      if (!lease || TERMINAL_LEASE_STATUSES.includes(lease.status)) return this.drop(r, id);
      if (lease.status !== 'pending') return this.d.leases.forgetPending(id);
      if (lease.revokeRequestedAt === null) await this.d.leases.update(lease, { revoke_requested_at: String(this.d.clock.now()) });
      await this.ensure(r, lease, true); // the revoker treats it as an interrupted mint
    });
  }

  private async failedLeases(r: SweepReport): Promise<void> {
    const ids = await this.d.leases.failedIds(500);
    const ready = new Map<string, Promise<boolean>>();
    const answers = (backend: string) => {
      if (!ready.has(backend)) ready.set(backend, probe(this.d.backends, backend));
      return ready.get(backend)!;
    };
    const now = this.d.clock.now();
    await inBatches(ids, async (id) => {
      r.checked++;
      const lease = await this.d.leases.get(id);
      if (!lease) return this.d.leases.clearFailed(id);
      if (lease.retry?.unconfirmed) return; // waits for an admin
      if (TERMINAL_LEASE_STATUSES.includes(lease.status)) return this.d.leases.clearFailed(id);
      const stale = now - (lease.retry?.lastAttemptAt ?? 0) >= this.d.kickAfterMs;
      const kick = stale && !lease.retry?.lastErrorPermanent && (await answers(lease.backend));
      await this.ensure(r, lease, kick);
    });
  }

  private async expiredTasks(r: SweepReport): Promise<void> {
    const ids = await this.d.tasks.openExpiredBefore(this.d.clock.now() - DUE_SLACK_MS, 500);
    await inBatches(ids, async (id) => {
      const task = await this.d.tasks.get(id);
      if (!task || task.status !== 'active') {
        r.droppedIndexEntries++;
        return this.d.tasks.dropOpen(id);
      }
      if ((await this.d.closer.expire(id)) === 'expired') {
        r.expiredTasks++;
        this.d.metrics.sweeperRepairs.labels('task_expired').inc();
      }
    });
  }

  private async closingTasks(r: SweepReport): Promise<void> {
    const now = this.d.clock.now();
    const ids = await this.d.tasks.closingDue(now, 200);
    await inBatches(ids, async (id) => {
      const task = await this.d.tasks.get(id);
      // No task, or one still active (a write-ahead entry whose close never happened): nothing to tear down.
      if (!task || task.status === 'active') return this.d.tasks.closingDone(id);
      const open = (await this.d.leases.listByTask(id)).filter((l) => !TERMINAL_LEASE_STATUSES.includes(l.status));
      const children = await Promise.all((await this.d.tasks.children(id)).map((c) => this.d.tasks.get(c)));
      if (children.some((c) => c?.status === 'active') || open.some((l) => l.revokeRequestedAt === null)) {
        // The close job never ran to the end: run the teardown again (it is idempotent).
        await this.d.closer.close({ taskId: id, reason: task.status === 'expired' ? 'expired' : 'completed' });
        r.tasksTornDown++;
        this.d.metrics.sweeperRepairs.labels('task_teardown').inc();
      } else {
        for (const l of open) await this.ensure(r, l, l.status === 'active');
      }
      if (open.length === 0 && !children.some((c) => c?.status === 'active')) await this.d.tasks.closingDone(id);
      else await this.d.tasks.recheckClosingAt(id, now + Math.max(10_000, this.d.intervalMs * 2));
    });
  }

  private async ensure(r: SweepReport, lease: Lease, promote: boolean): Promise<void> {
    const res = await this.d.queue.ensureLeaseJob(lease, promote);
    if (res === 'requeued') r.requeued++;
    if (res === 'promoted') r.promoted++;
    if (res !== 'ok') this.d.metrics.sweeperRepairs.labels(`lease_${res}`).inc();
  }

  private async drop(r: SweepReport, id: string): Promise<void> {
    r.droppedIndexEntries++;
    this.d.metrics.sweeperRepairs.labels('index_dropped').inc();
    await this.d.leases.dropIndexes(id);
  }
}

function empty(): SweepReport {
  return { skipped: false, checked: 0, requeued: 0, promoted: 0, droppedIndexEntries: 0, expiredTasks: 0, tasksTornDown: 0 };
}

/** True when the backend answers its readiness check within 2 s. */
async function probe(backends: BackendRegistry, name: string): Promise<boolean> {
  if (!backends.has(name)) return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      backends.get(name).ready().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 2000))),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
