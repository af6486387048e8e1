import { createHash } from 'node:crypto';

/**
 * Every Redis key Tessera uses. Keys of one task share the hash tag `{tsk_…}` so a task,
 * its leases and its audit trail live in one Redis Cluster slot and Lua scripts can touch them together.
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
    return `${this.prefix}:webhook:${createHash('sha256').update(webhookId).digest('hex')}`;
  }
  /** Prefix for BullMQ queues. */
  bullPrefix(): string {
    return `${this.prefix}:bull`;
  }
}

function agentHash(issuer: string, subject: string): string {
  return createHash('sha256').update(`${issuer}\n${subject}`).digest('hex').slice(0, 32);
}
