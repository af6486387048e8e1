import type { Logger } from 'pino';
import type { PolicyConfig } from '../policy/config.js';
import { iso, type Clock } from '../util/clock.js';
import { signWebhook } from '../webhooks/standard-webhooks.js';

/** Settings of the approval notification (`policy.approvals.notify`). */
export type NotifyConfig = NonNullable<PolicyConfig['approvals']['notify']>;

/**
 * Tells an external system (chat bot, ticketing tool) that an approval is waiting: a JSON POST signed as
 * Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`). Fire and forget: a few
 * attempts with backoff, each failure logged, never blocking or failing the request that caused it.
 * The `webhook-id` stays the same across retries so the receiver can drop duplicates.
 */
export class ApprovalNotifier {
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly cfg: NotifyConfig,
    /** WARNING: the signing secret; never logged. */
    private readonly secret: string,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly backoffMs = 250,
  ) {}

  /** Start delivering `data` as event `type` with this message id; returns at once. */
  notify(messageId: string, type: string, data: Record<string, unknown>): void {
    const p = this.deliver(messageId, type, data).finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  /** Wait for deliveries under way (graceful shutdown, tests). */
  async drain(): Promise<void> {
    await Promise.all([...this.inflight]);
  }

  private async deliver(id: string, type: string, data: Record<string, unknown>): Promise<void> {
    const body = JSON.stringify({ type, timestamp: iso(this.clock.now()), data });
    for (let attempt = 1; attempt <= this.cfg.attempts; attempt++) {
      const ts = Math.floor(this.clock.now() / 1000);
      try {
        const res = await fetch(this.cfg.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'tessera-approvals',
            'webhook-id': id,
            'webhook-timestamp': String(ts),
            'webhook-signature': signWebhook(this.secret, id, ts, body),
          },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(this.cfg.timeout_ms),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          this.log.info({ webhook_id: id, type, attempt }, 'approval notification delivered');
          return;
        }
        this.log.warn({ webhook_id: id, type, attempt, status: res.status }, 'approval notification refused');
      } catch (err) {
        this.log.warn({ webhook_id: id, type, attempt, err: (err as Error).message }, 'approval notification failed');
      }
      if (attempt < this.cfg.attempts) await new Promise((r) => setTimeout(r, this.backoffMs * 2 ** (attempt - 1)).unref());
    }
    this.log.error({ webhook_id: id, type, attempts: this.cfg.attempts }, 'approval notification gave up; approvers must look at GET /v1/approvals');
  }
}
