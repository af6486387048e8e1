import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';
import { inOneRoundTrip } from '../store/redis.js';
import { TERMINAL_LEASE_STATUSES, type Lease, type LeaseRetryState, type LeaseStatus } from './lease.js';
import type { TaskStatus } from '../tasks/task.js';

// Create a lease only while its task is active, and count it as open on the task, atomically.
const CREATE_LEASE = `
if redis.call('HGET', KEYS[1], 'status') ~= 'active' then return 0 end
redis.call('HSET', KEYS[2], unpack(ARGV, 2))
redis.call('PEXPIREAT', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('HINCRBY', KEYS[1], 'open_leases', 1)
return 1
`;

// Compare-and-set a lease's status. When it reaches a final state, the task's open-lease count drops,
// and a completing task with no open lease left becomes completed. Returns {changed, previous, taskStatus}.
// An optional guard (ARGV[5] field, ARGV[6] value) must also hold, else {-2, previous, ...}.
const TRANSITION = `
local cur = redis.call('HGET', KEYS[2], 'status')
if not cur then return {-1, '', '', 0} end
local ok = false
for s in string.gmatch(ARGV[1], '[^,]+') do if s == cur then ok = true end end
if not ok then return {0, cur, redis.call('HGET', KEYS[1], 'status') or '', 0} end
if ARGV[5] ~= '' and (redis.call('HGET', KEYS[2], ARGV[5]) or '') ~= ARGV[6] then
  return {-2, cur, redis.call('HGET', KEYS[1], 'status') or '', 0}
end
redis.call('HSET', KEYS[2], 'status', ARGV[2])
for i = 7, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
if ARGV[3] == '1' then
  local open = redis.call('HINCRBY', KEYS[1], 'open_leases', -1)
  if open <= 0 and redis.call('HGET', KEYS[1], 'status') == 'completing' then
    redis.call('HSET', KEYS[1], 'status', 'completed', 'completed_at', ARGV[4])
    redis.call('HSET', KEYS[2], 'completed_task', '1')
    return {1, cur, 'completed', 1}
  end
end
return {1, cur, redis.call('HGET', KEYS[1], 'status') or '', 0}
`;

// A mint that finished after its lease was given up as interrupted: record what revocation needs and,
// if the lease was already closed, reopen it (`revoking`) so the credential is revoked for real.
const LATE_MINT = `
local cur = redis.call('HGET', KEYS[2], 'status')
if not cur then return {-1, ''} end
for i = 1, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
if cur == 'revoked' or cur == 'expired' then
  redis.call('HSET', KEYS[2], 'status', 'revoking', 'revoked_at', '')
  redis.call('HINCRBY', KEYS[1], 'open_leases', 1)
  return {1, cur}
end
return {0, cur}
`;

// Take back a lease that was never minted (still `pending`): it disappears from its task, atomically.
const DISCARD = `
if redis.call('HGET', KEYS[2], 'status') ~= 'pending' then return 0 end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
local open = redis.call('HINCRBY', KEYS[1], 'open_leases', -1)
if open <= 0 and redis.call('HGET', KEYS[1], 'status') == 'completing' then
  redis.call('HSET', KEYS[1], 'status', 'completed', 'completed_at', ARGV[2])
end
return 1
`;

/** Result of a status compare-and-set. */
export interface TransitionResult {
  /** False when the lease was not in one of the expected states (or does not exist). */
  changed: boolean;
  /** True when the status matched but the guard field did not (the lease changed under the caller). */
  guardFailed?: boolean;
  previous: LeaseStatus | null;
  /** The task's status after the transition (a lease reaching a final state may complete its task). */
  taskStatus: TaskStatus | null;
  /** True when this transition was the one that moved the task from `completing` to `completed`. */
  completedTask: boolean;
}

