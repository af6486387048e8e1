import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';
import { inOneRoundTrip } from '../store/redis.js';
import { ActiveTasks } from './active-tasks.js';
import type { ActClaim, Scope, Task, TaskStatus } from './task.js';

// Close a task atomically: only an active task can be closed; a completion with no open leases
// goes straight to `completed`.
const CLOSE_TASK = `
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return {-1, ''} end
if cur ~= 'active' then return {0, cur} end
local target = ARGV[1]
local open = tonumber(redis.call('HGET', KEYS[1], 'open_leases') or '0')
if target == 'completing' and open <= 0 then target = 'completed' end
redis.call('HSET', KEYS[1], 'status', target, 'ended_at', ARGV[2], 'outcome', ARGV[3])
return {1, target}
`;

// Link a sub-task under its parent only while the parent is active and unexpired, atomically, so a
// parent that closes concurrently either sees the child (and closes it) or refuses it.
const LINK_CHILD = `
if redis.call('HGET', KEYS[1], 'status') ~= 'active' then return 0 end
if tonumber(redis.call('HGET', KEYS[1], 'expires_at') or '0') <= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[2], ARGV[1])
return 1
`;

/** How long after a task closes the sweeper first checks that its teardown happened. */
const CLOSING_FIRST_CHECK_MS = 5000;

/** Redis storage of task records (one hash per task, under the task's hash tag). */
export class TaskStore {
  /** Tasks this process read while active (their declared facts never change; see ActiveTasks). */
  readonly active = new ActiveTasks();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /**
   * Persist a new task and index it by agent, by expiry and under its parent. Returns false (and leaves
   * the record closed) when the parent closed before the sub-task could be linked under it.
   */
  async create(task: Task, retentionSeconds: number): Promise<boolean> {
    const key = this.keys.task(task.id);
    const m = this.redis.multi();
    m.hset(key, serialize(task));
    m.pexpireat(key, task.expiresAt + retentionSeconds * 1000);
    await m.exec().then(assertExec);
    if (task.parentTaskId) {
      const linked = await this.redis.eval(LINK_CHILD, 2, this.keys.task(task.parentTaskId), this.keys.taskChildren(task.parentTaskId), task.id, String(task.createdAt));
      if (linked !== 1) {
        await this.redis.hset(key, 'status', 'completed', 'ended_at', String(task.createdAt), 'outcome', 'parent_closed');
        return false;
      }
    }
    const idx = this.redis.multi();
    idx.zadd(this.keys.agentTasks(task.agent.issuer, task.agent.subject), task.createdAt, task.id);
    idx.zadd(this.keys.openTasks(), task.expiresAt, task.id);
    await idx.exec().then(assertExec);
    return true;
  }

  /** Load a task, or null when it does not exist. */
  async get(taskId: string): Promise<Task | null> {
    const h = await this.redis.hgetall(this.keys.task(taskId));
    if (!h.id) return null;
    const task = deserialize(h);
    this.active.remember(task);
    return task;
  }

  /**
   * Move an active task to `completing` (or straight to `completed` when it holds no open leases)
   * or to `expired`. Returns the status after the call and whether this call changed it.
   */
  async close(taskId: string, target: 'completing' | 'expired', now: number, outcome: string): Promise<{ changed: boolean; status: TaskStatus | null }> {
    this.active.forget(taskId);
    // Write-ahead: the sweeper's check that the teardown really happens (leases revoked, children
    // closed) is registered in the same round trip, before the status changes, so a process killed
    // right after closing the task cannot leave it closed with nobody to tear it down.
    const [, r] = await inOneRoundTrip(this.redis, () => [
      this.redis.zadd(this.keys.closingTasks(), 'NX', now + CLOSING_FIRST_CHECK_MS, taskId),
      this.redis.eval(CLOSE_TASK, 1, this.keys.task(taskId), target, String(now), outcome) as Promise<[number, string]>,
    ]);
    this.active.forget(taskId); // again: a read that raced the close may have remembered it meanwhile
    if (r[0] === -1) {
      await this.redis.zrem(this.keys.closingTasks(), taskId);
      return { changed: false, status: null };
    }
    await this.redis.zrem(this.keys.openTasks(), taskId);
    return { changed: r[0] === 1, status: r[1] as TaskStatus };
  }

