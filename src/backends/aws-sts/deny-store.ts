import type { Redis } from 'ioredis';
import { emptyState, latestUntil, type DenyState, type TaskEntry } from './deny-state.js';
import { RedisLock } from './role-lock.js';

/** Merge `until:issued` into a pending field, keeping the larger of each (ms values fit a Lua double exactly). */
const ADD_PENDING = `
local u, i = tonumber(ARGV[2]), tonumber(ARGV[3])
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local cu, ci = string.match(cur, '^(%d+):(%d+)$')
  if cu then u = math.max(u, tonumber(cu)); i = math.max(i, tonumber(ci)) end
end
redis.call('HSET', KEYS[1], ARGV[1], string.format('%.0f:%.0f', u, i))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

/** Delete pending fields whose value is still the one that was applied (a newer value stays). */
const ACK_PENDING = `
for n = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[n]) == ARGV[n + 1] then redis.call('HDEL', KEYS[1], ARGV[n]) end
end
return 1`;

const PENDING_TTL_MS = 86_400_000;
/** A deny list entry in Redis: [until, issued]. */
type Stored = { tasks: Record<string, [number, number]>; cutoff?: [number, number] };

/**
 * Tessera's Redis side of one role's deny list (keys share the hash tag `{aws-sts:<role ARN>}`):
 * - `…:deny-state`: the list as last written to IAM (the policy stays the authority; this copy covers
 *   IAM's eventual consistency, where a read right after another process's write may miss it);
 * - `…:deny-pending`: entries waiting to be written, so one lock holder writes everyone's at once;
 * - `…:deny-lock`: the {@link RedisLock}.
 */
export class DenyStore {
  readonly lock: RedisLock;
  private readonly stateKey: string;
  private readonly pendingKey: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    roleArn: string,
    lockTtlMs: number,
  ) {
    const base = `${prefix}:aws-sts:{${roleArn}}`;
    this.stateKey = `${base}:deny-state`;
    this.pendingKey = `${base}:deny-pending`;
    this.lock = new RedisLock(redis, `${base}:deny-lock`, lockTtlMs);
  }

  /** Queue an entry for the next write. */
  async addPending(taskId: string, e: TaskEntry): Promise<void> {
    await this.redis.eval(ADD_PENDING, 1, this.pendingKey, taskId, String(e.until), String(e.issued), String(PENDING_TTL_MS));
  }

  /** Every queued entry, with the raw values to acknowledge after writing them. */
  async pending(): Promise<Array<{ taskId: string; entry: TaskEntry; raw: string }>> {
    const all = await this.redis.hgetall(this.pendingKey);
    return Object.entries(all).flatMap(([taskId, raw]) => {
      const m = /^(\d+):(\d+)$/.exec(raw);
      return m ? [{ taskId, entry: { until: Number(m[1]), issued: Number(m[2]) }, raw }] : [];
    });
  }

  /** Remove queued entries that were written (unless they changed since). */
  async ackPending(done: Array<{ taskId: string; raw: string }>): Promise<void> {
    if (done.length === 0) return;
    await this.redis.eval(ACK_PENDING, 1, this.pendingKey, ...done.flatMap((d) => [d.taskId, d.raw]));
  }

  /** The list as last written (empty when unknown). */
  async load(): Promise<DenyState> {
    const raw = await this.redis.get(this.stateKey);
    const state = emptyState();
    if (!raw) return state;
    const s = JSON.parse(raw) as Stored;
    for (const [id, [until, issued]] of Object.entries(s.tasks)) state.tasks.set(id, { until, issued });
    if (s.cutoff) state.cutoff = { before: s.cutoff[0], until: s.cutoff[1] };
    return state;
  }

  /** Record what was written; kept until its last entry could be pruned (plus an hour), deleted when empty. */
  async save(state: DenyState, now: number): Promise<void> {
    const last = latestUntil(state);
    if (last === 0) {
      await this.redis.del(this.stateKey);
      return;
    }
    const s: Stored = { tasks: Object.fromEntries([...state.tasks].map(([id, e]) => [id, [e.until, e.issued]])) };
    if (state.cutoff) s.cutoff = [state.cutoff.before, state.cutoff.until];
    await this.redis.set(this.stateKey, JSON.stringify(s), 'PX', Math.max(1000, last - now) + 3_600_000);
  }
}
