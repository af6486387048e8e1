import { Router } from 'express';
import { Errors } from '../../errors/codes.js';
import { isId } from '../../util/ids.js';
import { taskView } from '../../tasks/task-view.js';
import { leaseView } from '../../leases/lease-view.js';
import { authenticate, identityOf } from '../auth.js';
import type { HttpDeps } from '../deps.js';
import { completeBody, credentialBody, declareTaskBody } from '../schemas.js';
import { parseBody } from '../validate.js';
import { identityKey } from '../../identity/identity.js';

/** `/v1/tasks`: declare, read, complete, request credentials, read the audit trail. */
export function tasksRouter(d: HttpDeps): Router {
  const r = Router();
  const auth = authenticate(d.verifier);
  const ctx = (res: { locals: Record<string, unknown> }, ip: string | undefined) => ({ requestId: String(res.locals.requestId), ip });
  const taskId = (raw: unknown): string => {
    if (!isId(raw, 'tsk')) throw Errors.taskNotFound();
    return raw;
  };

  r.post('/v1/tasks', auth, async (req, res) => {
    const body = parseBody(declareTaskBody, req.body);
    const task = await d.tasks.declare(identityOf(res), body, ctx(res, req.ip));
    res.status(201).location(`/v1/tasks/${task.id}`).json(taskView(task));
  });

  r.get('/v1/tasks/:id', auth, async (req, res) => {
    const id = identityOf(res);
    const task = await d.tasks.getFor(id, taskId(req.params.id), d.roles.isAdmin(id));
    const leases = await d.leases.listByTask(task.id);
    res.json({ ...taskView(task), leases: leases.map((l) => leaseView(l)) });
  });

  r.post('/v1/tasks/:id/complete', auth, async (req, res) => {
    const body = parseBody(completeBody, req.body);
    const id = identityOf(res);
    const task = await d.tasks.getFor(id, taskId(req.params.id), d.roles.isAdmin(id));
    const status = await d.tasks.complete(task, body.outcome ?? 'succeeded', { requestId: String(res.locals.requestId), by: identityKey(id) });
    res.status(202).json({ task_id: task.id, status });
  });

  r.post('/v1/tasks/:id/credentials', auth, async (req, res) => {
    const body = parseBody(credentialBody, req.body);
    const timing: { backendMs?: number } = {};
    const result = await d.issuance.issue(identityOf(res), taskId(req.params.id), body, { ...ctx(res, req.ip), timing });
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    const serverTimingValue = serverTiming(res.locals.startedAt as number | undefined, timing.backendMs);
    if (serverTimingValue) res.setHeader('Server-Timing', serverTimingValue);
    res.status(result.status).json(result.body);
  });

  r.get('/v1/tasks/:id/audit', auth, async (req, res) => {
    const id = identityOf(res);
    const task = await d.tasks.getFor(id, taskId(req.params.id), d.roles.isAdmin(id));
    res.json({ task_id: task.id, events: await d.audit.forTask(task.id) });
  });

  return r;
}

/**
 * `Server-Timing` (https://www.w3.org/TR/server-timing/) of a credential answer: `backend` is the
 * backend's mint (Vault, STS, signing), `tessera` everything else Tessera did for the request, so a
 * caller can tell Tessera's own share of the latency from the secret backend's.
 */
function serverTiming(startedAt: number | undefined, backendMs: number | undefined): string {
  const total = startedAt === undefined ? undefined : performance.now() - startedAt;
  const parts: string[] = [];
  if (backendMs !== undefined) parts.push(`backend;dur=${backendMs.toFixed(2)}`);
  if (total !== undefined) parts.push(`tessera;dur=${(total - (backendMs ?? 0)).toFixed(2)}`);
  return parts.join(', ');
}
