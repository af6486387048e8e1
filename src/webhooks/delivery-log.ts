import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';

const PROCESSING = '__processing__';

/**
 * Remembers webhook deliveries by `webhook-id` so a repeated delivery returns the first result
 * and does no new work. Entries live a little longer than the timestamp tolerance window, after
 * which a replay is refused by the timestamp check anyway.
 */
export class DeliveryLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly ttlSeconds: number,
  ) {}

  /**
   * Claim a delivery id. Returns `null` when this call is the first (do the work, then `finish`),
   * or the first delivery's stored result. A concurrent duplicate waits briefly for it.
   */
  async claim(webhookId: string): Promise<{ status: number; body: unknown } | null> {
    const key = this.keys.webhookDelivery(webhookId);
    const first = await this.redis.set(key, PROCESSING, 'EX', this.ttlSeconds, 'NX');
    if (first === 'OK') return null;
    for (let i = 0; i < 100; i++) {
      const v = await this.redis.get(key);
      if (v && v !== PROCESSING) return JSON.parse(v) as { status: number; body: unknown };
      if (v === null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return { status: 202, body: { status: 'processing' } };
  }

  /** Store the first delivery's result for duplicates. */
  async finish(webhookId: string, result: { status: number; body: unknown }): Promise<void> {
    await this.redis.set(this.keys.webhookDelivery(webhookId), JSON.stringify(result), 'EX', this.ttlSeconds);
  }

  /** Forget a claim whose work failed unexpectedly, so the sender's retry is processed. */
  async release(webhookId: string): Promise<void> {
    await this.redis.del(this.keys.webhookDelivery(webhookId));
  }
}
