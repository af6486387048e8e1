import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';
import type { Approval, ApprovalStatus } from './approval.js';

// Decide a pending approval: only while pending and not past its expiry (then it becomes expired).
// ARGV: now, target status, keep-until (ms), field/value pairs. Returns {changed, status, expiredNow}.
const DECIDE = `
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {0, '', 0} end
if st ~= 'pending' then return {0, st, 0} end
if tonumber(ARGV[1]) >= tonumber(redis.call('HGET', KEYS[1], 'expires_at')) then
  redis.call('HSET', KEYS[1], 'status', 'expired')
  return {0, 'expired', 1}
end
redis.call('HSET', KEYS[1], 'status', ARGV[2])
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return {1, ARGV[2], 0}
`;

// Expire an open approval (pending, or approved and not collected) whose time has passed.
const EXPIRE = `
local st = redis.call('HGET', KEYS[1], 'status')
if st ~= 'pending' and not (st == 'approved' and redis.call('HGET', KEYS[1], 'lease_id') == '') then return 0 end
if tonumber(ARGV[1]) < tonumber(redis.call('HGET', KEYS[1], 'expires_at')) then return 0 end
redis.call('HSET', KEYS[1], 'status', 'expired')
return 1
`;

// Claim an approved, uncollected approval for one collecting call. A claim older than ARGV[2] ms is
// considered abandoned (its process died) and may be taken over. Returns {claimed, why}.
const CLAIM = `
local st = redis.call('HGET', KEYS[1], 'status')
if st ~= 'approved' then return {0, st or 'missing'} end
if redis.call('HGET', KEYS[1], 'lease_id') ~= '' then return {0, 'delivered'} end
if tonumber(ARGV[1]) >= tonumber(redis.call('HGET', KEYS[1], 'expires_at')) then return {0, 'expired'} end
local c = redis.call('HGET', KEYS[1], 'claim') or ''
local at = tonumber(redis.call('HGET', KEYS[1], 'claim_at') or '0') or 0
if c ~= '' and tonumber(ARGV[1]) - at < tonumber(ARGV[2]) then return {0, 'collecting'} end
redis.call('HSET', KEYS[1], 'claim', ARGV[3], 'claim_at', ARGV[1])
return {1, 'claimed'}
`;

// Finish (ARGV[2] = lease id) or release (ARGV[2] = '') a claim, only by the call that holds it.
const SETTLE = `
if redis.call('HGET', KEYS[1], 'claim') ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'lease_id', ARGV[2], 'delivered_at', ARGV[3]) end
redis.call('HSET', KEYS[1], 'claim', '')
return 1
`;

/**
 * Redis storage of approvals: one hash per approval (every change is one Lua script on that key),
 * and a sorted set of open approvals scored by expiry for the sweeper.
 */
export class ApprovalStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    /** How long a closed approval stays readable after its expiry. */
    private readonly retentionSeconds: number,
  ) {}

  private key(id: string): string {
    return this.keys.approval(id);
  }
  private openKey(): string {
    return this.keys.openApprovals();
  }

  /** Write a new approval and index it as open. */
  async create(a: Approval): Promise<void> {
    const m = this.redis.multi();
    m.hset(this.key(a.id), serialize(a));
    m.pexpireat(this.key(a.id), a.expiresAt + this.retentionSeconds * 1000);
    m.zadd(this.openKey(), a.expiresAt, a.id);
    const res = await m.exec();
    for (const [err] of res ?? []) if (err) throw err;
  }

  async get(id: string): Promise<Approval | null> {
    const h = await this.redis.hgetall(this.key(id));
    return h.id ? deserialize(h) : null;
  }

  /** Move a pending approval to `approved` or `denied` with the given fields (e.g. a new expiry). */
  async decide(id: string, to: 'approved' | 'denied', now: number, fields: Record<string, string>, keepUntil: number) {
    const r = (await this.redis.eval(DECIDE, 1, this.key(id), String(now), to, String(keepUntil), ...Object.entries(fields).flat())) as [number, string, number];
    return { changed: r[0] === 1, status: (r[1] || null) as ApprovalStatus | null, expiredNow: r[2] === 1 };
  }

  /** Expire an open approval whose time has passed. True when this call expired it. */
  async expire(id: string, now: number): Promise<boolean> {
    return (await this.redis.eval(EXPIRE, 1, this.key(id), String(now))) === 1;
  }

  /** Claim an approved approval for collection; only one caller at a time gets `claimed: true`. */
  async claim(id: string, token: string, now: number, staleMs: number): Promise<{ claimed: boolean; why: string }> {
    const r = (await this.redis.eval(CLAIM, 1, this.key(id), String(now), String(staleMs), token)) as [number, string];
    return { claimed: r[0] === 1, why: r[1] };
  }

  /** Record the minted lease for the holder of the claim. */
  async delivered(id: string, token: string, leaseId: string, now: number): Promise<boolean> {
    return (await this.redis.eval(SETTLE, 1, this.key(id), token, leaseId, String(now))) === 1;
  }

  /** Give a claim back (collection failed) so a later call may try again. */
  async release(id: string, token: string): Promise<void> {
    await this.redis.eval(SETTLE, 1, this.key(id), token, '', '');
  }

  /** Open approval ids due at or before `until` (ms). */
  async due(until: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.openKey(), '-inf', until, 'LIMIT', 0, limit);
  }

  /** Open approval ids, soonest expiry first. */
  async open(limit = 500): Promise<string[]> {
    return this.redis.zrange(this.openKey(), 0, limit - 1);
  }

  /** Move an open approval's expiry in the index, or drop it from the index when it is closed. */
  async reindex(id: string, expiresAt: number | null): Promise<void> {
    if (expiresAt === null) await this.redis.zrem(this.openKey(), id);
    else await this.redis.zadd(this.openKey(), 'XX', expiresAt, id);
  }
}

function serialize(a: Approval): Record<string, string> {
  return {
    id: a.id,
    task_id: a.taskId,
    agent_iss: a.agent.issuer,
    agent_sub: a.agent.subject,
    intent: a.intent,
    profile: a.profile,
    resources: JSON.stringify(a.resources),
    ttl_seconds: String(a.ttlSeconds),
    reason: a.reason ?? '',
    status: a.status,
    created_at: String(a.createdAt),
    expires_at: String(a.expiresAt),
    decided_at: '',
    decided_by: '',
    comment: '',
    policies: JSON.stringify(a.policies),
    reasons: JSON.stringify(a.reasons),
    lease_id: '',
    delivered_at: '',
    claim: '',
    request_id: a.requestId,
  };
}

function deserialize(h: Record<string, string>): Approval {
  return {
    id: h.id!,
    taskId: h.task_id!,
    agent: { issuer: h.agent_iss!, subject: h.agent_sub! },
    intent: h.intent ?? '',
    profile: h.profile!,
    resources: JSON.parse(h.resources || '[]') as string[],
    ttlSeconds: Number(h.ttl_seconds),
    reason: h.reason || null,
    status: h.status as ApprovalStatus,
    createdAt: Number(h.created_at),
    expiresAt: Number(h.expires_at),
    decidedAt: h.decided_at ? Number(h.decided_at) : null,
    decidedBy: h.decided_by ? (JSON.parse(h.decided_by) as Approval['decidedBy']) : null,
    comment: h.comment || null,
    policies: JSON.parse(h.policies || '[]') as string[],
    reasons: JSON.parse(h.reasons || '[]') as string[],
    leaseId: h.lease_id || null,
    deliveredAt: h.delivered_at ? Number(h.delivered_at) : null,
    requestId: h.request_id ?? '',
  };
}
