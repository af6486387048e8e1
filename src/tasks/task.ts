/** Task lifecycle: `active` → `completing` → `completed`; `expired` when its TTL passes. */
export type TaskStatus = 'active' | 'completing' | 'completed' | 'expired';

/** One declared scope: a profile and, optionally, the resources it will be used on. */
export interface Scope {
  profile: string;
  resources?: string[] | undefined;
}

/** A declared task as stored. Times are milliseconds since the epoch. */
export interface Task {
  id: string;
  agent: { issuer: string; subject: string };
  intent: string;
  scopes: Scope[];
  labels: Record<string, string>;
  status: TaskStatus;
  createdAt: number;
  expiresAt: number;
  parentTaskId: string | null;
  /** 0 for a root task, parent depth + 1 for a delegated one. */
  depth: number;
  ttlClampedBy: string | null;
  outcome: string | null;
  endedAt: number | null;
  /** Leases not yet in a final state. */
  openLeases: number;
  /** Delegation: who declared this task for its owner (absent or null when the owner declared it). */
  delegatedBy?: AgentRef | null | undefined;
  /** The owner of the root task of the delegation chain (the party every actor acts for). */
  principal?: AgentRef | undefined;
  /** RFC 8693 `act` claim: the current actor (the owner), nesting the earlier actors of the chain. */
  act?: ActClaim | null | undefined;
}

/** An identity as stored on a task: issuer and subject. */
export interface AgentRef {
  issuer: string;
  subject: string;
}

/** RFC 8693 §4.1 actor claim: `sub` (and `iss`) of the actor, `act` nesting the prior actor. */
export interface ActClaim {
  iss: string;
  sub: string;
  act?: ActClaim;
}

/** True when no more credentials may be issued for the task. */
export function isClosed(task: Task, now: number): boolean {
  return task.status !== 'active' || now >= task.expiresAt;
}
