import type { Lease } from './lease.js';

/** The fields every audit event about one lease carries: whose, which task, profile and lease. */
export function leaseAuditFields(l: Pick<Lease, 'agent' | 'taskId' | 'profile' | 'id'>): {
  agent: Lease['agent'];
  task_id: string;
  profile: string;
  lease_id: string;
} {
  return { agent: l.agent, task_id: l.taskId, profile: l.profile, lease_id: l.id };
}
