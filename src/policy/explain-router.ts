import { Router } from 'express';
import type { TesseraConfig } from '../config/schema.js';
import { Errors } from '../errors/codes.js';
import { authenticate, identityOf, type TokenVerifier } from '../http/auth.js';
import type { Roles } from '../http/roles.js';
import { parseBody } from '../http/validate.js';
import type { TaskStore } from '../tasks/task-store.js';
import type { Clock } from '../util/clock.js';
import { isId } from '../util/ids.js';
import type { CedarPolicy } from './cedar-policy.js';
import type { ExplainablePolicy } from './explain.js';
import { explainInput, toPolicyRequest } from './explain-input.js';
import { runExplain } from './explain-run.js';
import type { PolicyReloader } from './policy-reloader.js';

/** What the policy admin endpoints use. */
export interface PolicyRouterDeps {
  cfg: TesseraConfig;
  verifier: TokenVerifier;
  roles: Roles;
  engine: ExplainablePolicy;
  cedar: CedarPolicy | undefined;
  reloader: PolicyReloader | undefined;
  taskStore: TaskStore;
  clock: Clock;
}

/**
 * Admin-only policy endpoints:
 * - `POST /v1/admin/policy/explain`: allow or deny and why, for a given identity, task and request. Mints nothing.
 * - `GET /v1/admin/policy`: the policy set in force (engine, version, policy ids and where they are).
 * - `POST /v1/admin/policy/reload`: reload the policy directory now (as SIGHUP does).
 */
export function policyRouter(d: PolicyRouterDeps): Router {
  const r = Router();
  r.use('/v1/admin/policy', authenticate(d.verifier), (_req, res, next) => {
    d.roles.assertAdmin(identityOf(res));
    next();
  });

  r.post('/v1/admin/policy/explain', async (req, res) => {
    const input = parseBody(explainInput, req.body);
    let stored;
    if (input.task.task_id && Object.keys(input.task).length === 1) {
      if (!isId(input.task.task_id, 'tsk')) throw Errors.taskNotFound();
      stored = (await d.taskStore.get(input.task.task_id)) ?? undefined;
      if (!stored) throw Errors.taskNotFound();
    }
    let er;
    try {
      er = toPolicyRequest(input, d.cfg, d.clock.now(), stored);
    } catch (err) {
      if (err instanceof TypeError) throw Errors.badRequest(err.message);
      throw err;
    }
    res.json(await runExplain(d.engine, er));
  });

  r.get('/v1/admin/policy', (_req, res) => {
    const set = d.cedar?.active;
    res.json({
      engine: d.cfg.policy.engine,
      version: set?.sha256 ?? null,
      dir: set?.dir ?? null,
      policies: (set?.policies ?? []).map((p) => ({ id: p.id, effect: p.effect, approval: p.approval, file: p.file, line: p.line, reason: p.reason ?? null })),
    });
  });

  r.post('/v1/admin/policy/reload', async (_req, res) => {
    if (!d.reloader) throw Errors.notFound();
    const result = await d.reloader.reload('manual');
    res.status(result.status === 'failed' ? 422 : 200).json(result);
  });
  return r;
}