  /** Ids of tasks still open (not ended) whose expiry is at or before `until` (ms). */
  async openExpiredBefore(until: number, limit = 500): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.openTasks(), '-inf', until, 'LIMIT', 0, limit);
  }

  /** Closed tasks whose teardown is due for a check at or before `now`. */
  async closingDue(now: number, limit = 200): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.closingTasks(), '-inf', now, 'LIMIT', 0, limit);
  }

  /** Check a closed task's teardown again at `at`. */
  async recheckClosingAt(taskId: string, at: number): Promise<void> {
    await this.redis.zadd(this.keys.closingTasks(), 'XX', at, taskId);
  }

  /** The task's teardown is finished: stop checking it. */
  async closingDone(taskId: string): Promise<void> {
    await this.redis.zrem(this.keys.closingTasks(), taskId);
  }

  /** Forget an open-task index entry whose task record no longer exists. */
  async dropOpen(taskId: string): Promise<void> {
    await this.redis.zrem(this.keys.openTasks(), taskId);
  }

  /** Direct children of a task (delegation). */
  async children(taskId: string): Promise<string[]> {
    return this.redis.smembers(this.keys.taskChildren(taskId));
  }

  /** Task ids of one agent, newest first. */
  async byAgent(issuer: string, subject: string, limit = 1000): Promise<string[]> {
    return this.redis.zrevrange(this.keys.agentTasks(issuer, subject), 0, limit - 1);
  }
}

function assertExec(res: Array<[Error | null, unknown]> | null): void {
  if (!res) throw new Error('Redis transaction aborted');
  for (const [err] of res) if (err) throw err;
}

function serialize(t: Task): Record<string, string> {
  return {
    id: t.id,
    agent_iss: t.agent.issuer,
    agent_sub: t.agent.subject,
    intent: t.intent,
    scopes: JSON.stringify(t.scopes),
    labels: JSON.stringify(t.labels),
    status: t.status,
    created_at: String(t.createdAt),
    expires_at: String(t.expiresAt),
    parent_task_id: t.parentTaskId ?? '',
    depth: String(t.depth),
    ttl_clamped_by: t.ttlClampedBy ?? '',
    outcome: t.outcome ?? '',
    ended_at: t.endedAt === null ? '' : String(t.endedAt),
    open_leases: String(t.openLeases),
    ...(t.principal ? { principal_iss: t.principal.issuer, principal_sub: t.principal.subject } : {}),
    ...(t.delegatedBy ? { delegated_by_iss: t.delegatedBy.issuer, delegated_by_sub: t.delegatedBy.subject } : {}),
    ...(t.act ? { act: JSON.stringify(t.act) } : {}),
  };
}

function deserialize(h: Record<string, string>): Task {
  return {
    id: h.id!,
    agent: { issuer: h.agent_iss!, subject: h.agent_sub! },
    intent: h.intent!,
    scopes: JSON.parse(h.scopes!) as Scope[],
    labels: JSON.parse(h.labels!) as Record<string, string>,
    status: h.status as TaskStatus,
    createdAt: Number(h.created_at),
    expiresAt: Number(h.expires_at),
    parentTaskId: h.parent_task_id || null,
    depth: Number(h.depth),
    ttlClampedBy: h.ttl_clamped_by || null,
    outcome: h.outcome || null,
    endedAt: h.ended_at ? Number(h.ended_at) : null,
    openLeases: Number(h.open_leases ?? 0),
    delegatedBy: h.delegated_by_iss ? { issuer: h.delegated_by_iss, subject: h.delegated_by_sub ?? '' } : null,
    principal: h.principal_iss ? { issuer: h.principal_iss, subject: h.principal_sub ?? '' } : { issuer: h.agent_iss!, subject: h.agent_sub! },
    act: h.act ? (JSON.parse(h.act) as ActClaim) : null,
  };
}