/** Redis storage of leases, indexed by task, by agent (through tasks) and by revocation time. */
export class LeaseStore {

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly retentionSeconds: number,
  ) {
  }

  /**
   * Write a new `pending` lease. Returns false when the task is no longer active.
   * The global index entries go first in the round trip (write-ahead): if Redis dies part-way, what is
   * left is an index entry without a lease, which the sweeper drops, never a lease that nothing finds.
   */
  async create(lease: Lease): Promise<boolean> {
    const fields = serialize(lease);
    const keepUntil = lease.expiresAt + this.retentionSeconds * 1000;
    const argv = [String(keepUntil), ...Object.entries(fields).flat()];
    // ARGV[3] must be the lease id for SADD: serialize() puts `id` first.
    // One round trip: the id → task pointer and the indexes (write-ahead), then the guarded create.
    const [, , , created] = await inOneRoundTrip(this.redis, () => [
      this.redis.set(this.keys.leaseTask(lease.id), lease.taskId, 'PX', Math.max(1, keepUntil - Date.now())),
      this.redis.zadd(this.keys.openLeases(), lease.revokeAt, lease.id),
      this.redis.zadd(this.keys.pendingLeases(), lease.createdAt, lease.id),
      this.redis.eval(CREATE_LEASE, 3, this.keys.task(lease.taskId), this.keys.lease(lease.taskId, lease.id), this.keys.taskLeases(lease.taskId), ...argv),
    ]);
    if (created === 1) return true;
    // The task closed first: undo the index entries written alongside.
    await this.forgetWriteAhead(lease.id);
    return false;
  }

  /**
   * Remove a lease that was written but never minted (its preconditions failed). Only a `pending` lease
   * is removed; returns false otherwise.
   */
  async discard(lease: Pick<Lease, 'id' | 'taskId'>, now: number): Promise<boolean> {
    const r = await this.redis.eval(DISCARD, 3, this.keys.task(lease.taskId), this.keys.lease(lease.taskId, lease.id), this.keys.taskLeases(lease.taskId), lease.id, String(now));
    if (r !== 1) return false;
    await this.forgetWriteAhead(lease.id);
    return true;
  }

  /** Remove the entries written ahead of a lease that never came to be (its id → task link and its indexes). */
  private async forgetWriteAhead(leaseId: string): Promise<void> {
    await inOneRoundTrip(this.redis, () => [this.redis.del(this.keys.leaseTask(leaseId)), this.redis.zrem(this.keys.openLeases(), leaseId), this.redis.zrem(this.keys.pendingLeases(), leaseId)]);
  }

  /** Remove a lease id from the open and pending indexes (terminal lease, or a write-ahead entry without a lease). */
  async dropIndexes(leaseId: string): Promise<void> {
    await inOneRoundTrip(this.redis, () => [this.redis.zrem(this.keys.openLeases(), leaseId), this.redis.zrem(this.keys.pendingLeases(), leaseId)]);
  }

  /** Remove a lease from the pending index only (it left `pending` but the index entry stayed behind). */
  async forgetPending(leaseId: string): Promise<void> {
    await this.redis.zrem(this.keys.pendingLeases(), leaseId);
  }

  /** Ids of leases written `pending` at or before `before` (ms) that are still in the pending index. */
  async pendingSince(before: number, limit = 500): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.pendingLeases(), '-inf', before, 'LIMIT', 0, limit);
  }

  /** Put a lease on the failed-revocation list. Returns true when it was not on it yet. */
  async markFailed(leaseId: string, at: number): Promise<boolean> {
    return (await this.redis.zadd(this.keys.failedLeases(), 'NX', at, leaseId)) === 1;
  }

  /** Take a lease off the failed-revocation list. */
  async clearFailed(leaseId: string): Promise<void> {
    await this.redis.zrem(this.keys.failedLeases(), leaseId);
  }

  /** Lease ids on the failed-revocation list, oldest failure first. */
  async failedIds(limit = 1000): Promise<string[]> {
    return this.redis.zrange(this.keys.failedLeases(), 0, limit - 1);
  }

  /** How many leases are on the failed-revocation list. */
  async failedCount(): Promise<number> {
    return this.redis.zcard(this.keys.failedLeases());
  }

  /**
   * Record the revocation data of a mint that completed after its lease stopped being `pending`.
   * Returns `reopened` when the lease had already been closed (it is `revoking` again and open).
   */
  async recordLateMint(lease: Pick<Lease, 'id' | 'taskId' | 'revokeAt'>, fields: Record<string, string>): Promise<'reopened' | 'recorded' | 'missing'> {
    const r = (await this.redis.eval(LATE_MINT, 2, this.keys.task(lease.taskId), this.keys.lease(lease.taskId, lease.id), ...Object.entries(fields).flat())) as [number, string];
    if (r[0] === -1) return 'missing';
    if (r[0] === 1) {
      await this.redis.zadd(this.keys.openLeases(), lease.revokeAt, lease.id);
      return 'reopened';
    }
    return 'recorded';
  }

  /** Load a lease by id alone. */
  async get(leaseId: string): Promise<Lease | null> {
    const taskId = await this.redis.get(this.keys.leaseTask(leaseId));
    return taskId ? this.getInTask(taskId, leaseId) : null;
  }

  /** Load a lease when its task is known. */
  async getInTask(taskId: string, leaseId: string): Promise<Lease | null> {
    const h = await this.redis.hgetall(this.keys.lease(taskId, leaseId));
    return h.id ? deserialize(h) : null;
  }

  /** Lease ids of one task. */
  async idsByTask(taskId: string): Promise<string[]> {
    return this.redis.smembers(this.keys.taskLeases(taskId));
  }

  /** All leases of one task (pipelined). */
  async listByTask(taskId: string): Promise<Lease[]> {
    const ids = await this.idsByTask(taskId);
    if (ids.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of ids) p.hgetall(this.keys.lease(taskId, id));
    const res = (await p.exec()) ?? [];
    return res
      .map(([, h]) => h as Record<string, string>)
      .filter((h) => h && h.id)
      .map(deserialize)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Open (not final) lease ids whose revocation time is at or before `until` (ms), oldest first. */
  async openDueBefore(until: number, limit = 500): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.openLeases(), '-inf', until, 'LIMIT', 0, limit);
  }

  /** Open lease ids whose revocation time is after `after` and at or before `until` (ms), oldest first. */
  async openDueIn(after: number, until: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.openLeases(), `(${after}`, until);
  }

  /** Number of leases not yet in a final state. */
  async openCount(): Promise<number> {
    return this.redis.zcard(this.keys.openLeases());
  }

  /** Compare-and-set the status; extra fields are written with it. */
  async transition(
    lease: Pick<Lease, 'id' | 'taskId'>,
    from: readonly LeaseStatus[],
    to: LeaseStatus,
    now: number,
    fields: Record<string, string> = {},
    guard?: { field: string; equals: string },
  ): Promise<TransitionResult> {
    const terminal = TERMINAL_LEASE_STATUSES.includes(to);
    const r = (await this.redis.eval(
      TRANSITION,
      2,
      this.keys.task(lease.taskId),
      this.keys.lease(lease.taskId, lease.id),
      from.join(','),
      to,
      terminal ? '1' : '0',
      String(now),
      guard?.field ?? '',
      guard?.equals ?? '',
      ...Object.entries(fields).flat(),
    )) as [number, string, string, number?];
    if (r[0] === 1 && terminal) await this.dropIndexes(lease.id);
    // Leaving `pending` (a mint finished): the pending-index entry is only housekeeping, so it is sent
    // without waiting for it (this connection's later commands still come after it, and the sweeper
    // forgets an entry whose lease is no longer pending). That keeps a round trip off every issue.
    else if (r[0] === 1 && r[1] === 'pending') void this.forgetPending(lease.id).catch(() => undefined);
    if (r[3] === 1) await this.redis.zrem(this.keys.closingTasks(), lease.taskId);
    return {
      changed: r[0] === 1,
      ...(r[0] === -2 ? { guardFailed: true } : {}),
      previous: r[0] === -1 ? null : (r[1] as LeaseStatus),
      taskStatus: (r[2] || null) as TaskStatus | null,
      completedTask: r[3] === 1,
    };
  }

  /** Write fields without a status change (e.g. attempts, last error). */
  async update(lease: Pick<Lease, 'id' | 'taskId'>, fields: Record<string, string>): Promise<void> {
    await this.redis.hset(this.keys.lease(lease.taskId, lease.id), fields);
  }

  /** Move the lease's revocation time in the open index (e.g. the backend issued a shorter TTL). */
  async reindex(leaseId: string, revokeAt: number): Promise<void> {
    await this.redis.zadd(this.keys.openLeases(), 'XX', revokeAt, leaseId);
  }
}

