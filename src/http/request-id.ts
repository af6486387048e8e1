import type { RequestHandler } from 'express';
import { newId } from '../util/ids.js';

/** Accept a caller's `X-Request-Id` when it is sane, else make one; echo it on the response. */
export const requestId: RequestHandler = (req, res, next) => {
  const given = req.get('x-request-id');
  const id = given && /^[A-Za-z0-9._:-]{8,128}$/.test(given) ? given : newId('req');
  res.locals.requestId = id;
  res.locals.startedAt = performance.now();
  res.setHeader('X-Request-Id', id);
  next();
};
