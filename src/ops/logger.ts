import { pino, type Logger } from 'pino';

/**
 * Paths that may hold a credential or a bearer token anywhere in a log record. They are removed,
 * not masked, so nothing of the value reaches the log.
 */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'credential',
  '*.credential',
  'secret_access_key',
  '*.secret_access_key',
  'session_token',
  '*.session_token',
  'password',
  '*.password',
  'client_token',
  '*.client_token',
  'wrap_token',
  '*.wrap_token',
  'req.headers.authorization',
  'req.headers["webhook-signature"]',
  'headers.authorization',
  'authorization',
  '*.authorization',
];

/** The process logger: JSON lines on stdout, credential fields redacted. */
export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: opts.name ?? 'tessera',
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, remove: true },
  });
}
