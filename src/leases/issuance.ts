import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { BackendRegistry } from '../backends/registry.js';
import type { MintResult } from '../backends/backend.js';
import type { TesseraConfig } from '../config/schema.js';
import { Errors } from '../errors/codes.js';
import { TesseraError } from '../errors/tessera-error.js';
import type { Identity } from '../identity/identity.js';
import type { Metrics } from '../ops/metrics.js';
import type { PolicyDecision, PolicyEngine } from '../policy/policy.js';
import type { RevocationQueue } from '../revocation/revocation-queue.js';
import type { AgentBlocklist } from '../tasks/agent-blocklist.js';
import type { Task } from '../tasks/task.js';
import type { RequestContext } from '../tasks/task-service.js';
import { ownedBy } from '../tasks/task-service.js';
import type { TaskStore } from '../tasks/task-store.js';
import { clampTtl } from '../tasks/ttl.js';
import type { Clock } from '../util/clock.js';
import { iso } from '../util/clock.js';
import { sha256Hex } from '../util/hash.js';
import { newId } from '../util/ids.js';
import type { Lease } from './lease.js';
import { leaseAuditFields } from './lease-audit.js';
import type { LeaseStore } from './lease-store.js';

/** Refusal codes audited as `decision` denials (policy denials are audited where they are decided). */
const REFUSALS = new Set(['task_not_owner', 'task_closed', 'scope_not_declared', 'profile_unknown', 'agent_blocked']);

/**
 * How much later than the scheduled revocation the backend's own expiry may fall and still keep the
 * schedule: the mint's own duration pushes it a little past `request time + TTL`.
 */
export const RESCHEDULE_SLACK_MS = 1000;

/**
 * When to revoke a freshly minted credential. The revocation job was scheduled before the mint, at
 * `scheduled` (request time + TTL). A backend expiry `wanted` only slightly later than that (by the mint's
 * duration) keeps the schedule: revoking up to RESCHEDULE_SLACK_MS before the backend would expire it is
 * safe, and it saves moving the job (three Redis round trips) on every issue. An earlier expiry, or one
 * later by more than the slack (a slow mint), moves the job.
 */
export function keepScheduled(scheduled: number, wanted: number): number {
  return wanted > scheduled && wanted - scheduled <= RESCHEDULE_SLACK_MS ? scheduled : wanted;
}

/** A credential request (already schema-validated). */
export interface CredentialRequest {
  profile: string;
  resources?: string[] | undefined;
  ttl_seconds?: number | undefined;
  reason?: string | undefined;
}

/** A request that passed scope and TTL checks, ready for policy and minting. */
export interface CheckedRequest {
  task: Task;
  /**
   * The task came from this process's memory of active tasks, unread: whether the agent is blocked
   * is still to be checked (with the lease write; the lease write itself checks the task is active).
   */
  remembered: boolean;
  profile: string;
  resources: string[];
  ttlSeconds: number;
  ttlClampedBy: string | null;
  reason?: string | undefined;
}

/** Hook for human approval (issue: approvals). Returns the 202 body when the request must wait. */
export interface ApprovalGate {
  request(identity: Identity, req: CheckedRequest, decision: PolicyDecision, ctx: RequestContext): Promise<Record<string, unknown>>;
}

/** The result of a credential request: 201 with a credential, or 202 waiting for approval. */
export type IssueResult = { status: 201; body: Record<string, unknown> } | { status: 202; body: Record<string, unknown> };

/**
 * The credential path: task → scope → policy → audit decision (fail closed) → lease `pending` +
 * revocation job → backend mint → lease `active` → audit mint → response.
 */
export class IssuanceService {
  approvals: ApprovalGate | undefined;

