import type { Grant, MintResult } from '../backend.js';
import type { VaultProfile } from './config.js';
import { VaultCallError } from './errors.js';
import type { VaultHttp, VaultRequest } from './http.js';
import { displayName, effectiveTtl, tokenMetadata, vaultSeconds } from './names.js';
import type { VaultCall } from './session.js';

/** The request that issues the secret: GET the path, or POST it with `params`. */
function issueRequest(p: VaultProfile): Omit<VaultRequest, 'token'> {
  const path = p.path ?? '';
  return p.params ? { method: 'POST', path, body: p.params } : { method: 'GET', path };
}

/** JSON with sorted keys, so the audit hash of the same data is stable. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * `kind: dynamic`: read a path that returns a lease (`database/creds/<role>`, `aws/creds/<role>`, ...).
 * Tessera records Vault's `lease_id` and revokes it with `sys/leases/revoke`
 * (https://developer.hashicorp.com/vault/api-docs/system/leases#revoke-lease). When Vault's
 * `lease_duration` is shorter than the grant's TTL the response reports Vault's; when it is longer,
 * Tessera still revokes at the grant's (shorter) time.
 */
export async function mintDynamic(call: VaultCall, p: VaultProfile, grant: Grant, namespace: string): Promise<MintResult> {
  const req = issueRequest(p);
  const res = await call(req);
  if (!res.lease_id) throw new VaultCallError(req.method, req.path, 200, ['the path returned no lease (is it a dynamic secret?)']);
  const data = res.data ?? {};
  return {
    credential: { type: 'vault-dynamic', data },
    ...effectiveTtl(grant.ttlSeconds, res.lease_duration),
    revocation: 'revocable',
    revocationData: { kind: 'lease', lease_id: res.lease_id, namespace },
    secretForHash: stableJson(data),
    ...(res.warnings ? { warnings: res.warnings } : {}),
  };
}

/**
 * Wrapped `kind: dynamic`. A wrapped read returns only `wrap_info` (no `lease_id`), and unwrapping it
 * here would defeat wrapping. So Tessera first creates a per-lease helper token (a child of its own
 * token, same policies, TTL = the grant's TTL, two uses) and reads the path *with that token* and
 * `X-Vault-Wrap-TTL`. Vault ties the new lease to the helper token, and revoking a token revokes every
 * lease created with it (https://developer.hashicorp.com/vault/docs/concepts/tokens#token-hierarchies-and-orphan-tokens),
 * so the lease record keeps the helper's accessor and revocation is `auth/token/revoke-accessor`.
 * The helper's own expiry also ends the secret at the grant's TTL on Vault's side. Tessera never sees
 * the secret, and drops the helper token right after the read (one use left: whoever exhausts it
 * revokes the secret too).
 *
 * Trade-off: a real Vault revokes a token's leases lazily (RevokeByToken marks them expired and its
 * expiration manager revokes them at once, retrying on its own), so Tessera's confirmation is that
 * Vault accepted the token revocation, not that the database role is already gone. Unwrapping and
 * re-wrapping (`sys/wrapping/wrap`) would give Tessera the lease id, but it would see the secret and the
 * secret would outlive a failed revocation until Vault's own TTL.
 */
export async function mintDynamicWrapped(
  call: VaultCall,
  http: VaultHttp,
  p: VaultProfile,
  grant: Grant,
  namespace: string,
): Promise<MintResult> {
  const ttl = vaultSeconds(grant.ttlSeconds);
  const created = await call({
    method: 'POST',
    path: 'auth/token/create',
    body: { ttl, explicit_max_ttl: ttl, renewable: false, num_uses: 2, display_name: displayName(grant), meta: tokenMetadata(grant) },
  });
  const helper = created.auth;
  if (!helper?.client_token || !helper.accessor) throw new VaultCallError('POST', 'auth/token/create', 200, ['token creation returned no auth block']);
  const revokeHelper = () =>
    call({ method: 'POST', path: 'auth/token/revoke-accessor', body: { accessor: helper.accessor } }).catch(() => undefined);
  let wi;
  try {
    const res = await http.send({ ...issueRequest(p), token: helper.client_token, wrapTtlSeconds: p.wrap_ttl_seconds });
    wi = res.wrap_info;
  } catch (err) {
    await revokeHelper();
    throw err;
  }
  if (!wi?.token) {
    await revokeHelper();
    throw new VaultCallError('GET', p.path ?? '', 200, ['wrapped read returned no wrap_info']);
  }
  return {
    credential: { type: 'vault-dynamic', wrap_token: wi.token, wrap_ttl_seconds: wi.ttl, creation_path: wi.creation_path },
    ...effectiveTtl(grant.ttlSeconds, helper.lease_duration),
    revocation: 'revocable',
    revocationData: { kind: 'token', accessor: helper.accessor, wraps: 'dynamic', namespace },
    secretForHash: wi.token,
  };
}
