import { RevokeError } from '../backend.js';
import { Errors } from '../../errors/codes.js';
import type { TesseraError } from '../../errors/tessera-error.js';

/**
 * What went wrong talking to Vault:
 * - `unavailable`: 5xx, 429, 412, connection refused/reset, timeouts (transient; retry later);
 * - `denied`: 403 (the token is dead, or its policy does not allow the path);
 * - `rejected`: any other 4xx, or a client-side problem such as a TLS verification failure.
 * Vault's status codes: https://developer.hashicorp.com/vault/api-docs#http-status-codes
 */
export type VaultFailure = 'unavailable' | 'denied' | 'rejected';

/** Network error codes that mean "Vault cannot be reached right now". */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH',
  'ENOTFOUND', 'EAI_AGAIN', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'VAULT_DEADLINE',
]);

/**
 * A failed Vault call, sanitised: it carries the method, path, status and Vault's `errors`, never
 * headers or bodies (so it can go to the log without leaking X-Vault-Token or a secret).
 */
export class VaultCallError extends Error {
  override readonly name = 'VaultCallError';
  readonly failure: VaultFailure;

  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number | undefined,
    readonly errors: string[],
    readonly code?: string,
  ) {
    const what = status !== undefined ? `HTTP ${status}` : (code ?? 'network error');
    super(`vault ${method} ${path}: ${what}${errors.length ? `: ${errors.join('; ').slice(0, 300)}` : ''}`);
    this.failure = classify(status, code);
  }

  /** True when a Vault error message matches (e.g. `invalid accessor`). */
  says(pattern: RegExp): boolean {
    return this.errors.some((e) => pattern.test(e));
  }
}

function classify(status: number | undefined, code: string | undefined): VaultFailure {
  if (status === undefined) return code !== undefined && TRANSIENT_CODES.has(code) ? 'unavailable' : 'rejected';
  if (status >= 500 || status === 429 || status === 412) return 'unavailable';
  if (status === 403) return 'denied';
  return 'rejected';
}

/** A mint failure as Tessera answers it: 503 `backend_unavailable`, else 500 `backend_misconfigured` (detail in the log only). */
export function toMintError(err: unknown): TesseraError {
  if (err instanceof VaultCallError && err.failure === 'unavailable') return Errors.backendUnavailable('vault', err);
  return Errors.backendMisconfigured('vault', err);
}

/** A revocation failure for the revoker: transient failures are retried quickly, permanent ones stay visible. */
export function toRevokeError(err: unknown): RevokeError {
  if (err instanceof RevokeError) return err;
  const transient = err instanceof VaultCallError && err.failure === 'unavailable';
  const message = err instanceof Error ? err.message : String(err);
  return new RevokeError(message, { permanent: !transient, cause: err });
}
