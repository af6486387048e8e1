import type { Keys } from '../store/keys.js';

/**
 * Redis keys of the revocation bookkeeping indexes (sorted sets of ids, next to the core's keys).
 * They are global keys, like `leases:open`: on Redis Cluster they live outside the tasks' hash slots
 * and are written after (or, for write-ahead entries, before) the per-task scripts.
 */
export class IndexKeys {
  constructor(private readonly prefix: string) {}

  /** The indexes that belong with a core key set (same prefix). */
  static of(keys: Keys): IndexKeys {
    return new IndexKeys(keys.openLeases().replace(/:leases:open$/, ''));
  }

  /** Sorted set: leases written `pending` (mint under way), scored by creation time (ms). */
  pendingLeases(): string {
    return `${this.prefix}:leases:pending`;
  }
  /** Sorted set: leases whose revocation failed and that need attention, scored by when they failed. */
  failedLeases(): string {
    return `${this.prefix}:leases:failed`;
  }
  /** Sorted set: tasks being torn down (completing/expired), scored by when the sweeper checks them next. */
  closingTasks(): string {
    return `${this.prefix}:tasks:closing`;
  }
  /** String: the sweeper's mutual-exclusion lock. */
  sweeperLock(): string {
    return `${this.prefix}:sweeper:lock`;
  }
}
