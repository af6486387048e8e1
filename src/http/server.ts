import express, { type Express } from 'express';
import type { HttpDeps } from './deps.js';
import { notFoundHandler, problemHandler } from './problem.js';
import { requestId } from './request-id.js';
import { adminRouter } from './routes/admin.js';
import { brokerRouter } from './routes/broker.js';
import { hooksRouter } from './routes/hooks.js';
import { leasesRouter } from './routes/leases.js';
import { opsRouter } from './routes/ops.js';
import { tasksRouter } from './routes/tasks.js';

/** The Express application: routes per concern, one error handler. */
export function createHttpApp(d: HttpDeps, extraRouters: express.Router[] = []): Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETag: Express would hash every body, credential answers included, into a header that proxies and
  // logs may keep; nothing here is cacheable (credential answers say no-store), and the hash costs time.
  app.set('etag', false);
  app.set('trust proxy', d.cfg.server.trust_proxy);
  app.use(requestId);
  app.use(opsRouter(d));
  app.use(hooksRouter(d)); // before the JSON parser: it needs the raw body
  app.use(express.json({ limit: d.cfg.server.body_limit, type: ['application/json', 'application/*+json'] }));
  app.use(brokerRouter(d));
  app.use(tasksRouter(d));
  app.use(leasesRouter(d));
  app.use(adminRouter(d));
  for (const router of extraRouters) app.use(router);
  app.use(notFoundHandler);
  app.use(problemHandler(d.log));
  return app;
}
