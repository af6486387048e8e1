import type { AuditLog } from '../audit/audit-log.js';
import type { TesseraConfig } from '../config/schema.js';
import { Errors } from '../errors/codes.js';
import { identityKey, sameIdentity, type Identity } from '../identity/identity.js';
import type { PolicyEngine } from '../policy/policy.js';
import type { RevocationQueue } from '../revocation/revocation-queue.js';
import type { Clock } from '../util/clock.js';
import { newId } from '../util/ids.js';
import type { AgentBlocklist } from './agent-blocklist.js';
import { assertScopesWithin, delegationOf, mayManage, type DelegationRecord } from './delegation.js';
import { isClosed, type AgentRef, type Scope, type Task } from './task.js';
import type { TaskStore } from './task-store.js';
import { clampTtl } from './ttl.js';

/** What an agent sends to declare a task (already schema-validated). */
export interface DeclareTaskInput {
  intent: string;
  scopes: Scope[];
  ttl_seconds?: number | undefined;
  parent_task_id?: string | undefined;
  /** With `parent_task_id`: the agent the sub-task is handed to (it becomes the sub-task's owner). */
  delegate_to?: AgentRef | undefined;
  labels?: Record<string, string> | undefined;
}

/** Per-request context: request id and caller address, for audit and policy. */
export interface RequestContext {
  requestId: string;
  ip?: string | undefined;
  /** Filled in by issuance: how long the backend's mint took (for the `Server-Timing` header). */
  timing?: { backendMs?: number } | undefined;
}

/** Declares, reads and completes tasks. */
export class TaskService {
  constructor(
    private readonly cfg: TesseraConfig,
    private readonly store: TaskStore,
    private readonly policy: PolicyEngine,
    private readonly audit: AuditLog,
    private readonly queue: RevocationQueue,
    private readonly blocklist: AgentBlocklist,
    private readonly clock: Clock,
  ) {}

  /**
   * Declare a task for `identity`, or, with `parent_task_id` + `delegate_to`, a sub-task handed to
   * another agent. Throws profile_unknown, policy_denied, task_closed (bad parent), agent_blocked, ...
   */
  async declare(identity: Identity, input: DeclareTaskInput, ctx: RequestContext): Promise<Task> {
    await this.blocklist.assertNotBlocked(identity);
    for (const s of input.scopes) if (!this.cfg.profiles[s.profile]) throw Errors.profileUnknown(s.profile);
    const caller = { issuer: identity.issuer, subject: identity.subject };
    const owner = input.delegate_to ? { issuer: input.delegate_to.issuer, subject: input.delegate_to.subject } : caller;
    if (input.delegate_to) await this.checkDelegate(input, owner);
    const now = this.clock.now();
    const limits = [{ by: 'tasks.max_ttl_seconds', seconds: this.cfg.tasks.max_ttl_seconds }];
    let depth = 0;
    let delegation: DelegationRecord = { principal: owner, act: null, delegatedBy: null };
    if (input.parent_task_id) {
      const parent = await this.parentFor(identity, input.parent_task_id, input.scopes, now);
      limits.push({ by: 'parent_task', seconds: Math.floor((parent.expiresAt - now) / 1000) });
      depth = parent.depth + 1;
      delegation = delegationOf(parent, owner, caller);
    }
    const { ttlSeconds, clampedBy } = clampTtl(input.ttl_seconds ?? this.cfg.tasks.default_ttl_seconds, limits);
    const task: Task = {
      id: newId('tsk'),
      agent: owner,
      intent: input.intent,
      scopes: input.scopes.map((s) => (s.resources ? { profile: s.profile, resources: [...new Set(s.resources)] } : { profile: s.profile })),
      labels: input.labels ?? {},
      status: 'active',
      createdAt: now,
      expiresAt: now + ttlSeconds * 1000,
      parentTaskId: input.parent_task_id ?? null,
      depth,
      ttlClampedBy: clampedBy,
      outcome: null,
      endedAt: null,
      openLeases: 0,
      ...delegation,
    };
    const decision = await this.policy.decide({ action: 'declare_task', identity, task, context: { ip: ctx.ip, now } });
    if (!decision.allow) {
      await this.audit.record({
        type: 'task.denied',
        outcome: 'deny',
        request_id: ctx.requestId,
        agent: task.agent,
        intent: task.intent,
        reason: decision.reasons.join('; '),
        detail: { policies: decision.policies, scopes: task.scopes },
      });
      throw Errors.policyDenied('The policy does not allow this task', { policies: decision.policies });
    }
    await this.audit.record({
      type: 'task.declared',
      outcome: 'allow',
      request_id: ctx.requestId,
      agent: task.agent,
      task_id: task.id,
      intent: task.intent,
      actor: delegation.delegatedBy ? identityKey(caller) : undefined,
      detail: {
        scopes: task.scopes,
        ttl_seconds: ttlSeconds,
        ttl_clamped_by: clampedBy,
        parent_task_id: task.parentTaskId,
        labels: task.labels,
        policies: decision.policies,
        ...(task.parentTaskId ? { depth, principal: delegation.principal, act: delegation.act, delegated_by: delegation.delegatedBy } : {}),
      },
    });
    if (!(await this.store.create(task, this.cfg.audit.task_retention_seconds))) {
      await this.audit.recordBestEffort({ type: 'task.denied', outcome: 'deny', request_id: ctx.requestId, agent: task.agent, task_id: task.id, reason: 'parent task closed during declaration' });
      throw Errors.taskClosed('closed');
    }
    await this.queue.scheduleTaskExpiry(task);
    return task;
  }

