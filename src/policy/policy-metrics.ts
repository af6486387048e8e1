import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Prometheus metrics of the policy engine, registered in the process's own registry. */
export class PolicyMetrics {
  /** Reload attempts by outcome: `success`, `failure` (old set kept), `unchanged`. */
  readonly reloads: Counter<'outcome' | 'trigger'>;
  /** Seconds per Cedar evaluation, by action. */
  readonly evaluation: Histogram<'action'>;
  /** Policies in force. */
  readonly loaded: Gauge;

  constructor(registry: Registry) {
    this.reloads = new Counter({
      name: 'tessera_policy_reloads_total',
      help: 'Policy reloads by outcome (failure: the new set was refused and the old one kept)',
      labelNames: ['outcome', 'trigger'] as const,
      registers: [registry],
    });
    this.evaluation = new Histogram({
      name: 'tessera_policy_evaluation_seconds',
      help: 'Time to evaluate the Cedar policies for one request',
      labelNames: ['action'] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
      registers: [registry],
    });
    this.loaded = new Gauge({ name: 'tessera_policies_loaded', help: 'Cedar policies in force', registers: [registry] });
  }
}
