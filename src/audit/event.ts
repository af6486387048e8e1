/** Kinds of audit events. */
export type AuditEventType =
  | 'task.declared'
  | 'task.denied'
  | 'task.completing'
  | 'task.completed'
  | 'task.expired'
  | 'decision'
  | 'credential.minted'
  | 'credential.mint_failed'
  | 'lease.revoke_requested'
  | 'lease.revoked'
  | 'lease.expired'
  | 'lease.revoke_failed'
  | 'revocation.warning'
  | 'webhook.received'
  | 'approval.requested'
  | 'approval.approved'
  | 'approval.denied'
  | 'approval.expired'
  | 'agent.blocked'
  | 'agent.unblocked'
  | 'policy.reloaded'
  | 'policy.reload_failed';

/**
 * One audit record. Carries who, what task and intent, which profile and lease, and the outcome.
 * Never a credential value: `credential_sha256` is the only trace of a secret.
 */
export interface AuditEvent {
  type: AuditEventType;
  outcome: 'allow' | 'deny' | 'success' | 'failure' | 'pending' | 'info';
  request_id?: string | undefined;
  agent?: { issuer: string; subject: string } | undefined;
  /** Who acted, when not the agent itself (admin, webhook, worker, expiry). */
  actor?: string | undefined;
  task_id?: string | undefined;
  intent?: string | undefined;
  profile?: string | undefined;
  lease_id?: string | undefined;
  resources?: string[] | undefined;
  reason?: string | undefined;
  credential_sha256?: string | undefined;
  /** Extra structured detail (policies that decided, ttl, error code, ...). */
  detail?: Record<string, unknown> | undefined;
}

/** An audit event as stored and returned: with its time and stream id. */
export interface StoredAuditEvent extends AuditEvent {
  id: string;
  time: string;
}
