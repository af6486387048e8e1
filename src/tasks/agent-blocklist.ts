import type { Redis } from 'ioredis';
import { Errors } from '../errors/codes.js';
import type { Keys } from '../store/keys.js';

/** The kill switch's memory: identities refused new tasks and credentials until unblocked. */
export class AgentBlocklist {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async block(id: { issuer: string; subject: string }, by: string): Promise<void> {
    await this.redis.set(this.keys.agentBlocked(id.issuer, id.subject), JSON.stringify({ by, at: Date.now() }));
  }

  async unblock(id: { issuer: string; subject: string }): Promise<boolean> {
    return (await this.redis.del(this.keys.agentBlocked(id.issuer, id.subject))) === 1;
  }

  async isBlocked(id: { issuer: string; subject: string }): Promise<boolean> {
    return (await this.redis.exists(this.keys.agentBlocked(id.issuer, id.subject))) === 1;
  }

  /** Throws agent_blocked (403) for a blocked identity. */
  async assertNotBlocked(id: { issuer: string; subject: string }): Promise<void> {
    if (await this.isBlocked(id)) throw Errors.agentBlocked();
  }
}
