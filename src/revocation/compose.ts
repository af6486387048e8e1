import type { ConnectionOptions, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { BackendRegistry } from '../backends/registry.js';
import { ConfigError } from '../config/load.js';
import type { TesseraConfig } from '../config/schema.js';
import type { LeaseStore } from '../leases/lease-store.js';
import type { Metrics } from '../ops/metrics.js';
import type { Keys } from '../store/keys.js';
import type { TaskStore } from '../tasks/task-store.js';
import type { Clock } from '../util/clock.js';
import { AlertNotifier, AlertSender } from './alerts.js';
import { alertConfigProblems } from './config.js';
import { FailedRevocations } from './failed-revocations.js';
import { LeaseExpiry } from './lease-expiry.js';
import { RevocationNotices } from './notices.js';
import { retryPolicyOf } from './retry-policy.js';
import type { RevocationQueue } from './revocation-queue.js';
import { RevocationMetrics } from './revocation-metrics.js';
import { Revoker } from './revoker.js';
import { Sweeper } from './sweeper.js';
import { TaskCloser } from './task-closer.js';
import { startRevocationWorker, type WorkerSettings } from './worker.js';

/** The pieces of one process that revocation is built from (made once by the composition root). */
export interface RevocationContext {
  cfg: TesseraConfig;
  env: NodeJS.ProcessEnv;
  redis: Redis;
  keys: Keys;
  queue: RevocationQueue;
  leases: LeaseStore;
  tasks: TaskStore;
  audit: AuditLog;
  metrics: Metrics;
  backends: BackendRegistry;
  clock: Clock;
  log: Logger;
}

/** Revocation as wired for one process: admin operations, and a way to start workers. */
export interface Revocation {
  failed: FailedRevocations;
  metrics: RevocationMetrics;
  /** The worker settings from `server.worker`, with any overrides applied. */
  settings(overrides?: Partial<WorkerSettings>): WorkerSettings;
  /** Start a worker (and make sure the sweeper's job scheduler exists). */
  startWorker(connection: ConnectionOptions, prefix: string, settings: WorkerSettings): Worker;
}

/** Wire the revocation worker, sweeper, alerts and admin operations. Throws ConfigError for a bad alert setup. */
export function createRevocation(c: RevocationContext): Revocation {
  const w = c.cfg.server.worker;
  const alertsCfg = c.cfg.webhooks.alerts;
  const problems = alertConfigProblems(alertsCfg, c.env, c.cfg.server.dev_mode);
  if (problems.length > 0) throw new ConfigError('config', problems);
  const metrics = new RevocationMetrics(c.metrics.registry, () => c.leases.failedCount());
  const log = c.log.child({ component: 'revocation' });
  const failed = new FailedRevocations(c.leases, c.queue, c.audit, c.clock);
  return {
    failed,
    metrics,
    settings: (o = {}) => ({
      concurrency: w.concurrency,
      lockDurationMs: w.lock_duration_ms,
      stalledIntervalMs: w.stalled_interval_ms,
      backoffMs: w.backoff_ms,
      backoffMaxMs: w.backoff_max_ms,
      ...o,
    }),
    startWorker(connection, prefix, settings) {
      const closer = new TaskCloser(c.tasks, c.leases, c.queue, c.audit, c.clock, log);
      const alerts = new AlertNotifier(c.queue, Boolean(alertsCfg), c.clock, log);
      const revoker = new Revoker({
        leases: c.leases,
        backends: c.backends,
        metrics: c.metrics,
        notices: new RevocationNotices(c.leases, c.audit, alerts, metrics),
        audit: c.audit,
        policy: retryPolicyOf(w),
        pendingGraceMs: w.pending_grace_seconds * 1000,
        clock: c.clock,
        log,
      });
      const sweeper = new Sweeper({
        redis: c.redis,
        keys: c.keys,
        leases: c.leases,
        tasks: c.tasks,
        queue: c.queue,
        closer,
        backends: c.backends,
        metrics,
        clock: c.clock,
        log,
        pendingGraceMs: w.pending_grace_seconds * 1000,
        intervalMs: w.sweep_interval_seconds * 1000,
        kickAfterMs: Math.max(w.sweep_interval_seconds * 1000, (w.slow_retry_seconds * 1000) / 4),
      });
      const sender = alertsCfg ? new AlertSender(alertsCfg, c.env[alertsCfg.secret_env]!, c.clock) : undefined;
      c.queue.scheduleSweeper(w.sweep_interval_seconds * 1000).catch((err: unknown) => log.error({ err }, 'could not schedule the sweeper'));
      return startRevocationWorker({
        connection,
        prefix,
        revoker,
        closer,
        sweeper,
        expiry: new LeaseExpiry(c.leases, c.queue),
        alerts: sender,
        revocationMetrics: metrics,
        leases: c.leases,
        clock: c.clock,
        log: c.log.child({ component: 'worker' }),
        settings,
      });
    },
  };
}
