import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one Tessera process (own registry: no global state). */
export class Metrics {
  readonly registry = new Registry();
  /** Seconds from credential request to response, by backend and outcome. */
  readonly issueLatency = new Histogram({
    name: 'tessera_credential_issue_seconds',
    help: 'Time to issue a credential (policy, audit, lease write, mint)',
    labelNames: ['backend', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  /** Seconds between when a lease should be revoked and when it was. */
  readonly revocationLag = new Histogram({
    name: 'tessera_revocation_lag_seconds',
    help: 'Delay between a revocation becoming due (task end or expiry) and the lease being revoked',
    labelNames: ['backend'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  /** Failed revocation attempts. */
  readonly revocationFailures = new Counter({
    name: 'tessera_revocation_failures_total',
    help: 'Revocation attempts that failed (each will be retried)',
    labelNames: ['backend', 'permanent'] as const,
    registers: [this.registry],
  });
  /** Credentials issued. */
  readonly issued = new Counter({
    name: 'tessera_credentials_issued_total',
    help: 'Credentials issued',
    labelNames: ['backend', 'profile'] as const,
    registers: [this.registry],
  });
  /** Decisions by outcome. */
  readonly decisions = new Counter({
    name: 'tessera_decisions_total',
    help: 'Authorisation decisions',
    labelNames: ['outcome', 'code'] as const,
    registers: [this.registry],
  });
  /** Leases not yet revoked or expired; refreshed from Redis at scrape time. */
  readonly activeLeases: Gauge;

  constructor(openLeaseCount: () => Promise<number>) {
    this.activeLeases = new Gauge({
      name: 'tessera_active_leases',
      help: 'Leases not yet in a final state (pending, active, revoking, revoke_failed)',
      registers: [this.registry],
      async collect() {
        try {
          this.set(await openLeaseCount());
        } catch {
          /* Redis away: keep the last value */
        }
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'tessera_' });
  }
}
