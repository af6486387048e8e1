import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { TesseraConfig } from '../config/schema.js';
import { Errors } from '../errors/codes.js';
import type { Roles } from '../http/roles.js';
import { identityKey, sameIdentity, type Identity } from '../identity/identity.js';
import type { ApprovalGate, CheckedRequest } from '../leases/issuance.js';
import type { PolicyDecision, PolicyEngine } from '../policy/policy.js';
import type { RequestContext } from '../tasks/task-service.js';
import type { TaskStore } from '../tasks/task-store.js';
import type { Clock } from '../util/clock.js';
import { iso } from '../util/clock.js';
import { newId } from '../util/ids.js';
import { isOpen, isRequester, type Approval, type AgentRef } from './approval.js';
import type { ApprovalNotifier } from './approval-notifier.js';
import type { ApprovalStore } from './approval-store.js';
import { approvalView, notificationData } from './approval-view.js';

/** What the approval service works with. */
export interface ApprovalDeps {
  cfg: TesseraConfig;
  store: ApprovalStore;
  tasks: TaskStore;
  policy: PolicyEngine;
  audit: AuditLog;
  roles: Roles;
  notifier: ApprovalNotifier | undefined;
  /** Base URL for the links in notifications. */
  baseUrl: () => string;
  clock: Clock;
  log: Logger;
}

const same = (a: AgentRef | null | undefined, b: AgentRef) => Boolean(a && sameIdentity(a, b));

/**
 * Human approval of credential requests: opens approvals (the issuance gate), lets approvers decide
 * them, and expires them. Collecting an approved credential is `ApprovalCollector`'s job.
 */
export class ApprovalService implements ApprovalGate {
  constructor(private readonly d: ApprovalDeps) {}

  /** Open an approval for a request the policy allowed but wants a human to agree to. Returns the 202 body. */
  async request(identity: Identity, c: CheckedRequest, decision: PolicyDecision, ctx: RequestContext): Promise<Record<string, unknown>> {
    const now = this.d.clock.now();
    const a: Approval = {
      id: newId('apr'),
      taskId: c.task.id,
      agent: { issuer: identity.issuer, subject: identity.subject },
      intent: c.task.intent,
      profile: c.profile,
      resources: c.resources,
      ttlSeconds: c.ttlSeconds,
      reason: c.reason ?? null,
      status: 'pending',
      createdAt: now,
      expiresAt: Math.min(now + this.d.cfg.policy.approvals.ttl_seconds * 1000, c.task.expiresAt),
      decidedAt: null,
      decidedBy: null,
      comment: null,
      policies: decision.policies,
      reasons: decision.reasons,
      leaseId: null,
      deliveredAt: null,
      requestId: ctx.requestId,
    };
    await this.d.store.create(a);
    await this.d.audit.record({
      type: 'approval.requested',
      outcome: 'pending',
      request_id: ctx.requestId,
      agent: a.agent,
      task_id: a.taskId,
      intent: a.intent,
      profile: a.profile,
      resources: a.resources,
      reason: decision.reasons.join('; ') || undefined,
      detail: { approval_id: a.id, ttl_seconds: a.ttlSeconds, expires_at: iso(a.expiresAt), policies: a.policies, request_reason: a.reason },
    });
    this.d.notifier?.notify(`msg_${a.id}`, 'approval.pending', notificationData(a, c.task.labels, this.d.baseUrl()));
    return { approval_id: a.id, status: 'pending', task_id: a.taskId, profile: a.profile, expires_at: iso(a.expiresAt) };
  }

  /** Load an approval the caller may see: the requesting agent, approvers, admins. Settles expiry. */
  async getFor(caller: Identity, id: string): Promise<{ approval: Approval; privileged: boolean; requester: boolean }> {
    const found = await this.d.store.get(id);
    if (!found) throw Errors.approvalNotFound();
    const requester = isRequester(found, caller);
    const privileged = this.d.roles.isApprover(caller) || this.d.roles.isAdmin(caller);
    if (!requester && !privileged) throw Errors.forbidden('Only the requesting agent and approvers may see this approval');
    return { approval: await this.settle(found), privileged, requester };
  }

