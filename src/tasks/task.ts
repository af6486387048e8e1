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
}

/** True when no more credentials may be issued for the task. */
export function isClosed(task: Task, now: number): boolean {
  return task.status !== 'active' || now >= task.expiresAt;
}