/** Field encoding of a lease hash. `id` comes first (the create script relies on it). */
export function serialize(l: Lease): Record<string, string> {
  return {
    id: l.id,
    task_id: l.taskId,
    profile: l.profile,
    backend: l.backend,
    agent_iss: l.agent.issuer,
    agent_sub: l.agent.subject,
    resources: JSON.stringify(l.resources),
    status: l.status,
    revocation: l.revocation,
    revocation_data: JSON.stringify(l.revocationData),
    credential_sha256: l.credentialSha256,
    created_at: String(l.createdAt),
    issued_at: l.issuedAt === null ? '' : String(l.issuedAt),
    expires_at: String(l.expiresAt),
    revoke_at: String(l.revokeAt),
    revoke_requested_at: l.revokeRequestedAt === null ? '' : String(l.revokeRequestedAt),
    revoked_at: l.revokedAt === null ? '' : String(l.revokedAt),
    attempts: String(l.attempts),
    last_error: l.lastError ?? '',
    ...(l.retry ? serializeRetry(l.retry) : {}),
  };
}

/** Field encoding of a lease's retry bookkeeping (written by the revocation worker). */
export function serializeRetry(r: Partial<LeaseRetryState>): Record<string, string> {
  const out: Record<string, string> = {};
  const n = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  if (r.lastAttemptAt !== undefined) out.last_attempt_at = n(r.lastAttemptAt);
  if (r.nextAttemptAt !== undefined) out.next_attempt_at = n(r.nextAttemptAt);
  if (r.retryUntil !== undefined) out.retry_until = n(r.retryUntil);
  if (r.failedAt !== undefined) out.failed_at = n(r.failedAt);
  if (r.lastErrorPermanent !== undefined) out.last_error_permanent = r.lastErrorPermanent ? '1' : '';
  if (r.unconfirmed !== undefined) out.unconfirmed = r.unconfirmed ? '1' : '';
  if (r.resolvedBy !== undefined) out.resolved_by = r.resolvedBy ?? '';
  if (r.resolvedAt !== undefined) out.resolved_at = n(r.resolvedAt);
  if (r.resolutionNote !== undefined) out.resolution_note = r.resolutionNote ?? '';
  return out;
}

