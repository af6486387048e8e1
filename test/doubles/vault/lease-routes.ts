/**
 * sys/leases endpoints.
 *   website/content/api-docs/system/leases.mdx
 *   (PUT sys/leases/lookup, sys/leases/renew, sys/leases/revoke, sys/leases/revoke-prefix/:prefix;
 *   the older sys/renew, sys/revoke and sys/revoke-prefix aliases are accepted too)
 *
 * Answers as in vault/logical_system.go + vault/expiration.go:
 * - lookup: 400 "lease_id must be specified" / 400 "invalid lease";
 * - renew: 400 "lease not found" for unknown or revoked leases, otherwise the lease envelope;
 * - revoke: 204 — also for a lease that is unknown or already revoked (revokeCommon is a no-op then);
 *   when the secrets engine fails to revoke, 400 "failed to revoke entry: ..." and the lease stays.
 * Leases are only visible from the namespace they were created in.
 */
import { envelope, VaultError, warningsOrNull } from './http.js';
import type { LeaseManager } from './leases.js';
import type { RequestCtx, Route } from './router.js';
import { optionalString, parseDuration } from './util.js';

export function leaseRoutes(leases: LeaseManager): Route[] {
  const leaseId = (ctx: RequestCtx): string => {
    const id = optionalString(ctx.body['lease_id'], 'lease_id') ?? ctx.params['lease_id'] ?? '';
    if (id === '') throw new VaultError(400, 'lease_id must be specified');
    return id;
  };

  const lookup = (ctx: RequestCtx) => {
    const lease = leases.get(ctx.ns, leaseId(ctx));
    if (!lease) throw new VaultError(400, 'invalid lease');
    return envelope({ data: leases.describe(lease) });
  };

  const renew = async (ctx: RequestCtx) => {
    const lease = leases.get(ctx.ns, leaseId(ctx));
    if (!lease) throw new VaultError(400, 'lease not found');
    const { ttl, warnings } = await leases.renew(lease, parseDuration(ctx.body['increment'], 'increment') ?? 0);
    return envelope({ lease_id: lease.id, renewable: lease.renewable, lease_duration: ttl, warnings: warningsOrNull(warnings) });
  };

  const revoke = async (ctx: RequestCtx) => {
    const id = leaseId(ctx);
    if (!leases.exists(ctx.ns, id)) return null;
    try {
      await leases.revoke(id);
    } catch (err) {
      throw new VaultError(400, `failed to revoke entry: ${err instanceof Error ? err.message : String(err)}`);
    }
    return null;
  };

  const revokePrefix = async (ctx: RequestCtx) => {
    try {
      await leases.revokePrefix(ctx.ns, ctx.params['prefix'] ?? '');
    } catch (err) {
      throw new VaultError(400, `failed to revoke prefix: ${err instanceof Error ? err.message : String(err)}`);
    }
    return null;
  };

  return [
    { path: 'sys/leases/lookup', write: lookup },
    { path: 'sys/leases/renew', write: renew },
    { path: 'sys/leases/renew/*lease_id', write: renew },
    { path: 'sys/renew', write: renew },
    { path: 'sys/renew/*lease_id', write: renew },
    { path: 'sys/leases/revoke', write: revoke },
    { path: 'sys/leases/revoke/*lease_id', write: revoke },
    { path: 'sys/revoke/*lease_id', write: revoke },
    { path: 'sys/leases/revoke-prefix/*prefix', sudo: true, write: revokePrefix },
    { path: 'sys/revoke-prefix/*prefix', sudo: true, write: revokePrefix },
  ];
}
