import { Counter, Gauge, type Registry } from 'prom-client';

/** Prometheus metrics of revocation retries, failures and the sweeper (on the process's registry). */
export class RevocationMetrics {
  /** Leases that entered `revoke_failed` (each also raises an alert). */
  readonly failed: Counter<'backend' | 'permanent'>;
  /** Leases whose revocation was never confirmed before their credential expired. */
  readonly unconfirmed: Counter<'backend'>;
  /** Repairs made by the sweeper, by kind. */
  readonly sweeperRepairs: Counter<'kind'>;
  /** Alert webhooks delivered or failed. */
  readonly alerts: Counter<'type' | 'outcome'>;
  /** Leases on the failed-revocation list; refreshed at scrape time. */
  readonly failedNow: Gauge;

  constructor(registry: Registry, failedCount: () => Promise<number>) {
    this.failed = new Counter({
      name: 'tessera_revocations_failed_total',
      help: 'Leases that entered revoke_failed after their quick retries (or a permanent error)',
      labelNames: ['backend', 'permanent'] as const,
      registers: [registry],
    });
    this.unconfirmed = new Counter({
      name: 'tessera_revocations_unconfirmed_total',
      help: 'Leases whose revocation was never confirmed before the credential expired (plus grace)',
      labelNames: ['backend'] as const,
      registers: [registry],
    });
    this.sweeperRepairs = new Counter({
      name: 'tessera_sweeper_repairs_total',
      help: 'Leases and tasks the sweeper re-queued or fixed, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    });
    this.alerts = new Counter({
      name: 'tessera_alerts_total',
      help: 'Alert webhook deliveries by outcome',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    });
    this.failedNow = new Gauge({
      name: 'tessera_revocations_failing',
      help: 'Leases on the failed-revocation list (retrying, or unconfirmed and awaiting an admin)',
      registers: [registry],
      async collect() {
        try {
          this.set(await failedCount());
        } catch {
          /* Redis away: keep the last value */
        }
      },
    });
  }
}
