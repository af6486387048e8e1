/**
 * AppRole auth method mounted at `auth/approle/`.
 *   website/content/api-docs/auth/approle.mdx:
 *   POST/GET/DELETE auth/approle/role/:role_name, LIST auth/approle/role,
 *   GET auth/approle/role/:role_name/role-id, POST auth/approle/role/:role_name/secret-id,
 *   POST auth/approle/login {role_id, secret_id} (unauthenticated).
 *
 * Login issues an orphan service token with token_policies (+ default), token_ttl / token_max_ttl /
 * token_num_uses / token_period, metadata {role_name}, display_name "approle". secret_id_ttl and
 * secret_id_num_uses are enforced. Failed logins answer 400 "invalid role or secret ID".
 */
import type { Envelope } from './http.js';
import { envelope, readData, VaultError } from './http.js';
import type { Namespaces } from './namespaces.js';
import { PerNamespace } from './namespaces.js';
import type { RequestCtx, Route } from './router.js';
import type { TokenStore } from './tokens.js';
import { isoTime, optionalBool, optionalInt, optionalString, parseDuration, stringList, stringMap, uuid } from './util.js';

interface AppRole {
  name: string; roleId: string; bindSecretId: boolean; secretIdTtl: number; secretIdNumUses: number;
  tokenPolicies: string[]; tokenTtl: number; tokenMaxTtl: number; tokenNumUses: number; tokenPeriod: number;
}
interface SecretId { role: string; accessor: string; expireAt: number | null; usesLeft: number; meta: Record<string, string> | null; created: number }

