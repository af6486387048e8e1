/**
 * Token creation and token roles.
 *   website/content/api-docs/auth/token.mdx: "Create Token" (auth/token/create, create-orphan,
 *   create/:role_name) and "Create/Update Token Role" (auth/token/roles/:role_name).
 *
 * Rules mirrored from Vault's token store:
 * - without a role, child policies must be a subset of the parent's ("default" ignored) unless the
 *   caller is root or has sudo on the path: 400 "child policies must be subset of parent";
 * - with a role that has allowed_policies, requested policies must be a subset of them (default: all);
 * - `default` is added unless no_default_policy or the token is a root token;
 * - no_parent and period need root/sudo; create-orphan and orphan roles need neither;
 * - display_name becomes "token-<name>" (non [A-Za-z0-9-] characters -> "-").
 */
import type { Envelope } from './http.js';
import { envelope, readData, VaultError, warningsOrNull } from './http.js';
import { PerNamespace } from './namespaces.js';
import type { Namespaces } from './namespaces.js';
import type { PolicyStore } from './policies.js';
import type { RequestCtx, Route } from './router.js';
import type { TokenEntry, TokenStore } from './tokens.js';
import { optionalBool, optionalInt, optionalString, parseDuration, stringList, stringMap } from './util.js';

export interface TokenRole {
  name: string;
  allowedPolicies: string[];
  disallowedPolicies: string[];
  orphan: boolean;
  renewable: boolean;
  pathSuffix: string;
  explicitMaxTtl: number;
  period: number;
  ttl: number;
}

export interface TokenCreateDeps {
  tokens: TokenStore;
  policies: PolicyStore;
  namespaces: Namespaces;
  hasSudo(token: TokenEntry, ns: string, path: string): boolean;
}

const withoutDefault = (p: string[]): string[] => p.filter((x) => x !== 'default');
const subset = (outer: string[], inner: string[]): boolean => inner.every((p) => outer.includes(p));

