/** Name of the BullMQ queue that carries every teardown job. */
export const REVOCATION_QUEUE = 'revocation';

/** Revoke one lease (jobId = lease id; delayed until the lease's revocation time). */
export interface RevokeLeaseJob {
  leaseId: string;
  taskId: string;
}
/**
 * Queue the revocation of every lease due in one expiry bucket, `(dueBy - LEASE_EXPIRY_BUCKET_MS, dueBy]`
 * (jobId = `exp_leases_<dueBy>`, delayed until `dueBy`). Leases due soon get a job of their own instead.
 */
export interface ExpireLeasesJob {
  dueBy: number;
}
/** Expire a task at its TTL (jobId = `exp_<task id>`). */
export interface ExpireTaskJob {
  taskId: string;
}
/** Revoke every lease of a closed task and close its descendants (jobId = `close_<task id>`). */
export interface CloseTaskJob {
  taskId: string;
  reason: 'completed' | 'expired' | 'parent_closed' | 'agent_revoked';
}
/** Deliver one alert webhook (jobId = its Standard Webhooks message id). */
export interface SendAlertJob {
  /** The event type, e.g. `lease.revoke_failed`. */
  type: AlertType;
  /** The JSON body to send, fixed when the alert was raised (retries send the same bytes). */
  body: string;
}

/** Alerts Tessera raises about revocation. */
export type AlertType = 'lease.revoke_failed' | 'lease.revocation_unconfirmed';

/** Number of attempts that means "never give up" for BullMQ (the retry delay is capped). */
export const RETRY_FOREVER = 1_000_000;
/** The custom backoff type every teardown job uses (see `backoffStrategy` in worker.ts). */
export const TESSERA_BACKOFF = 'tessera';
/** Id of the BullMQ job scheduler that runs the sweeper. */
export const SWEEPER_SCHEDULER_ID = 'tessera-sweeper';

/** Width of a lease expiry bucket: a bucketed lease is revoked at most this long after its time. */
export const LEASE_EXPIRY_BUCKET_MS = 500;
/** A lease due sooner than this after it is scheduled gets a delayed job of its own, at its exact time. */
export const OWN_LEASE_JOB_WITHIN_MS = 2000;

export const expireJobId = (taskId: string): string => `exp_${taskId}`;
export const expiryBucketJobId = (dueBy: number): string => `exp_leases_${dueBy}`;
export const closeJobId = (taskId: string): string => `close_${taskId}`;
export const alertJobId = (type: AlertType, leaseId: string): string => `msg_${type.replace(/\W/g, '_')}_${leaseId}`;
