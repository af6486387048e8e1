import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { TesseraError } from '../errors/tessera-error.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Convert anything thrown into a TesseraError (Redis down → store_unavailable, body parse errors → 400). */
export function toTesseraError(err: unknown): TesseraError {
  if (err instanceof TesseraError) return err;
  const e = err as { type?: string; status?: number; message?: string; name?: string; code?: string };
  if (e?.type === 'entity.parse.failed') return new TesseraError(400, 'invalid_request', 'The body is not valid JSON');
  if (e?.type === 'entity.too.large') return new TesseraError(413, 'payload_too_large', 'The body is too large');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new TesseraError(415, 'unsupported_media_type', 'Unsupported body encoding');
  const msg = e?.message ?? '';
  if (/Connection is closed|Stream isn't writeable|enableOfflineQueue|ECONNREFUSED|Reached the max retries|connect ETIMEDOUT|Command timed out/i.test(msg)) {
    return new TesseraError(503, 'store_unavailable', 'The state store is unavailable', { cause: err });
  }
  return new TesseraError(500, 'internal_error', 'Internal error', { cause: err });
}

/** The one place errors become RFC 9457 problem+json responses. 5xx details go to the log only. */
export function problemHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const te = toTesseraError(err);
    const requestId = String(res.locals.requestId ?? '');
    if (te.status >= 500) {
      log.error({ err: te.cause ?? te, code: te.code, request_id: requestId, method: req.method, path: req.path }, te.message);
    } else {
      log.info({ code: te.code, status: te.status, request_id: requestId, method: req.method, path: req.path }, 'request refused');
    }
    if (te.status === 503) res.setHeader('Retry-After', '1');
    res
      .status(te.status)
      .type('application/problem+json')
      .json({
        type: `https://tessera.dev/problems/${te.code}`,
        title: TITLES[te.status] ?? 'Error',
        status: te.status,
        detail: te.expose ? te.message : TITLES[te.status] ?? 'Error',
        code: te.code,
        request_id: requestId,
        ...(te.expose && te.extra ? te.extra : {}),
      });
  };
}

/** 404 for unknown routes, as problem+json. */
export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(new TesseraError(404, 'not_found', 'No such endpoint'));
};
