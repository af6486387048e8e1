import express, { Router } from 'express';
import { Errors } from '../../errors/codes.js';
import { isId } from '../../util/ids.js';
import { verifyWebhook } from '../../webhooks/standard-webhooks.js';
import type { HttpDeps } from '../deps.js';
import { taskCompleteHook } from '../schemas.js';
import { parseBody } from '../validate.js';
import { toTesseraError } from '../problem.js';

/**
 * `POST /v1/hooks/task-complete`: an orchestrator says a task is over. Signed as Standard Webhooks;
 * a repeated `webhook-id` gets the first result and does no new work.
 */
export function hooksRouter(d: HttpDeps): Router {
  const r = Router();
  const cfg = d.cfg.webhooks.task_complete;
  r.post('/v1/hooks/task-complete', express.raw({ type: () => true, limit: '64kb' }), async (req, res) => {
    if (!cfg) throw Errors.notFound();
    const secrets = cfg.secrets_env.map((name) => d.env[name]).filter((v): v is string => Boolean(v));
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const { id } = verifyWebhook(
      { id: req.get('webhook-id'), timestamp: req.get('webhook-timestamp'), signature: req.get('webhook-signature') },
      raw,
      secrets,
      d.clock.now(),
      cfg.tolerance_seconds,
    );
    const previous = await d.deliveries.claim(id);
    if (previous) {
      if (previous.status >= 400) res.type('application/problem+json');
      res.status(previous.status).json(previous.body);
      return;
    }
    let result: { status: number; body: unknown };
    try {
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        throw Errors.badRequest('The body is not valid JSON');
      }
      const body = parseBody(taskCompleteHook, json);
      if (!isId(body.task_id, 'tsk')) throw Errors.taskNotFound();
      const task = await d.tasks.get(body.task_id); // the signature authenticated the orchestrator
      await d.audit.recordBestEffort({
        type: 'webhook.received',
        outcome: 'info',
        request_id: String(res.locals.requestId),
        actor: 'webhook:task-complete',
        agent: task.agent,
        task_id: task.id,
        detail: { webhook_id: id, outcome: body.outcome ?? 'succeeded' },
      });
      const status = await d.tasks.complete(task, body.outcome ?? 'succeeded', { requestId: String(res.locals.requestId), by: 'webhook:task-complete' });
      result = { status: 202, body: { task_id: task.id, status } };
    } catch (err) {
      const te = toTesseraError(err);
      if (te.status >= 500) {
        await d.deliveries.release(id).catch(() => undefined);
        throw te;
      }
      await d.deliveries.finish(id, { status: te.status, body: { code: te.code, status: te.status, detail: te.message } });
      throw te;
    }
    await d.deliveries.finish(id, result);
    res.status(result.status).json(result.body);
  });
  return r;
}
