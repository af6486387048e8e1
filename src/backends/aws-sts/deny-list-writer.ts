import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../../util/clock.js';
import { iso } from '../../util/clock.js';
import { classify } from './aws-errors.js';
import { parseDenyPolicy, policySize, renderDenyPolicy } from './deny-document.js';
import { coverage, emptyState, mergeEntry, prune, union, widen, type Cutoff, type DenyState, type TaskEntry } from './deny-state.js';
import { DenyStore } from './deny-store.js';
import { roleNameOf } from './names.js';
import type { RolePolicies } from './role-policies.js';

/** How a task's session ended up denied. `cutoff`: by the role-wide TokenIssueTime fallback. */
export interface DenyResult {
  coveredBy: 'task' | 'cutoff';
  cutoff?: Cutoff | undefined;
}

/** The deny entry could not be written now, for reasons that pass: worth retrying. */
export class DenyRetryLater extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DenyRetryLater';
  }
}

/** The lock could not be had in time (another process holds it for long), or was lost before a write. */
export class DenyLockTimeout extends DenyRetryLater {
  constructor(roleArn: string) {
    super(`timed out waiting for (or lost) the deny-policy lock of ${roleArn}`);
    this.name = 'DenyLockTimeout';
  }
}

/** Dependencies and limits of a {@link DenyListWriter}. */
export interface DenyListWriterOptions {
  redis: Redis;
  keyPrefix: string;
  /** The inline-policy API for a role (by ARN: IAM clients differ per partition). */
  policies: (roleArn: string) => RolePolicies;
  policyName: string;
  /** Budget for the policy document (characters without white space). */
  maxChars: number;
  clock: Clock;
  log: Logger;
  /** Lock lifetime; longer than three IAM calls with their retries (default 60 s). */
  lockTtlMs?: number;
  /** How long to wait for the lock before failing the attempt (default 20 s). */
  lockWaitMs?: number;
}

/**
 * Adds revoked tasks to a role's deny policy without losing concurrent additions.
 *
 * Each caller queues its entry in Redis, then either finds it already written (idempotent: a task in the
 * deny list counts as revoked), or takes the role's lock and writes every queued entry at once (group
 * commit: 20 tasks ending together cost a handful of IAM writes, not 20 serialised ones). The document
 * written is the union of Tessera's Redis copy, the policy as IAM returns it, and the queue, pruned of
 * expired entries; when it would not fit, the entries become one role-wide TokenIssueTime cut-off.
 */
export class DenyListWriter {
  private readonly lockTtlMs: number;
  private readonly lockWaitMs: number;

  constructor(private readonly o: DenyListWriterOptions) {
    this.lockTtlMs = o.lockTtlMs ?? 60_000;
    this.lockWaitMs = o.lockWaitMs ?? 20_000;
  }

  /** Make sure sessions tagged with `taskId` on the role are denied until `entry.until`. */
  async deny(roleArn: string, taskId: string, entry: TaskEntry): Promise<DenyResult> {
    const store = new DenyStore(this.o.redis, this.o.keyPrefix, roleArn, this.lockTtlMs);
    const before = await store.load();
    const known = coverage(before, taskId, entry);
    if (known) return this.result(known, before);
    await store.addPending(taskId, entry);
    const deadline = Date.now() + this.lockWaitMs;
    for (let writes = 0; ; ) {
      const state = await store.load();
      const how = coverage(state, taskId, entry);
      if (how) return this.result(how, state);
      if (writes >= 3) throw new DenyRetryLater(`the deny entry for ${taskId} on ${roleArn} was not recorded after ${writes} writes`);
      const token = await store.lock.tryAcquire();
      if (token) {
        try {
          await this.write(store, roleArn, token);
        } finally {
          await store.lock.release(token).catch(() => undefined);
        }
        writes++;
        continue;
      }
      if (Date.now() > deadline) throw new DenyLockTimeout(roleArn);
      await new Promise((r) => setTimeout(r, 15 + Math.random() * 35));
    }
  }

  private result(how: 'task' | 'cutoff', state: DenyState): DenyResult {
    return how === 'cutoff' ? { coveredBy: how, cutoff: state.cutoff } : { coveredBy: how };
  }

  /** One read-modify-write of the role's policy, under the lock. */
  private async write(store: DenyStore, roleArn: string, token: string): Promise<void> {
    const { policyName, clock } = this.o;
    const policies = this.o.policies(roleArn);
    const roleName = roleNameOf(roleArn);
    const now = clock.now();
    const queued = await store.pending();
    const current = await policies.get(roleName, policyName);
    let state = union(await store.load(), current === null ? emptyState() : parseDenyPolicy(current));
    for (const q of queued) mergeEntry(state, q.taskId, q.entry);
    state = prune(state, now);

    let doc = renderDenyPolicy(state);
    let dropped = 0;
    if (doc !== null && policySize(doc) > this.o.maxChars) {
      dropped = state.tasks.size;
      state = widen(state, now);
      doc = renderDenyPolicy(state);
    }
    if (doc !== current) {
      try {
        await this.put(store, token, roleArn, roleName, doc);
      } catch (err) {
        // IAM's limit is for all inline policies of the role together: other policies may leave less room.
        if (dropped > 0 || classify(err).code !== 'LimitExceeded') throw err;
        dropped = state.tasks.size;
        state = widen(state, now);
        doc = renderDenyPolicy(state);
        await this.put(store, token, roleArn, roleName, doc);
      }
    }
    await store.save(state, now);
    await store.ackPending(queued);
    if (dropped > 0 && state.cutoff) {
      this.o.log.warn(
        { role_arn: roleArn, policy: policyName, tasks_replaced: dropped, issued_before: iso(state.cutoff.before), until: iso(state.cutoff.until) },
        'aws-sts: the per-task deny list does not fit in the role\'s inline policy limit; denying EVERY session of the role issued before the cut-off (wider than the revoked tasks)',
      );
    }
  }

  private async put(store: DenyStore, token: string, roleArn: string, roleName: string, doc: string | null): Promise<void> {
    if (!(await store.lock.extend(token))) throw new DenyLockTimeout(roleArn);
    const policies = this.o.policies(roleArn);
    if (doc === null) await policies.delete(roleName, this.o.policyName);
    else await policies.put(roleName, this.o.policyName, doc);
  }
}
