import { DelayedError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { LeaseStore } from '../leases/lease-store.js';
import type { Clock } from '../util/clock.js';
import type { AlertSender } from './alerts.js';
import { REVOCATION_QUEUE, type CloseTaskJob, type ExpireLeasesJob, type ExpireTaskJob, type RevokeLeaseJob, type SendAlertJob } from './jobs.js';
import type { LeaseExpiry } from './lease-expiry.js';
import { RetryLaterError, backoffDelay } from './retry-policy.js';
import type { RevocationMetrics } from './revocation-metrics.js';
import { NotYetError, type Revoker } from './revoker.js';
import type { Sweeper } from './sweeper.js';
import type { TaskCloser } from './task-closer.js';

/** Settings of the revocation worker. */
export interface WorkerSettings {
  concurrency: number;
  /** Lock duration and stalled-check interval: a dead worker's job is picked up within about their sum. */
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** Backoff of jobs other than lease revocations (which carry their own delay): base and cap (ms). */
  backoffMs: number;
  backoffMaxMs: number;
}

/** What the worker runs jobs with. */
export interface WorkerDeps {
  connection: ConnectionOptions;
  prefix: string;
  revoker: Revoker;
  closer: TaskCloser;
  sweeper: Sweeper;
  expiry: LeaseExpiry;
  alerts: AlertSender | undefined;
  revocationMetrics: RevocationMetrics;
  leases: LeaseStore;
  clock: Clock;
  log: Logger;
  settings: WorkerSettings;
}

/**
 * The BullMQ worker that performs teardown: revoke-lease, expire-leases, expire-task, close-task,
 * send-alert and sweep jobs. Runs in the API process by default, or alone (`npm run worker`) for scale-out. Jobs are never
 * failed for good: a failed attempt is retried after the delay the revoker chose (RetryLaterError) or,
 * for other jobs, after a capped, jittered exponential backoff.
 */
export function startRevocationWorker(deps: WorkerDeps): Worker {
  const { revoker, closer, leases, clock, log, settings } = deps;
  const worker = new Worker(
    REVOCATION_QUEUE,
    async (job: Job, token?: string) => {
      switch (job.name) {
        case 'revoke-lease': {
          const data = job.data as RevokeLeaseJob;
          try {
            const outcome = await revoker.revoke(data.taskId, data.leaseId);
            if (outcome === 'wait-expiry') {
              const lease = await leases.getInTask(data.taskId, data.leaseId);
              if (lease && token) {
                await job.moveToDelayed(lease.expiresAt, token);
                throw new DelayedError();
              }
            }
            return outcome;
          } catch (err) {
            if (err instanceof NotYetError && token) {
              await job.moveToDelayed(clock.now() + err.delayMs, token);
              throw new DelayedError();
            }
            throw err;
          }
        }
        case 'expire-leases':
          return deps.expiry.run((job.data as ExpireLeasesJob).dueBy);
        case 'expire-task':
          return closer.expire((job.data as ExpireTaskJob).taskId);
        case 'close-task':
          return closer.close(job.data as CloseTaskJob);
        case 'sweep':
          return deps.sweeper.run();
        case 'send-alert': {
          const data = job.data as SendAlertJob;
          if (!deps.alerts) return 'not-configured';
          try {
            const status = await deps.alerts.deliver(String(job.id), data);
            deps.revocationMetrics.alerts.labels(data.type, 'delivered').inc();
            return status;
          } catch (err) {
            deps.revocationMetrics.alerts.labels(data.type, 'failed_attempt').inc();
            throw err;
          }
        }
        default:
          log.error({ job: job.name }, 'unknown job');
          return 'unknown-job';
      }
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: settings.concurrency,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      maxStalledCount: 1000,
      settings: {
        backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) =>
          err instanceof RetryLaterError || err?.name === 'RetryLaterError'
            ? (err as RetryLaterError).delayMs
            : backoffDelay(attemptsMade, settings.backoffMs, settings.backoffMaxMs),
      },
    },
  );
  worker.on('failed', (job, err) => {
    const retrying = err instanceof RetryLaterError;
    log[retrying ? 'debug' : 'warn']({ job_id: job?.id, job: job?.name, attempts: job?.attemptsMade, err: err.message }, 'teardown job attempt failed; retrying');
  });
  worker.on('error', (err) => log.error({ err: err.message }, 'revocation worker error'));
  return worker;
}
