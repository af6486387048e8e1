import type { Identity } from '../identity/identity.js';
import type { Task } from '../tasks/task.js';

/** The actions a policy decides. */
export type PolicyAction = 'declare_task' | 'request_credential' | 'complete_task' | 'approve';

/** Everything a per-request decision may look at. */
export interface PolicyRequest {
  action: PolicyAction;
  identity: Identity;
  /** The task (for declare_task: the task as it would be created). */
  task: Task;
  /** For request_credential. */
  profile?: string | undefined;
  resources?: string[] | undefined;
  ttlSeconds?: number | undefined;
  /** The agent's stated reason for a credential request. */
  reason?: string | undefined;
  /**
   * Caller's address, request time (ms), approval state: `approved` true when an approved request is
   * being collected; `approval` says it in full (`none`, `pending` while an approver decides, `approved`).
   */
  context: { ip?: string | undefined; now: number; approved?: boolean | undefined; approval?: ApprovalState | undefined };
}

/** Where a credential request stands with human approval. */
export type ApprovalState = 'none' | 'pending' | 'approved';

/** Outcome of a decision; `policies` names what decided it, for audit and explain. */
export interface PolicyDecision {
  allow: boolean;
  /** The request may proceed only once a human approver says so. */
  requireApproval?: boolean | undefined;
  reasons: string[];
  policies: string[];
}

/** A per-request policy. Must fail closed: an evaluation error is a deny (or a thrown policy_unavailable). */
export interface PolicyEngine {
  decide(req: PolicyRequest): Promise<PolicyDecision>;
}