export function tokenCreateRoutes(deps: TokenCreateDeps): Route[] {
  const roles = new PerNamespace<Map<string, TokenRole>>(() => new Map());

  const create = (ctx: RequestCtx, mode: 'plain' | 'orphan' | 'role'): Envelope => {
    const parent = ctx.token as TokenEntry;
    const b = ctx.body;
    const isRoot = parent.policies.includes('root');
    const isSudo = isRoot || deps.hasSudo(parent, ctx.ns, ctx.path);
    let role: TokenRole | undefined;
    if (mode === 'role') {
      const name = ctx.params['role_name'] ?? '';
      role = roles.get(ctx.ns).get(name);
      if (!role) throw new VaultError(400, `unknown role ${name}`);
    }
    const type = optionalString(b['type'], 'type');
    if (type === 'batch') throw new VaultError(400, 'batch tokens are not supported by this test double');
    let orphan = mode === 'orphan' || (role?.orphan ?? false);
    if (optionalBool(b['no_parent'], 'no_parent')) {
      if (!isSudo) throw new VaultError(400, 'root or sudo privileges required to create orphan token');
      orphan = true;
    }

    const requested = stringList(b['policies'], 'policies') ?? [];
    let policies: string[];
    if (role && role.allowedPolicies.length > 0) {
      policies = requested.length === 0 ? role.allowedPolicies : requested;
      if (!subset(role.allowedPolicies, withoutDefault(policies))) {
        throw new VaultError(400, `token policies (${JSON.stringify(policies)}) must be subset of the role's allowed policies (${JSON.stringify(role.allowedPolicies)})`);
      }
    } else if (requested.length === 0) {
      policies = [...parent.policies];
    } else {
      if (!isSudo && !subset(withoutDefault(parent.policies), withoutDefault(requested))) {
        throw new VaultError(400, 'child policies must be subset of parent');
      }
      policies = requested;
    }
    if (role && policies.some((p) => role.disallowedPolicies.includes(p))) {
      throw new VaultError(400, `token policy is disallowed by this role`);
    }
    if (policies.includes('root') && !isRoot) {
      throw new VaultError(400, 'root tokens may not be created without parent token being root');
    }
    if (!policies.includes('root') && !optionalBool(b['no_default_policy'], 'no_default_policy')) {
      if (!role?.disallowedPolicies.includes('default')) policies.push('default');
    }
    if (policies.length === 0) throw new VaultError(400, 'token must have at least one policy');

    let period = parseDuration(b['period'], 'period') ?? 0;
    if (period > 0 && !isSudo && !role) throw new VaultError(400, 'root or sudo privileges required to create periodic token');
    if (role && role.period > 0) period = role.period;
    let explicitMax = parseDuration(b['explicit_max_ttl'], 'explicit_max_ttl') ?? 0;
    if (role && role.explicitMaxTtl > 0) explicitMax = explicitMax > 0 ? Math.min(explicitMax, role.explicitMaxTtl) : role.explicitMaxTtl;
    const ttl = parseDuration(b['ttl'] ?? b['lease'], 'ttl') ?? role?.ttl ?? 0;
    let renewable = optionalBool(b['renewable'], 'renewable') ?? true;
    if (role && !role.renewable) renewable = false;

    const id = optionalString(b['id'], 'id');
    if (id !== undefined && id !== '') {
      if (!isRoot) throw new VaultError(400, 'root or sudo privileges required to specify token id');
      if (id.includes('.')) throw new VaultError(400, 'token IDs can not contain a period');
    }
    const displayRaw = optionalString(b['display_name'], 'display_name') ?? '';
    const displayName = displayRaw === '' ? 'token' : `token-${displayRaw}`.replace(/[^a-zA-Z0-9-]/g, '-').replace(/-+$/, '');
    const path =
      mode === 'role' ? `auth/token/create/${role?.name ?? ''}${role?.pathSuffix ? `/${role.pathSuffix}` : ''}`
      : mode === 'orphan' ? 'auth/token/create-orphan'
      : 'auth/token/create';

    const warnings: string[] = [];
    for (const p of [...new Set(policies)].sort()) {
      if (p !== 'root' && p !== 'default' && !deps.policies.get(ctx.ns, p)) warnings.push(`Policy "${p}" does not exist`);
    }
    const token = deps.tokens.create(
      {
        ns: ctx.ns,
        idSuffix: deps.namespaces.suffix(ctx.ns),
        policies,
        meta: stringMap(b['meta'] ?? b['metadata'], 'meta'),
        displayName,
        parent: orphan ? null : parent,
        path,
        numUses: optionalInt(b['num_uses'], 'num_uses'),
        ttl,
        explicitMaxTtl: explicitMax,
        period,
        renewable,
        warnings,
      },
      id === '' ? undefined : id,
    );
    return envelope({ auth: deps.tokens.authBlock(token), warnings: warningsOrNull(warnings) });
  };

  const writeRole = (ctx: RequestCtx): null => {
    const name = ctx.params['role_name'] ?? '';
    const b = ctx.body;
    const prev = roles.get(ctx.ns).get(name);
    roles.get(ctx.ns).set(name, {
      name,
      allowedPolicies: stringList(b['allowed_policies'], 'allowed_policies') ?? prev?.allowedPolicies ?? [],
      disallowedPolicies: stringList(b['disallowed_policies'], 'disallowed_policies') ?? prev?.disallowedPolicies ?? [],
      orphan: optionalBool(b['orphan'], 'orphan') ?? prev?.orphan ?? false,
      renewable: optionalBool(b['renewable'], 'renewable') ?? prev?.renewable ?? true,
      pathSuffix: optionalString(b['path_suffix'], 'path_suffix') ?? prev?.pathSuffix ?? '',
      explicitMaxTtl:
        parseDuration(b['token_explicit_max_ttl'] ?? b['explicit_max_ttl'], 'token_explicit_max_ttl') ?? prev?.explicitMaxTtl ?? 0,
      period: parseDuration(b['token_period'] ?? b['period'], 'token_period') ?? prev?.period ?? 0,
      ttl: parseDuration(b['token_ttl'], 'token_ttl') ?? prev?.ttl ?? 0,
    });
    return null;
  };

  const readRole = (ctx: RequestCtx): Envelope =>
    readData(roles.get(ctx.ns).get(ctx.params['role_name'] ?? ''), (r) => ({
      name: r.name,
      allowed_policies: r.allowedPolicies,
      disallowed_policies: r.disallowedPolicies,
      orphan: r.orphan,
      renewable: r.renewable,
      path_suffix: r.pathSuffix,
      explicit_max_ttl: r.explicitMaxTtl,
      token_explicit_max_ttl: r.explicitMaxTtl,
      period: r.period,
      token_period: r.period,
      token_ttl: r.ttl,
      token_type: 'default-service',
    }));

  return [
    { path: 'auth/token/create', write: (ctx) => create(ctx, 'plain') },
    { path: 'auth/token/create-orphan', write: (ctx) => create(ctx, 'orphan') },
    { path: 'auth/token/create/:role_name', write: (ctx) => create(ctx, 'role') },
    { path: 'auth/token/roles', list: (ctx) => envelope({ data: { keys: [...roles.get(ctx.ns).keys()].sort() } }) },
    {
      path: 'auth/token/roles/:role_name',
      read: readRole,
      write: writeRole,
      delete: (ctx) => (roles.get(ctx.ns).delete(ctx.params['role_name'] ?? ''), null),
      exists: (ctx) => roles.get(ctx.ns).has(ctx.params['role_name'] ?? ''),
    },
  ];
}