function num(v: string | undefined): number | null {
  return v ? Number(v) : null;
}

function deserialize(h: Record<string, string>): Lease {
  return {
    id: h.id!,
    taskId: h.task_id!,
    profile: h.profile!,
    backend: h.backend!,
    agent: { issuer: h.agent_iss!, subject: h.agent_sub! },
    resources: JSON.parse(h.resources || '[]') as string[],
    status: h.status as LeaseStatus,
    revocation: h.revocation as Lease['revocation'],
    revocationData: JSON.parse(h.revocation_data || '{}') as Record<string, string>,
    credentialSha256: h.credential_sha256 ?? '',
    createdAt: Number(h.created_at),
    issuedAt: num(h.issued_at),
    expiresAt: Number(h.expires_at),
    revokeAt: Number(h.revoke_at),
    revokeRequestedAt: num(h.revoke_requested_at),
    revokedAt: num(h.revoked_at),
    attempts: Number(h.attempts ?? 0),
    lastError: h.last_error || null,
    pendingNotice: h.pending_notice || null,
    completedTask: h.completed_task === '1',
    retry:
      h.last_attempt_at || h.unconfirmed || h.resolved_by
        ? {
            lastAttemptAt: num(h.last_attempt_at),
            nextAttemptAt: num(h.next_attempt_at),
            retryUntil: num(h.retry_until),
            failedAt: num(h.failed_at),
            lastErrorPermanent: h.last_error_permanent === '1',
            unconfirmed: h.unconfirmed === '1',
            resolvedBy: h.resolved_by || null,
            resolvedAt: num(h.resolved_at),
            resolutionNote: h.resolution_note || null,
          }
        : undefined,
  };
}
