import type { Request, RequestHandler, Response } from 'express';
import { Errors } from '../errors/codes.js';
import type { Identity } from '../identity/identity.js';

/** Anything that turns a bearer token into a verified identity (the workload verifier). */
export interface TokenVerifier {
  verify(token: string): Promise<Identity>;
}

/** Extract the bearer token; the token itself is never logged or echoed. */
export function bearerToken(req: Request): string {
  const h = req.get('authorization');
  if (!h) throw Errors.tokenMissing();
  const m = /^Bearer[ ]+([A-Za-z0-9_.~+/=-]+)$/i.exec(h.trim());
  if (!m) throw Errors.tokenInvalid('The Authorization header must be "Bearer <token>"');
  return m[1]!;
}

/** Middleware: verify the workload token and put the identity in `res.locals.identity`. */
export function authenticate(verifier: TokenVerifier): RequestHandler {
  return async (req, res, next) => {
    try {
      res.locals.identity = await verifier.verify(bearerToken(req));
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** The verified identity of this request (set by `authenticate`). */
export function identityOf(res: Response): Identity {
  const id = res.locals.identity as Identity | undefined;
  if (!id) throw Errors.tokenMissing();
  return id;
}
