/**
 * The one error type that crosses stage boundaries inside Tessera.
 *
 * Every failure a caller can see carries a stable string `code` (callers switch on it),
 * the HTTP status it maps to, and whether its `detail` may be shown to the client.
 * Errors that are not exposed (`expose: false`, all 5xx by default) are answered with a
 * generic message; their detail goes to the log under the request id only.
 */
export class TesseraError extends Error {
  /** Stable machine-readable code, e.g. `token_expired`. */
  readonly code: string;
  /** HTTP status this error maps to at the service boundary. */
  readonly status: number;
  /** Whether `message` may be sent to the client as the problem `detail`. */
  readonly expose: boolean;
  /** Extra fields safe to add to the problem body (never secrets). */
  readonly extra: Record<string, unknown> | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    opts: { expose?: boolean; cause?: unknown; extra?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TesseraError';
    this.status = status;
    this.code = code;
    this.expose = opts.expose ?? status < 500;
    this.extra = opts.extra;
  }
}

/** True when `err` is a TesseraError with the given code. */
export function hasCode(err: unknown, code: string): boolean {
  return err instanceof TesseraError && err.code === code;
}
