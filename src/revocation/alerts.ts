import type { Logger } from 'pino';
import type { Lease } from '../leases/lease.js';
import { iso } from '../util/clock.js';
import type { Clock } from '../util/clock.js';
import { signWebhook } from '../webhooks/standard-webhooks.js';
import type { AlertWebhookConfig } from './config.js';
import { alertJobId, type AlertType, type SendAlertJob } from './jobs.js';
import type { RevocationQueue } from './revocation-queue.js';

/**
 * Raises alerts about revocations that need a human: a lease entering `revoke_failed`, and a lease
 * whose revocation was never confirmed before its credential expired. Each alert is queued as a job
 * (retried until delivered) and sent as a Standard Webhooks message `{ type, timestamp, data }`.
 * Without `webhooks.alerts` configured, alerts are only logged (audit and metrics carry them too).
 */
export class AlertNotifier {
  constructor(
    private readonly queue: RevocationQueue,
    private readonly configured: boolean,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async raise(type: AlertType, lease: Lease, extra: Record<string, unknown> = {}): Promise<void> {
    const data = {
      lease_id: lease.id,
      task_id: lease.taskId,
      profile: lease.profile,
      backend: lease.backend,
      agent: lease.agent,
      revocation: lease.revocation,
      expires_at: iso(lease.expiresAt),
      ...extra,
    };
    this.log.error({ alert: type, ...data }, `revocation alert: ${type}`);
    if (!this.configured) return;
    const body = JSON.stringify({ type, timestamp: iso(this.clock.now()), data });
    try {
      await this.queue.sendAlert(type, alertJobId(type, lease.id), body);
    } catch (err) {
      this.log.error({ err, alert: type, lease_id: lease.id }, 'could not queue alert webhook');
    }
  }
}

/** Delivers queued alerts to `webhooks.alerts.url`, signed with the secret from `secret_env`. */
export class AlertSender {
  constructor(
    private readonly cfg: AlertWebhookConfig,
    private readonly secret: string,
    private readonly clock: Clock,
  ) {}

  /** POST one alert. Throws on a non-2xx answer or a network error (the job retries with backoff). */
  async deliver(messageId: string, job: SendAlertJob): Promise<number> {
    const ts = Math.floor(this.clock.now() / 1000);
    const res = await fetch(this.cfg.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': messageId,
        'webhook-timestamp': String(ts),
        'webhook-signature': signWebhook(this.secret, messageId, ts, job.body),
        'user-agent': 'tessera-alerts',
      },
      body: job.body,
      signal: AbortSignal.timeout(this.cfg.timeout_ms),
      redirect: 'manual',
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status < 200 || res.status >= 300) throw new Error(`alert webhook answered ${res.status}`);
    return res.status;
  }
}