  /**
   * An approver approves or denies a pending request. Approvers only; never one's own request (nor one
   * made by a task one delegated); approving is also a policy decision (action `approve`).
   */
  async decide(approver: Identity, id: string, verdict: 'approve' | 'deny', comment: string | undefined, ctx: RequestContext): Promise<Record<string, unknown>> {
    if (!this.d.roles.isApprover(approver)) throw Errors.forbidden('Approvers only');
    const found = await this.d.store.get(id);
    if (!found) throw Errors.approvalNotFound();
    const task = await this.d.tasks.get(found.taskId);
    if (isRequester(found, approver) || same(task?.delegatedBy, approver) || same(task?.principal, approver)) throw Errors.selfApproval();
    const a = await this.settle(found);
    if (a.status !== 'pending') throw Errors.approvalNotPending(a.status);
    const now = this.d.clock.now();
    if (verdict === 'approve') {
      if (!task) throw Errors.taskClosed('gone');
      const decision = await this.d.policy
        .decide({ action: 'approve', identity: approver, task, profile: a.profile, resources: a.resources, ttlSeconds: a.ttlSeconds, reason: a.reason ?? undefined, context: { ip: ctx.ip, now, approval: 'pending' } })
        .catch((err: unknown): PolicyDecision => {
          this.d.log.error({ err, request_id: ctx.requestId }, 'policy evaluation failed');
          return { allow: false, reasons: ['policy evaluation error'], policies: [] };
        });
      if (!decision.allow) {
        await this.d.audit.record({ ...this.event(a, ctx, approver), type: 'decision', outcome: 'deny', reason: decision.reasons.join('; '), detail: { action: 'approve', approval_id: a.id, policies: decision.policies } });
        throw Errors.policyDenied('The policy does not allow this identity to approve this request', { policies: decision.policies });
      }
    }
    const expiresAt = verdict === 'approve' ? Math.min(now + this.d.cfg.policy.approvals.ttl_seconds * 1000, task!.expiresAt) : a.expiresAt;
    const fields = { decided_at: String(now), decided_by: JSON.stringify({ issuer: approver.issuer, subject: approver.subject }), comment: comment ?? '', expires_at: String(expiresAt) };
    const r = await this.d.store.decide(a.id, verdict === 'approve' ? 'approved' : 'denied', now, fields, expiresAt + this.retentionMs());
    if (!r.changed) {
      if (r.expiredNow) await this.expired(a, 'decided after expiry');
      throw Errors.approvalNotPending(r.status ?? 'gone');
    }
    await this.d.store.reindex(a.id, verdict === 'approve' ? expiresAt : null);
    const decided: Approval = { ...a, status: verdict === 'approve' ? 'approved' : 'denied', decidedAt: now, decidedBy: { issuer: approver.issuer, subject: approver.subject }, comment: comment ?? null, expiresAt };
    await this.d.audit.record({
      ...this.event(a, ctx, approver),
      type: verdict === 'approve' ? 'approval.approved' : 'approval.denied',
      outcome: verdict === 'approve' ? 'allow' : 'deny',
      reason: comment,
      detail: { approval_id: a.id, ttl_seconds: a.ttlSeconds, expires_at: iso(expiresAt) },
    });
    return approvalView(decided, { privileged: true });
  }

  /** Expire open approvals whose time has passed (the sweeper). Returns how many this call expired. */
  async expireDue(limit = 100): Promise<number> {
    let n = 0;
    for (const id of await this.d.store.due(this.d.clock.now(), limit)) {
      const a = await this.d.store.get(id);
      if (!a) {
        await this.d.store.reindex(id, null);
        continue;
      }
      const after = await this.settle(a);
      if (after.status === 'expired' && a.status !== 'expired') n++;
      if (!isOpen(after)) await this.d.store.reindex(id, null);
    }
    return n;
  }

  /** Open approvals (for approvers' queues), soonest expiry first. */
  async listOpen(): Promise<Approval[]> {
    const out: Approval[] = [];
    for (const id of await this.d.store.open()) {
      const a = await this.d.store.get(id);
      if (a && isOpen(a) && a.expiresAt > this.d.clock.now()) out.push(a);
    }
    return out;
  }

  /** If the approval's time has passed while open, expire it (audited once, by whoever gets there first). */
  async settle(a: Approval): Promise<Approval> {
    if (!isOpen(a) || this.d.clock.now() < a.expiresAt) return a;
    if (await this.d.store.expire(a.id, this.d.clock.now())) await this.expired(a, a.status === 'pending' ? 'not decided in time' : 'not collected in time');
    return (await this.d.store.get(a.id)) ?? { ...a, status: 'expired' };
  }

  private async expired(a: Approval, why: string): Promise<void> {
    await this.d.store.reindex(a.id, null);
    await this.d.audit.recordBestEffort({ ...this.event(a, { requestId: a.requestId }), type: 'approval.expired', outcome: 'info', actor: 'approval-expiry', reason: why, detail: { approval_id: a.id, was: a.status } });
  }

  private event(a: Approval, ctx: { requestId: string }, actor?: AgentRef) {
    return { request_id: ctx.requestId, agent: a.agent, task_id: a.taskId, intent: a.intent, profile: a.profile, resources: a.resources, actor: actor ? identityKey(actor) : undefined };
  }

  private retentionMs(): number {
    return this.d.cfg.audit.task_retention_seconds * 1000;
  }
}
