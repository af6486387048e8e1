import { Router } from 'express';
import { Errors } from '../../errors/codes.js';
import { TERMINAL_LEASE_STATUSES } from '../../leases/lease.js';
import { isId } from '../../util/ids.js';
import { authenticate, identityOf } from '../auth.js';
import type { HttpDeps } from '../deps.js';
import { identityKey, sameIdentity } from '../../identity/identity.js';
import { leaseAuditFields } from '../../leases/lease-audit.js';

/** `DELETE /v1/leases/{id}`: revoke one lease early (its task's owner, or an admin). */
export function leasesRouter(d: HttpDeps): Router {
  const r = Router();
  r.delete('/v1/leases/:id', authenticate(d.verifier), async (req, res) => {
    const id = identityOf(res);
    if (!isId(req.params.id, 'lse')) throw Errors.leaseNotFound();
    const lease = await d.leases.get(req.params.id);
    if (!lease) throw Errors.leaseNotFound();
    const owner = sameIdentity(lease.agent, id);
    if (!owner && !d.roles.isAdmin(id)) throw Errors.taskNotOwner();
    if (!TERMINAL_LEASE_STATUSES.includes(lease.status)) {
      if (lease.revokeRequestedAt === null) await d.leases.update(lease, { revoke_requested_at: String(d.clock.now()) });
      await d.queue.revokeLeaseNow(lease);
      await d.audit.recordBestEffort({
        type: 'lease.revoke_requested',
        outcome: 'info',
        request_id: String(res.locals.requestId),
        actor: identityKey(id),
        ...leaseAuditFields(lease),
      });
    }
    res.status(202).json({ lease_id: lease.id, status: TERMINAL_LEASE_STATUSES.includes(lease.status) ? lease.status : 'revoking' });
  });
  return r;
}