export function approleRoutes(deps: { tokens: TokenStore; namespaces: Namespaces; now: () => number }): Route[] {
  const roles = new PerNamespace<Map<string, AppRole>>(() => new Map());
  const secrets = new PerNamespace<Map<string, SecretId>>(() => new Map());
  const roleOf = (ctx: RequestCtx): AppRole => {
    const r = roles.get(ctx.ns).get(ctx.params['role_name'] ?? '');
    if (!r) throw new VaultError(400, `role "${ctx.params['role_name'] ?? ''}" does not exist`);
    return r;
  };

  const writeRole = (ctx: RequestCtx): null => {
    const name = ctx.params['role_name'] ?? '';
    const b = ctx.body;
    const p = roles.get(ctx.ns).get(name);
    roles.get(ctx.ns).set(name, {
      name,
      roleId: optionalString(b['role_id'], 'role_id') ?? p?.roleId ?? uuid(),
      bindSecretId: optionalBool(b['bind_secret_id'], 'bind_secret_id') ?? p?.bindSecretId ?? true,
      secretIdTtl: parseDuration(b['secret_id_ttl'], 'secret_id_ttl') ?? p?.secretIdTtl ?? 0,
      secretIdNumUses: optionalInt(b['secret_id_num_uses'], 'secret_id_num_uses') ?? p?.secretIdNumUses ?? 0,
      tokenPolicies: stringList(b['token_policies'] ?? b['policies'], 'token_policies') ?? p?.tokenPolicies ?? [],
      tokenTtl: parseDuration(b['token_ttl'], 'token_ttl') ?? p?.tokenTtl ?? 0,
      tokenMaxTtl: parseDuration(b['token_max_ttl'], 'token_max_ttl') ?? p?.tokenMaxTtl ?? 0,
      tokenNumUses: optionalInt(b['token_num_uses'], 'token_num_uses') ?? p?.tokenNumUses ?? 0,
      tokenPeriod: parseDuration(b['token_period'] ?? b['period'], 'token_period') ?? p?.tokenPeriod ?? 0,
    });
    return null;
  };

  const readRole = (ctx: RequestCtx): Envelope =>
    readData(roles.get(ctx.ns).get(ctx.params['role_name'] ?? ''), (r) => ({
      bind_secret_id: r.bindSecretId, secret_id_ttl: r.secretIdTtl, secret_id_num_uses: r.secretIdNumUses,
      token_policies: r.tokenPolicies, policies: r.tokenPolicies, token_ttl: r.tokenTtl, token_max_ttl: r.tokenMaxTtl,
      token_num_uses: r.tokenNumUses, token_period: r.tokenPeriod, token_type: 'default', secret_id_bound_cidrs: [],
      token_bound_cidrs: [], token_explicit_max_ttl: 0, token_no_default_policy: false, local_secret_ids: false,
    }));

  const newSecretId = (ctx: RequestCtx): Envelope => {
    const r = roleOf(ctx);
    const secretId = optionalString(ctx.body['secret_id'], 'secret_id') ?? uuid();
    const ttl = parseDuration(ctx.body['ttl'], 'ttl') ?? r.secretIdTtl;
    const uses = optionalInt(ctx.body['num_uses'], 'num_uses') ?? r.secretIdNumUses;
    const now = deps.now();
    const entry: SecretId = {
      role: r.name, accessor: uuid(), expireAt: ttl > 0 ? now + ttl * 1000 : null, usesLeft: uses,
      meta: stringMap(ctx.body['metadata'], 'metadata') ?? null, created: now,
    };
    secrets.get(ctx.ns).set(secretId, entry);
    return envelope({
      data: { secret_id: secretId, secret_id_accessor: entry.accessor, secret_id_ttl: ttl, secret_id_num_uses: uses },
    });
  };

  const login = (ctx: RequestCtx): Envelope => {
    const roleId = optionalString(ctx.body['role_id'], 'role_id') ?? '';
    if (roleId === '') throw new VaultError(400, 'missing role_id');
    const role = [...roles.get(ctx.ns).values()].find((r) => r.roleId === roleId);
    if (!role) throw new VaultError(400, 'invalid role or secret ID');
    if (role.bindSecretId) {
      const sid = optionalString(ctx.body['secret_id'], 'secret_id') ?? '';
      if (sid === '') throw new VaultError(400, 'missing secret_id');
      const entry = secrets.get(ctx.ns).get(sid);
      const expired = entry?.expireAt != null && entry.expireAt <= deps.now();
      if (!entry || entry.role !== role.name || expired) {
        if (entry && expired) secrets.get(ctx.ns).delete(sid);
        throw new VaultError(400, 'invalid role or secret ID');
      }
      if (entry.usesLeft > 0 && --entry.usesLeft === 0) secrets.get(ctx.ns).delete(sid);
    }
    const warnings: string[] = [];
    const token = deps.tokens.create({
      ns: ctx.ns, idSuffix: deps.namespaces.suffix(ctx.ns), policies: [...role.tokenPolicies, 'default'],
      meta: { role_name: role.name }, displayName: 'approle', parent: null, path: 'auth/approle/login',
      numUses: role.tokenNumUses, ttl: role.tokenTtl, explicitMaxTtl: role.tokenMaxTtl, period: role.tokenPeriod,
      renewable: true, warnings,
    });
    return envelope({ auth: deps.tokens.authBlock(token), warnings: warnings.length > 0 ? warnings : null });
  };

  return [
    { path: 'auth/approle/role', list: (ctx) => envelope({ data: { keys: [...roles.get(ctx.ns).keys()].sort() } }) },
    {
      path: 'auth/approle/role/:role_name', read: readRole, write: writeRole,
      delete: (ctx) => (roles.get(ctx.ns).delete(ctx.params['role_name'] ?? ''), null),
      exists: (ctx) => roles.get(ctx.ns).has(ctx.params['role_name'] ?? ''),
    },
    { path: 'auth/approle/role/:role_name/role-id', read: (ctx) => envelope({ data: { role_id: roleOf(ctx).roleId } }) },
    { path: 'auth/approle/role/:role_name/secret-id', write: newSecretId },
    {
      path: 'auth/approle/role/:role_name/secret-id/lookup',
      write: (ctx) => {
        const r = roleOf(ctx);
        const e = secrets.get(ctx.ns).get(optionalString(ctx.body['secret_id'], 'secret_id') ?? '');
        if (!e || e.role !== r.name) return null;
        return envelope({
          data: {
            secret_id_accessor: e.accessor, secret_id_num_uses: e.usesLeft, metadata: e.meta ?? {},
            creation_time: isoTime(e.created), expiration_time: e.expireAt === null ? '0001-01-01T00:00:00Z' : isoTime(e.expireAt),
          },
        });
      },
    },
    { path: 'auth/approle/login', unauthenticated: true, write: login },
  ];
}
