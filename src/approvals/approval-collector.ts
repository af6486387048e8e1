import { randomUUID } from 'node:crypto';
import type { Identity } from '../identity/identity.js';
import type { IssuanceService } from '../leases/issuance.js';
import type { RequestContext } from '../tasks/task-service.js';
import type { Clock } from '../util/clock.js';
import type { ApprovalService } from './approval-service.js';
import type { ApprovalStore } from './approval-store.js';
import { approvalView } from './approval-view.js';

/** How long a collecting call may hold its claim before another call may take over (its process died). */
const CLAIM_STALE_MS = 60_000;

/**
 * `GET /v1/approvals/{id}`: shows the approval; when the requesting agent calls it on an approved,
 * uncollected approval, mints the credential exactly once. An atomic Redis claim makes concurrent calls
 * safe (one mints, the others see `credential_delivered`). Before minting, the request is checked again
 * as it stands now: the task must still be active and declare the scope, the TTL is clamped to the time
 * left, and the policy decides again with `context.approval == "approved"` (audited as a decision).
 */
export class ApprovalCollector {
  constructor(
    private readonly approvals: ApprovalService,
    private readonly store: ApprovalStore,
    private readonly issuance: IssuanceService,
    private readonly clock: Clock,
  ) {}

  /** The approval as the caller may see it, with `grant` (the credential) on the one collecting call. */
  async get(caller: Identity, id: string, ctx: RequestContext): Promise<Record<string, unknown>> {
    const { approval: a, privileged, requester } = await this.approvals.getFor(caller, id);
    const view = () => approvalView(a, { privileged });
    if (!requester || a.status !== 'approved' || a.leaseId !== null) return view();
    const token = randomUUID();
    const claim = await this.store.claim(a.id, token, this.clock.now(), CLAIM_STALE_MS);
    if (!claim.claimed) {
      const now = (await this.store.get(a.id)) ?? a;
      return { ...approvalView(await this.approvals.settle(now), { privileged }), ...(claim.why === 'collecting' ? { collecting: true } : {}) };
    }
    try {
      const checked = await this.issuance.check(caller, a.taskId, { profile: a.profile, resources: a.resources, ttl_seconds: a.ttlSeconds, reason: a.reason ?? undefined });
      const decision = await this.issuance.decide(caller, checked, ctx, true);
      const grant = await this.issuance.mint(caller, checked, ctx, decision.policies, { approval_id: a.id, approved_by: a.decidedBy });
      const leaseId = String(grant.lease_id);
      const now = this.clock.now();
      await this.store.delivered(a.id, token, leaseId, now);
      await this.store.reindex(a.id, null);
      return { ...approvalView({ ...a, leaseId, deliveredAt: now }, { privileged }), grant };
    } catch (err) {
      await this.store.release(a.id, token).catch(() => undefined);
      throw err;
    }
  }
}
