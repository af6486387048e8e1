import express, { Router } from 'express';
import { authenticate } from '../auth.js';
import type { HttpDeps } from '../deps.js';

/** Broker-token endpoints: the public JWKS and RFC 7662 introspection. */
export function brokerRouter(d: HttpDeps): Router {
  const r = Router();

  r.get('/.well-known/jwks.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(d.brokerToken.jwks());
  });

  // RFC 7662 §2.1: the caller must be authorised; any trusted workload (a downstream tool) may introspect.
  r.post('/v1/introspect', authenticate(d.verifier), express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const token = (req.body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token.length === 0 || token.length > 8192) {
      res.json({ active: false });
      return;
    }
    const claims = await d.brokerToken.verify(token);
    const lease = claims ? await d.leases.get(claims.jti) : null;
    if (!claims || !lease || lease.status !== 'active' || lease.taskId !== claims.task_id) {
      res.json({ active: false });
      return;
    }
    res.json({
      active: true,
      token_type: 'Bearer',
      iss: claims.iss,
      sub: claims.sub,
      aud: claims.aud,
      exp: claims.exp,
      iat: claims.iat,
      jti: claims.jti,
      task_id: claims.task_id,
      scope: claims.scope,
      profile: claims.profile,
      agent_iss: claims.agent_iss,
    });
  });
  return r;
}