  constructor(
    private readonly cfg: TesseraConfig,
    private readonly tasks: TaskStore,
    private readonly leases: LeaseStore,
    private readonly backends: BackendRegistry,
    private readonly policy: PolicyEngine,
    private readonly audit: AuditLog,
    private readonly queue: RevocationQueue,
    private readonly blocklist: AgentBlocklist,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /**
   * Check a request against the task: ownership, status, declared scope, TTL. A task this process
   * remembers as active is not read again: its status and the agent's block are checked with the
   * lease write instead (see prepare), which saves a Redis round trip on every later request of a task.
   */
  async check(identity: Identity, taskId: string, req: CredentialRequest): Promise<CheckedRequest> {
    const known = this.tasks.active.get(taskId);
    const remembered = known !== undefined && ownedBy(known, identity);
    const task = remembered ? known : await this.readOwnTask(identity, taskId);
    const now = this.clock.now();
    const left = Math.floor((task.expiresAt - now) / 1000);
    if (task.status !== 'active' || left < 1) throw Errors.taskClosed(task.status === 'active' ? 'expired' : task.status);
    const profile = this.cfg.profiles[req.profile];
    if (!profile) throw Errors.profileUnknown(req.profile);
    const scope = task.scopes.find((s) => s.profile === req.profile);
    if (!scope) throw Errors.scopeNotDeclared(`The task did not declare profile ${JSON.stringify(req.profile)}`);
    const resources = [...new Set(req.resources ?? scope.resources ?? [])];
    const undeclared = resources.filter((r) => !(scope.resources ?? []).includes(r));
    if (undeclared.length > 0) {
      throw Errors.scopeNotDeclared(`Resources not declared by the task for ${req.profile}: ${undeclared.join(', ')}`);
    }
    const { ttlSeconds, clampedBy } = clampTtl(req.ttl_seconds ?? profile.max_ttl_seconds, [
      { by: 'profile', seconds: profile.max_ttl_seconds },
      { by: 'task', seconds: left },
    ]);
    return { task, remembered, profile: req.profile, resources, ttlSeconds, ttlClampedBy: clampedBy, reason: req.reason };
  }

  /** Read the task afresh, with the agent's block: refuses a missing task, another agent's, a blocked agent. */
  private async readOwnTask(identity: Identity, taskId: string): Promise<Task> {
    const [task, blocked] = await Promise.all([this.tasks.get(taskId), this.blocklist.isBlocked(identity)]);
    if (!task) throw Errors.taskNotFound();
    if (!ownedBy(task, identity)) throw Errors.taskNotOwner();
    if (blocked) throw Errors.agentBlocked();
    return task;
  }

  /** For a request on a remembered task, the agent's block still to be checked (see check); else nothing. */
  private agentStillAllowed(identity: Identity, c: CheckedRequest): Promise<void> | undefined {
    return c.remembered ? this.blocklist.assertNotBlocked(identity) : undefined;
  }

  /** Decide, audit and mint one credential. */
  async issue(identity: Identity, taskId: string, req: CredentialRequest, ctx: RequestContext): Promise<IssueResult> {
    const started = process.hrtime.bigint();
    const backendName = this.cfg.profiles[req.profile]?.backend ?? 'unknown';
    try {
      const checked = await this.check(identity, taskId, req);
      const decision = await this.evaluate(identity, checked, ctx);
      if (!decision.allow || decision.requireApproval) await this.auditDecision(checked, decision, ctx);
      if (decision.requireApproval) {
        if (!this.approvals) throw Errors.policyDenied('This profile requires a human approval, and approvals are not enabled', { code_hint: 'approval_required' });
        await this.agentStillAllowed(identity, checked);
        const body = await this.approvals.request(identity, checked, decision, ctx);
        this.observe(started, backendName, 'pending');
        return { status: 202, body };
      }
      // The decision's audit record is written alongside the lease; both must exist before the mint.
      const body = await this.mint(identity, checked, ctx, decision.policies, undefined, () => this.auditDecision(checked, decision, ctx));
      this.observe(started, backendName, 'issued');
      return { status: 201, body };
    } catch (err) {
      this.observe(started, backendName, err instanceof TesseraError ? err.code : 'error');
      if (err instanceof TesseraError && REFUSALS.has(err.code)) await this.auditRefusal(identity, taskId, req, ctx, err);
      throw err;
    }
  }

  /** Refusals before the policy step (ownership, scope, closed task) are decisions too: audit them. */
  private async auditRefusal(identity: Identity, taskId: string, req: CredentialRequest, ctx: RequestContext, err: TesseraError): Promise<void> {
    this.metrics.decisions.labels('deny', err.code).inc();
    await this.audit.recordBestEffort({
      type: 'decision',
      outcome: 'deny',
      request_id: ctx.requestId,
      agent: { issuer: identity.issuer, subject: identity.subject },
      task_id: err.code === 'task_not_found' ? undefined : taskId,
      profile: req.profile,
      resources: req.resources,
      reason: err.code,
      detail: { message: err.message },
    });
  }

  /** Run the policy and durably audit the decision. A policy error or an audit failure denies. */
  async decide(identity: Identity, c: CheckedRequest, ctx: RequestContext, approved = false): Promise<PolicyDecision> {
    const decision = await this.evaluate(identity, c, ctx, approved);
    await this.auditDecision(c, decision, ctx);
    return decision;
  }

  /** Run the policy. An evaluation error is a deny (fail closed). */
  private async evaluate(identity: Identity, c: CheckedRequest, ctx: RequestContext, approved = false): Promise<PolicyDecision> {
    let decision: PolicyDecision;
    try {
      decision = await this.policy.decide({
        action: 'request_credential',
        identity,
        task: c.task,
        profile: c.profile,
        resources: c.resources,
        ttlSeconds: c.ttlSeconds,
        reason: c.reason,
        context: { ip: ctx.ip, now: this.clock.now(), approved },
      });
    } catch (err) {
      this.log.error({ err, request_id: ctx.requestId }, 'policy evaluation failed');
      decision = { allow: false, reasons: ['policy evaluation error'], policies: [] };
    }
    this.metrics.decisions.labels(decision.allow ? 'allow' : 'deny', decision.allow ? 'ok' : 'policy_denied').inc();
    return decision;
  }

  /** Durably record a decision; throws audit_unavailable when it cannot, and policy_denied for a deny. */
  private async auditDecision(c: CheckedRequest, decision: PolicyDecision, ctx: RequestContext): Promise<void> {
    await this.audit.record({
      type: 'decision',
      outcome: decision.allow ? 'allow' : 'deny',
      request_id: ctx.requestId,
      agent: c.task.agent,
      task_id: c.task.id,
      intent: c.task.intent,
      profile: c.profile,
      resources: c.resources,
      reason: decision.reasons.join('; ') || undefined,
      detail: { policies: decision.policies, ttl_seconds: c.ttlSeconds, require_approval: Boolean(decision.requireApproval), request_reason: c.reason },
    });
    if (!decision.allow) throw Errors.policyDenied('The policy does not allow this credential request', { policies: decision.policies });
  }

  /**
   * Write the lease and its revocation job, then mint. Nothing is minted before both exist.
   * WARNING: the returned body holds the credential; it must go to the agent and nowhere else.
   */
  async mint(
    identity: Identity,
    c: CheckedRequest,
    ctx: RequestContext,
    policies: string[],
    auditDetail?: Record<string, unknown>,
    /** Durable work that must also succeed before minting (the decision's audit record), run alongside. */
    beforeMint?: () => Promise<void>,
  ): Promise<Record<string, unknown>> {
    const profile = this.cfg.profiles[c.profile]!;
    const backend = this.backends.get(profile.backend);
    const now = this.clock.now();
    const lease: Lease = {
      id: newId('lse'),
      taskId: c.task.id,
      profile: c.profile,
      backend: backend.name,
      agent: c.task.agent,
      resources: c.resources,
      status: 'pending',
      revocation: 'revocable',
      revocationData: {},
      credentialSha256: '',
      createdAt: now,
      issuedAt: null,
      expiresAt: now + c.ttlSeconds * 1000,
      revokeAt: now + c.ttlSeconds * 1000,
      revokeRequestedAt: null,
      revokedAt: null,
      attempts: 0,
      lastError: null,
    };
    await this.prepare(lease, this.agentStillAllowed(identity, c), beforeMint);

    let minted: MintResult;
    const mintStarted = performance.now();
    try {
      minted = await backend.mint({
        leaseId: lease.id,
        taskId: c.task.id,
        profileName: c.profile,
        agent: identity,
        intent: c.task.intent,
        resources: c.resources,
        ttlSeconds: c.ttlSeconds,
        notAfter: c.task.expiresAt,
        labels: c.task.labels,
        reason: c.reason,
      });
    } catch (err) {
      await this.leases.transition(lease, ['pending'], 'revoked', this.clock.now(), { revoked_at: String(this.clock.now()), last_error: 'mint failed' });
      await this.audit.recordBestEffort({
        type: 'credential.mint_failed',
        outcome: 'failure',
        request_id: ctx.requestId,
        ...leaseAuditFields(lease),
        reason: err instanceof TesseraError ? err.code : 'backend_error',
      });
      throw err;
    }

    if (ctx.timing) ctx.timing.backendMs = performance.now() - mintStarted;
    const issuedAt = this.clock.now();
    const expiresAt = minted.expiresAt ?? issuedAt + minted.ttlSeconds * 1000;
    const revokeAt = keepScheduled(lease.revokeAt, Math.min(expiresAt, c.task.expiresAt));
    const credentialSha256 = sha256Hex(minted.secretForHash);
    // The credential exists now: record that fact while the lease is activated (one round trip each, in parallel).
    const mintedAudit = this.audit
      .record({
        type: 'credential.minted',
        outcome: 'success',
        request_id: ctx.requestId,
        ...leaseAuditFields(lease),
        intent: c.task.intent,
        resources: c.resources,
        credential_sha256: credentialSha256,
        detail: { backend: backend.name, ttl_seconds: minted.ttlSeconds, expires_at: iso(expiresAt), revocation: minted.revocation, policies, ...auditDetail, ...(c.task.act ? { principal: c.task.principal, act: c.task.act } : {}) },
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    const activated = await this.leases.transition(lease, ['pending'], 'active', issuedAt, {
      issued_at: String(issuedAt),
      expires_at: String(expiresAt),
      revoke_at: String(revokeAt),
      revocation: minted.revocation,
      revocation_data: JSON.stringify(minted.revocationData),
      credential_sha256: credentialSha256,
    });
    if (!activated.changed && activated.previous !== 'active') {
      // The mint outlasted server.worker.pending_grace_seconds and the lease was revoked as an interrupted
      // mint: record what revocation needs (reopening the lease if closed) and revoke the credential for real.
      await mintedAudit;
      const late = { id: lease.id, taskId: lease.taskId, revokeAt };
      await this.leases.recordLateMint(late, { revocation: minted.revocation, revocation_data: JSON.stringify(minted.revocationData), credential_sha256: credentialSha256, revoke_requested_at: String(this.clock.now()) });
      await this.queue.revokeLeaseNow(late).catch((e: unknown) => this.log.error({ err: e, lease_id: lease.id }, 'could not hurry revocation'));
      throw Errors.backendUnavailable(backend.name, new Error(`mint of lease ${lease.id} finished after it was given up; revoked`));
    }
    const finalLease = { ...lease, revocationData: minted.revocationData, revocation: minted.revocation, expiresAt, revokeAt };
    const moved = revokeAt !== lease.revokeAt ? Promise.all([this.leases.reindex(lease.id, revokeAt), this.queue.rescheduleLease(finalLease)]) : null;
    try {
      const auditError = await mintedAudit;
      await moved;
      if (!activated.changed || activated.taskStatus !== 'active') {
        this.tasks.active.forget(lease.taskId);
        throw Errors.taskClosed(activated.taskStatus ?? 'closed');
      }
      if (auditError) throw auditError;
    } catch (err) {
      // Fail closed: the task closed under us or the mint cannot be audited; the credential must die now.
      await this.leases.update(lease, { revoke_requested_at: String(this.clock.now()) });
      await this.queue.revokeLeaseNow(lease).catch((e: unknown) => this.log.error({ err: e, lease_id: lease.id }, 'could not hurry revocation'));
      throw err;
    }
    this.metrics.issued.labels(backend.name, c.profile).inc();
    const ttlClampedBy = minted.ttlClampedBy ?? c.ttlClampedBy;
    return {
      lease_id: lease.id,
      task_id: lease.taskId,
      profile: lease.profile,
      backend: backend.name,
      issued_at: iso(issuedAt),
      expires_at: iso(expiresAt),
      ttl_seconds: minted.ttlSeconds,
      ttl_clamped_by: ttlClampedBy,
      revocation: minted.revocation,
      ...(minted.warnings?.length ? { warnings: minted.warnings } : {}),
      credential: minted.credential,
    };
  }

  /**
   * Write the `pending` lease and its revocation job and run `beforeMint` (the decision's audit record),
   * concurrently with `agentCheck` (the block check a remembered task still owes; the lease write checks
   * the task is still active). Minting may start only when all succeeded; otherwise the lease is closed
   * and the first failure thrown (task closed, agent blocked, store or audit unavailable).
   */
  private async prepare(lease: Lease, agentCheck: Promise<void> | undefined, beforeMint?: () => Promise<void>): Promise<void> {
    const [created, scheduled, before, agent] = await Promise.allSettled([this.leases.create(lease), this.queue.scheduleLease(lease), beforeMint?.(), agentCheck]);
    const failure = [created, scheduled, before, agent].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    const closed = created.status === 'fulfilled' && !created.value;
    if (!failure && !closed) return;
    if (closed) this.tasks.active.forget(lease.taskId);
    if (created.status === 'fulfilled' && created.value) await this.leases.discard(lease, this.clock.now()).catch(() => undefined);
    if (scheduled.status === 'fulfilled') await this.queue.cancelLeaseJob(lease.id).catch(() => undefined);
    // A decision that could not be audited wins over other reasons: that is the fail-closed guarantee.
    if (before.status === 'rejected') throw before.reason;
    if (failure) throw failure.reason;
    throw Errors.taskClosed('closing');
  }

  private observe(started: bigint, backend: string, outcome: string): void {
    this.metrics.issueLatency.labels(backend, outcome).observe(Number(process.hrtime.bigint() - started) / 1e9);
  }
}
