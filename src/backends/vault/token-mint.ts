import type { Grant, MintResult } from '../backend.js';
import type { VaultProfile } from './config.js';
import { VaultCallError } from './errors.js';
import { displayName, effectiveTtl, tokenMetadata, vaultSeconds } from './names.js';
import type { VaultCall } from './session.js';

/** Which token-creation endpoint a profile uses (https://developer.hashicorp.com/vault/api-docs/auth/token#create-token). */
export function tokenCreatePath(p: VaultProfile): string {
  if (p.token_role) return `auth/token/create/${p.token_role}`;
  // create-orphan needs only `update` on its path; no_parent on auth/token/create needs sudo.
  return p.no_parent ? 'auth/token/create-orphan' : 'auth/token/create';
}

/**
 * `kind: token`: a Vault token bound to the task. Its TTL and explicit max TTL are the grant's TTL
 * (it cannot be renewed past it), its display name carries the task id and its metadata names the
 * task, lease, profile and agent. Revoked later by accessor.
 *
 * Wrapped (`wrap_ttl_seconds`): Vault returns only `wrap_info`; its `wrapped_accessor` is the created
 * token's accessor, which is all revocation needs. The agent receives the single-use wrapping token.
 */
export async function mintToken(call: VaultCall, p: VaultProfile, grant: Grant, namespace: string): Promise<MintResult> {
  const path = tokenCreatePath(p);
  const ttl = vaultSeconds(grant.ttlSeconds);
  const body: Record<string, unknown> = {
    ttl,
    explicit_max_ttl: ttl,
    renewable: false,
    display_name: displayName(grant),
    meta: tokenMetadata(grant),
  };
  if (p.policies?.length) body['policies'] = p.policies;
  if (p.num_uses) body['num_uses'] = p.num_uses;
  if (p.no_default_policy) body['no_default_policy'] = true;
  const res = await call({ method: 'POST', path, body, wrapTtlSeconds: p.wrap_ttl_seconds });
  const warnings = res.warnings ?? undefined;

  if (p.wrap_ttl_seconds !== undefined) {
    const wi = res.wrap_info;
    if (!wi?.token || !wi.wrapped_accessor) throw new VaultCallError('POST', path, 200, ['wrapped token creation returned no wrapped_accessor']);
    return {
      credential: {
        type: 'vault-token',
        wrap_token: wi.token,
        wrap_ttl_seconds: wi.ttl,
        accessor: wi.wrapped_accessor,
        policies: p.policies ?? [],
      },
      ttlSeconds: grant.ttlSeconds,
      revocation: 'revocable',
      revocationData: { kind: 'token', accessor: wi.wrapped_accessor, namespace },
      secretForHash: wi.token,
      ...(warnings ? { warnings } : {}),
    };
  }

  const a = res.auth;
  if (!a?.client_token || !a.accessor) throw new VaultCallError('POST', path, 200, ['token creation returned no auth block']);
  return {
    credential: { type: 'vault-token', token: a.client_token, accessor: a.accessor, policies: a.policies ?? p.policies ?? [] },
    ...effectiveTtl(grant.ttlSeconds, a.lease_duration),
    revocation: 'revocable',
    revocationData: { kind: 'token', accessor: a.accessor, namespace },
    secretForHash: a.client_token,
    ...(warnings ? { warnings } : {}),
  };
}
