import { Router } from 'express';
import type { HttpDeps } from '../deps.js';

/** `/healthz` (process up), `/readyz` (Redis and backends reachable), `/metrics` (Prometheus). */
export function opsRouter(d: HttpDeps): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    try {
      res.json({ status: 'ready', checks: await d.readiness() });
    } catch (err) {
      res.status(503).json({ status: 'not_ready', checks: (err as { checks?: unknown }).checks ?? {} });
    }
  });
  r.get('/metrics', async (_req, res) => {
    res.type(d.metrics.registry.contentType).send(await d.metrics.registry.metrics());
  });
  return r;
}
