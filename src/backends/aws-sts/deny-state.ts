/**
 * The deny list of one role, as data: which tasks' sessions are cut off until when, and an optional
 * role-wide cut-off of every session issued before a time. Pure functions; no I/O.
 *
 * Why entries can be pruned: an STS session cannot outlive its `Expiration`, so once the last session
 * issued for a task has expired (plus a grace for clock skew), denying its tag protects nothing
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html).
 */

/** One revoked task: deny its sessions until `until`; `issued` = latest known session issue time (0 = unknown). Epoch ms. */
export interface TaskEntry {
  until: number;
  issued: number;
}

/**
 * Role-wide cut-off (`DateLessThan aws:TokenIssueTime`): every session issued before `before` is denied
 * until `until`. Wider than needed (it also stops other tasks' sessions), used only when the per-task
 * list would not fit in IAM's inline-policy size limit.
 */
export interface Cutoff {
  before: number;
  until: number;
}

/** A role's deny list: per-task entries, the optional role-wide cut-off, and statements Tessera did not write. */
export interface DenyState {
  tasks: Map<string, TaskEntry>;
  cutoff?: Cutoff | undefined;
  /** Statements in Tessera's policy that Tessera did not write; kept as they are. */
  foreign: unknown[];
}

/** Entries' `until` is rounded up to this, so tasks ending close together share one statement. */
export const BUCKET_MS = 300_000;

/** A deny list with nothing in it. */
export function emptyState(): DenyState {
  return { tasks: new Map(), foreign: [] };
}

/** Round `ms` up to a multiple of `step`. */
export function ceilTo(ms: number, step: number): number {
  return Math.ceil(ms / step) * step;
}

/** Add or extend one task's entry (the later `until` and `issued` win). Mutates `state`. */
export function mergeEntry(state: DenyState, taskId: string, e: TaskEntry): void {
  const cur = state.tasks.get(taskId);
  state.tasks.set(taskId, cur ? { until: Math.max(cur.until, e.until), issued: Math.max(cur.issued, e.issued) } : { ...e });
}

/** Everything either state denies (a combined cut-off is the wider of the two). */
export function union(a: DenyState, b: DenyState): DenyState {
  const out: DenyState = { tasks: new Map(a.tasks), cutoff: a.cutoff, foreign: [...a.foreign] };
  for (const [id, e] of b.tasks) mergeEntry(out, id, e);
  if (b.cutoff) out.cutoff = out.cutoff ? { before: Math.max(out.cutoff.before, b.cutoff.before), until: Math.max(out.cutoff.until, b.cutoff.until) } : b.cutoff;
  const seen = new Set(out.foreign.map((s) => JSON.stringify(s)));
  for (const s of b.foreign) if (!seen.has(JSON.stringify(s))) out.foreign.push(s);
  return out;
}

/** Drop entries (and the cut-off) whose sessions have all expired by `now`. */
export function prune(state: DenyState, now: number): DenyState {
  const tasks = new Map([...state.tasks].filter(([, e]) => e.until > now));
  const cutoff = state.cutoff && state.cutoff.until > now ? state.cutoff : undefined;
  return { tasks, cutoff, foreign: state.foreign };
}

/** How a task's session is denied by `state`, if it is. */
export function coverage(state: DenyState, taskId: string, e: TaskEntry): 'task' | 'cutoff' | undefined {
  const t = state.tasks.get(taskId);
  if (t && t.until >= e.until) return 'task';
  // STS reports Expiration in whole seconds, so `issued` may be up to 1 s early: demand a full second of margin.
  if (state.cutoff && e.issued > 0 && state.cutoff.before >= e.issued + 1000 && state.cutoff.until >= e.until) return 'cutoff';
  return undefined;
}

/**
 * Replace the per-task entries by one role-wide cut-off covering them: `before` is at least a second
 * past `now` and past every known session issue time (rounded up to a whole second), `until` the latest
 * entry's. Sessions of the dropped tasks issued later than `before` do not exist: every session has its
 * own lease, and its revocation adds it again.
 */
export function widen(state: DenyState, now: number): DenyState {
  let before = Math.max(now + 1000, state.cutoff?.before ?? 0);
  let until = state.cutoff?.until ?? 0;
  for (const e of state.tasks.values()) {
    before = Math.max(before, e.issued + 1000);
    until = Math.max(until, e.until);
  }
  return { tasks: new Map(), cutoff: { before: ceilTo(before, 1000), until }, foreign: state.foreign };
}

/** The latest `until` in the state (0 when empty). */
export function latestUntil(state: DenyState): number {
  let max = state.cutoff?.until ?? 0;
  for (const e of state.tasks.values()) max = Math.max(max, e.until);
  return max;
}
