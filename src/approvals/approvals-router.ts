import { Router, type Response } from 'express';
import { z } from 'zod';
import { Errors } from '../errors/codes.js';
import { authenticate, identityOf, type TokenVerifier } from '../http/auth.js';
import type { Roles } from '../http/roles.js';
import { parseBody } from '../http/validate.js';
import { isId } from '../util/ids.js';
import type { ApprovalCollector } from './approval-collector.js';
import type { ApprovalService } from './approval-service.js';
import { approvalView } from './approval-view.js';

const decisionBody = z.strictObject({ comment: z.string().max(1000).optional() });

/** What the approval endpoints use. */
export interface ApprovalRouterDeps {
  verifier: TokenVerifier;
  roles: Roles;
  approvals: ApprovalService;
  collector: ApprovalCollector;
}

/**
 * `/v1/approvals`:
 * - `GET /v1/approvals/{id}` (requesting agent, approvers, admins): the status; the requesting agent
 *   receives the approved credential from this call exactly once (`grant`).
 * - `POST /v1/approvals/{id}/approve` and `/deny` (approvers only, never their own request), body `{ comment? }`.
 * - `GET /v1/approvals` (approvers, admins): open approvals, soonest expiry first.
 */
export function approvalsRouter(d: ApprovalRouterDeps): Router {
  const r = Router();
  const auth = authenticate(d.verifier);
  const ctx = (res: Response, ip: string | undefined) => ({ requestId: String(res.locals.requestId), ip });
  const approvalId = (raw: unknown): string => {
    if (!isId(raw, 'apr')) throw Errors.approvalNotFound();
    return raw;
  };

  r.get('/v1/approvals', auth, async (_req, res) => {
    const id = identityOf(res);
    if (!d.roles.isApprover(id) && !d.roles.isAdmin(id)) throw Errors.forbidden('Approvers only');
    res.json({ approvals: (await d.approvals.listOpen()).map((a) => approvalView(a, { privileged: true })) });
  });

  r.get('/v1/approvals/:id', auth, async (req, res) => {
    const body = await d.collector.get(identityOf(res), approvalId(req.params.id), ctx(res, req.ip));
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    res.json(body);
  });

  for (const verdict of ['approve', 'deny'] as const) {
    r.post(`/v1/approvals/:id/${verdict}`, auth, async (req, res) => {
      const body = parseBody(decisionBody, req.body);
      const id = approvalId(req.params.id);
      res.json(await d.approvals.decide(identityOf(res), id, verdict, body.comment, ctx(res, req.ip)));
    });
  }
  return r;
}
