import { sha256Hex } from '../util/hash.js';

/**
 * Every Redis key Tessera uses. Keys of one task share the hash tag `{tsk_…}` so a task,
 * its leases and its audit trail live in one Redis Cluster slot and Lua scripts can touch them together.
 * The indexes (`leases:open`, `leases:pending`, ...) are global keys: on Redis Cluster they live outside
 * the tasks' slots and are written after (or, for write-ahead entries, before) the per-task scripts.
 */
export class Keys {
  constructor(private readonly prefix: string) {}

  /** Hash: the task record. */
  task(taskId: string): string {
    return `${this.prefix}:task:{${taskId}}`;
  }
  /** Set: lease ids of a task. */
  taskLeases(taskId: string): string {
    return `${this.prefix}:task:{${taskId}}:leases`;
  }
  /** Set: direct child task ids (delegation). */
  taskChildren(taskId: string): string {
    return `${this.prefix}:task:{${taskId}}:children`;
  }
  /** Stream: the task's own audit trail. */
  taskAudit(taskId: string): string {
    return `${this.prefix}:task:{${taskId}}:audit`;
  }
  /** Hash: one lease, under its task's hash tag. */
  lease(taskId: string, leaseId: string): string {
    return `${this.prefix}:task:{${taskId}}:lease:${leaseId}`;
  }
  /** String: lease id → task id (to find a lease by id alone). */
  leaseTask(leaseId: string): string {
    return `${this.prefix}:lease-task:${leaseId}`;
  }
  /** Sorted set: task ids of one agent, scored by creation time. */
  agentTasks(issuer: string, subject: string): string {
    return `${this.prefix}:agent:${agentHash(issuer, subject)}:tasks`;
  }
  /** String: present while an agent is blocked by the kill switch. */
  agentBlocked(issuer: string, subject: string): string {
    return `${this.prefix}:agent:${agentHash(issuer, subject)}:blocked`;
  }
  /** Sorted set: leases not yet in a final state, scored by when they must be revoked (ms). */
  openLeases(): string {
    return `${this.prefix}:leases:open`;
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
  /** Hash: one approval request. */
  approval(id: string): string {
    return `${this.prefix}:approval:${id}`;
  }
  /** Sorted set: approvals not yet closed, scored by expiry (ms). */
  openApprovals(): string {
    return `${this.prefix}:approvals:open`;
  }
  /** Sorted set: tasks not yet ended, scored by expiry (ms). */
  openTasks(): string {
    return `${this.prefix}:tasks:open`;
  }
  /** Stream: the global audit trail. */
  audit(): string {
    return `${this.prefix}:audit`;
  }
  /** String: first result of a webhook delivery, by `webhook-id`. */
  webhookDelivery(webhookId: string): string {
    return `${this.prefix}:webhook:${sha256Hex(webhookId)}`;
  }
  /** Prefix for BullMQ queues. */
  bullPrefix(): string {
    return `${this.prefix}:bull`;
  }
}

function agentHash(issuer: string, subject: string): string {
  return sha256Hex(`${issuer}\n${subject}`).slice(0, 32);
}
