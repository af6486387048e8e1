import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * A lease-style Redis lock (`SET key token NX PX ttl`, released and extended only by its holder through
 * a compare-and-act Lua script: https://redis.io/docs/latest/develop/use/patterns/distributed-locks/).
 * It serialises the read-modify-write of one role's deny policy across every Tessera process.
 * A holder that dies leaves the lock to expire after `ttlMs`; a holder checks `extend` before each
 * write so it does not write after losing the lock.
 */
export class RedisLock {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  /** The holder's token when the lock was free, else null. */
  async tryAcquire(): Promise<string | null> {
    const token = randomBytes(16).toString('hex');
    const ok = await this.redis.set(this.key, token, 'PX', this.ttlMs, 'NX');
    return ok === 'OK' ? token : null;
  }

  /** Push the expiry out again; false when the lock is no longer ours. */
  async extend(token: string): Promise<boolean> {
    return (await this.redis.eval(EXTEND, 1, this.key, token, String(this.ttlMs))) === 1;
  }

  /** Release if still ours (never deletes another holder's lock). */
  async release(token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, token);
  }
}
