/** Name of the BullMQ queue that carries every teardown job. */
export const REVOCATION_QUEUE = 'revocation';

/** Revoke one lease (jobId = lease id; delayed until the lease's revocation time). */
export interface RevokeLeaseJob {
  leaseId: string;
  taskId: string;
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

export type JobName = 'revoke-lease' | 'expire-task' | 'close-task';

export const expireJobId = (taskId: string): string => `exp_${taskId}`;
export const closeJobId = (taskId: string): string => `close_${taskId}`;
