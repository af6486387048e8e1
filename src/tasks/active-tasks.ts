import { BoundedMap } from '../util/bounded-map.js';
import type { Task } from './task.js';

/** How many tasks one process remembers (about 1 KB each). */
export const ACTIVE_TASKS_REMEMBERED = 10_000;

/**
 * Tasks this process has read while they were `active`, kept for the credential path. What it relies
 * on never changes after a task is declared: owner, intent, scopes, labels, expiry, delegation. What can
 * change (the task closing, its agent being blocked) is not trusted from here: a request for a
 * remembered task has both checked again in the round trip that writes its lease, before any mint.
 * A task found closed there is forgotten, so the next request reads it afresh.
 */
export class ActiveTasks {
  private readonly known: BoundedMap<string, Task>;

  constructor(max = ACTIVE_TASKS_REMEMBERED) {
    this.known = new BoundedMap(max);
  }

  /** The remembered task, if any. */
  get(taskId: string): Task | undefined {
    return this.known.get(taskId);
  }

  /** Remember a task just read from the store, if it is active. */
  remember(task: Task): void {
    if (task.status === 'active') this.known.set(task.id, task);
  }

  forget(taskId: string): void {
    this.known.delete(taskId);
  }
}
