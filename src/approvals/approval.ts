import { sameIdentity } from '../identity/identity.js';

/** An identity as an approval records it. */
export interface AgentRef {
  issuer: string;
  subject: string;
}

/**
 * Approval lifecycle: `pending` → `approved` (the agent then collects the credential once) or `denied`;
 * `expired` when nobody decided in time, or the agent did not collect an approved credential in time.
 */
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

/** A credential request waiting for (or decided by) a human approver. Never holds a credential. */
export interface Approval {
  id: string;
  taskId: string;
  /** The agent that asked (the task's owner). */
  agent: AgentRef;
  intent: string;
  profile: string;
  resources: string[];
  /** The TTL asked for, already clamped at request time; collection clamps it again to the time left. */
  ttlSeconds: number;
  reason: string | null;
  status: ApprovalStatus;
  createdAt: number;
  /** Pending: decide before this. Approved: collect before this. Never after the task's expiry (ms). */
  expiresAt: number;
  decidedAt: number | null;
  decidedBy: AgentRef | null;
  comment: string | null;
  /** Policies that asked for the approval, and their reasons. */
  policies: string[];
  reasons: string[];
  /** The lease minted when the agent collected the approved credential. */
  leaseId: string | null;
  deliveredAt: number | null;
  requestId: string;
}

/** True when the approval can still change: pending, or approved and not yet collected. */
export function isOpen(a: Approval): boolean {
  return a.status === 'pending' || (a.status === 'approved' && a.leaseId === null);
}

/** True when the identity is the agent that asked. */
export function isRequester(a: Approval, id: AgentRef): boolean {
  return sameIdentity(a.agent, id);
}
