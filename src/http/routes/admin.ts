import { Router } from 'express';
import { z } from 'zod';
import { Errors } from '../../errors/codes.js';
import type { Lease } from '../../leases/lease.js';
import { leaseView } from '../../leases/lease-view.js';
import { failedRevocationView } from '../../revocation/failed-revocations.js';
import { isId } from '../../util/ids.js';
import { authenticate, identityOf } from '../auth.js';
import type { HttpDeps } from '../deps.js';
import { identityBody } from '../schemas.js';
import { parseBody } from '../validate.js';

/** Body of `POST /v1/admin/revocations/{lease_id}/resolve`: what the admin did or checked. */
const resolveBody = z.strictObject({ note: z.string().trim().min(1).max(2000) });

/** `/v1/admin/*`: lease listing, audit, kill switch, failed revocations. Admins only. */
export function adminRouter(d: HttpDeps): Router {
  const r = Router();
  r.use('/v1/admin', authenticate(d.verifier), (_req, res, next) => {
    d.roles.assertAdmin(identityOf(res));
    next();
  });

  r.get('/v1/admin/leases', async (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    let leases: Lease[] = [];
    if (q.task_id) {
      if (!isId(q.task_id, 'tsk')) throw Errors.taskNotFound();
      leases = await d.leases.listByTask(q.task_id);
    } else if (q.issuer && q.subject) {
      for (const t of await d.taskStore.byAgent(q.issuer, q.subject)) leases.push(...(await d.leases.listByTask(t)));
    } else {
      const ids = await d.leases.openDueBefore(Number.MAX_SAFE_INTEGER, 1000);
      for (const id of ids) {
        const l = await d.leases.get(id);
        if (l) leases.push(l);
      }
    }
    if (q.status) leases = leases.filter((l) => l.status === q.status);
    if (q.issuer) leases = leases.filter((l) => l.agent.issuer === q.issuer);
    if (q.subject) leases = leases.filter((l) => l.agent.subject === q.subject);
    res.json({ leases: leases.map((l) => leaseView(l, { admin: true })) });
  });

  r.get('/v1/admin/audit', async (req, res) => {
    const taskId = req.query.task_id;
    if (typeof taskId === 'string') {
      if (!isId(taskId, 'tsk')) throw Errors.taskNotFound();
      res.json({ task_id: taskId, events: await d.audit.forTask(taskId) });
      return;
    }
    res.json({ events: await d.audit.recent(Math.min(Number(req.query.limit ?? 200) || 200, 5000)) });
  });

  r.post('/v1/admin/agents/revoke', async (req, res) => {
    const agent = parseBody(identityBody, req.body);
    const result = await d.killSwitch.revoke(agent, identityOf(res), String(res.locals.requestId));
    res.status(202).json({ ...agent, blocked: true, ...result });
  });

  r.post('/v1/admin/agents/unblock', async (req, res) => {
    const agent = parseBody(identityBody, req.body);
    const was = await d.killSwitch.unblock(agent, identityOf(res), String(res.locals.requestId));
    res.json({ ...agent, blocked: false, was_blocked: was });
  });

  const adminView = (l: Lease) => failedRevocationView(l, (x) => leaseView(x, { admin: true }));
  const leaseId = (raw: unknown): string => {
    if (!isId(raw, 'lse')) throw Errors.leaseNotFound();
    return raw;
  };

  // Failed revocations: leases in revoke_failed (still retrying) and leases whose revocation was never
  // confirmed before their credential expired (`state: "unconfirmed"`), until an admin resolves them.
  r.get('/v1/admin/revocations/failed', async (req, res) => {
    const limit = Math.min(Math.max(Number(req.query.limit ?? 500) || 500, 1), 5000);
    const leases = await d.failedRevocations.list(limit);
    res.json({ count: leases.length, leases: leases.map(adminView) });
  });

  r.post('/v1/admin/revocations/:lease_id/retry', async (req, res) => {
    const lease = await d.failedRevocations.retryNow(leaseId(req.params.lease_id), identityOf(res), String(res.locals.requestId));
    res.status(202).json({ lease_id: lease.id, status: lease.status, retry: 'queued' });
  });

  r.post('/v1/admin/revocations/:lease_id/resolve', async (req, res) => {
    const { note } = parseBody(resolveBody, req.body);
    const lease = await d.failedRevocations.resolve(leaseId(req.params.lease_id), identityOf(res), note, String(res.locals.requestId));
    res.json(adminView(lease));
  });
  return r;
}
