import { iso, isoOrNull } from '../util/clock.js';
import type { Approval } from './approval.js';

/**
 * The API representation of an approval. Approvers (and admins) also see the policy reasons that asked
 * for it; the requesting agent sees which policies did. Never a credential.
 */
export function approvalView(a: Approval, opts: { privileged?: boolean } = {}): Record<string, unknown> {
  return {
    approval_id: a.id,
    status: a.status,
    task_id: a.taskId,
    agent: a.agent,
    intent: a.intent,
    profile: a.profile,
    resources: a.resources,
    ttl_seconds: a.ttlSeconds,
    reason: a.reason,
    requested_at: iso(a.createdAt),
    expires_at: iso(a.expiresAt),
    decided_at: isoOrNull(a.decidedAt),
    decided_by: a.decidedBy,
    comment: a.comment,
    policies: a.policies,
    ...(opts.privileged ? { policy_reasons: a.reasons } : {}),
    lease_id: a.leaseId,
    credential_delivered: a.leaseId !== null,
  };
}

/** The notification payload (`data` of the `approval.pending` webhook): enough to decide, with links. */
export function notificationData(a: Approval, labels: Record<string, string>, baseUrl: string): Record<string, unknown> {
  const self = `${baseUrl}/v1/approvals/${a.id}`;
  return {
    ...approvalView(a, { privileged: true }),
    labels,
    links: { self, approve: `${self}/approve`, deny: `${self}/deny` },
  };
}
