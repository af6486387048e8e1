import { DelayedError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Clock } from '../util/clock.js';
import { REVOCATION_QUEUE, type CloseTaskJob, type ExpireTaskJob, type RevokeLeaseJob } from './jobs.js';
import { NotYetError, type Revoker } from './revoker.js';
import type { TaskCloser } from './task-closer.js';
import type { LeaseStore } from '../leases/lease-store.js';

/** Settings of the revocation worker. */
export interface WorkerSettings {
  concurrency: number;
  /** Lock duration and stalled-check interval: a dead worker's job is picked up within about this. */
  lockDurationMs: number;
  stalledIntervalMs: number;
}

/**
 * The BullMQ worker that performs teardown: revoke-lease, expire-task and close-task jobs.
 * Runs in the API process by default, or alone (`npm run worker`) for scale-out.
 */
export function startRevocationWorker(deps: {
  connection: ConnectionOptions;
  prefix: string;
  revoker: Revoker;
  closer: TaskCloser;
  leases: LeaseStore;
  clock: Clock;
  log: Logger;
  settings: WorkerSettings;
}): Worker {
  const { revoker, closer, leases, clock, log } = deps;
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
              await job.moveToDelayed(clock.now() + 1000, token);
              throw new DelayedError();
            }
            throw err;
          }
        }
        case 'expire-task':
          return closer.expire((job.data as ExpireTaskJob).taskId);
        case 'close-task':
          return closer.close(job.data as CloseTaskJob);
        default:
          log.error({ job: job.name }, 'unknown job');
          return 'unknown-job';
      }
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: deps.settings.concurrency,
      lockDuration: deps.settings.lockDurationMs,
      stalledInterval: deps.settings.stalledIntervalMs,
      maxStalledCount: 1000,
    },
  );
  worker.on('failed', (job, err) => {
    log.warn({ job_id: job?.id, job: job?.name, attempts: job?.attemptsMade, err: err.message }, 'revocation job failed');
  });
  worker.on('error', (err) => log.error({ err: err.message }, 'revocation worker error'));
  return worker;
}