  /** A delegate must come from a trusted issuer and must not be blocked. */
  private async checkDelegate(input: DeclareTaskInput, owner: AgentRef): Promise<void> {
    if (!input.parent_task_id) throw Errors.badRequest('delegate_to: requires parent_task_id (only a sub-task can be handed to another agent)');
    if (!this.cfg.issuers.some((i) => i.issuer === owner.issuer)) throw Errors.badRequest('delegate_to.issuer: not a trusted issuer');
    await this.blocklist.assertNotBlocked(owner);
  }

  /** A task the caller may read and complete: its owner, its delegator or principal, or an admin. */
  async getFor(identity: Identity, taskId: string, isAdmin: boolean): Promise<Task> {
    const task = await this.get(taskId);
    if (!isAdmin && !mayManage(task, identity)) throw Errors.taskNotOwner();
    return task;
  }

  /** A task by id, for callers authenticated otherwise (the signed task-complete webhook). */
  async get(taskId: string): Promise<Task> {
    const task = await this.store.get(taskId);
    if (!task) throw Errors.taskNotFound();
    return task;
  }

  /**
   * Close a task and revoke everything it (and its descendants) holds. Repeating it is harmless:
   * it answers the task's current status and does no new work.
   */
  async complete(task: Task, outcome: string, actor: { requestId: string; by: string }): Promise<Task['status']> {
    const now = this.clock.now();
    const res = await this.store.close(task.id, 'completing', now, outcome);
    if (!res.changed) {
      // Already closing: make sure its teardown is queued (the process that closed it may have died
      // before queueing it). Idempotent: leases already final are skipped.
      if (res.status === 'completing' || res.status === 'expired') await this.queue.closeTask(task.id, res.status === 'expired' ? 'expired' : 'completed');
      return res.status ?? task.status;
    }
    await this.audit.recordBestEffort({
      type: 'task.completing',
      outcome: 'info',
      request_id: actor.requestId,
      actor: actor.by,
      agent: task.agent,
      task_id: task.id,
      intent: task.intent,
      detail: { outcome },
    });
    if (res.status === 'completed') {
      await this.audit.recordBestEffort({ type: 'task.completed', outcome: 'success', request_id: actor.requestId, agent: task.agent, task_id: task.id });
    }
    await this.queue.closeTask(task.id, 'completed');
    return 'completing';
  }

  private async parentFor(identity: Identity, parentId: string, scopes: Scope[], now: number): Promise<Task> {
    const parent = await this.store.get(parentId);
    if (!parent) throw Errors.taskNotFound();
    if (!ownedBy(parent, identity)) throw Errors.taskNotOwner();
    if (isClosed(parent, now)) throw Errors.taskClosed(parent.status);
    if (parent.depth + 1 > this.cfg.tasks.max_delegation_depth) {
      throw Errors.policyDenied(`Delegation deeper than tasks.max_delegation_depth (${this.cfg.tasks.max_delegation_depth})`);
    }
    assertScopesWithin(parent.scopes, scopes);
    return parent;
  }
}

/** True when the task was declared by this identity. */
export function ownedBy(task: Task, id: { issuer: string; subject: string }): boolean {
  return sameIdentity(task.agent, id);
}
