import { RevokeError } from '../backend.js';
import { toRevokeError, VaultCallError } from './errors.js';
import type { VaultCall } from './session.js';

/** Vault's answers for a lease or accessor it no longer knows: already gone counts as revoked. */
const GONE = /invalid accessor|invalid lease|lease not found|lease is not found|token not found/i;
/** Vault's answer when the secrets engine failed to revoke (https://developer.hashicorp.com/vault/api-docs/system/leases#revoke-lease). */
const ENGINE_FAILED = /failed to revoke/i;

/**
 * Revoke what a Vault lease record names, idempotently:
 * - `kind: lease` → `PUT sys/leases/revoke {lease_id, sync: true}`
 *   (https://developer.hashicorp.com/vault/api-docs/system/leases#revoke-lease; an unknown lease answers 204);
 * - `kind: token` → `POST auth/token/revoke-accessor {accessor}`
 *   (https://developer.hashicorp.com/vault/api-docs/auth/token#revoke-a-token-accessor; an unknown accessor
 *   answers 400 "invalid accessor", which counts as revoked). Revoking a token also revokes its child
 *   tokens and the leases created with it.
 * Transient failures (5xx, unreachable, timeouts, and 400 "failed to revoke entry" from the secrets engine)
 * become RevokeError{permanent:false}; 403 and other rejections RevokeError{permanent:true}.
 */
export async function revokeVault(call: VaultCall, data: Record<string, string>): Promise<void> {
  const namespace = data['namespace'];
  try {
    switch (data['kind']) {
      case 'lease':
        if (!data['lease_id']) break;
        await call({ method: 'PUT', path: 'sys/leases/revoke', body: { lease_id: data['lease_id'], sync: true }, namespace });
        return;
      case 'token':
        if (!data['accessor']) break;
        await call({ method: 'POST', path: 'auth/token/revoke-accessor', body: { accessor: data['accessor'] }, namespace });
        return;
    }
  } catch (err) {
    if (err instanceof VaultCallError && err.status === 400 && err.says(GONE)) return;
    // "failed to revoke entry: ...": the secrets engine could not revoke (its database is down or busy);
    // Vault keeps the lease, so this is worth retrying soon, unlike a 403 or a malformed request.
    if (err instanceof VaultCallError && err.status === 400 && err.says(ENGINE_FAILED)) {
      throw new RevokeError(err.message, { permanent: false, cause: err });
    }
    throw toRevokeError(err);
  }
  throw new RevokeError(`vault: the lease record names nothing to revoke (${JSON.stringify(Object.keys(data))})`, { permanent: true });
}
