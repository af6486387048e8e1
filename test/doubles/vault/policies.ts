/**
 * ACL policy store and its endpoints.
 *   website/content/api-docs/system/policies.mdx  (sys/policies/acl/:name: GET, POST/PUT {"policy"}, DELETE, LIST)
 *   website/content/api-docs/system/policy.mdx    (legacy sys/policy/:name, {"policy"} or {"rules"})
 *
 * `root` cannot be written or deleted, `default` can be rewritten but not deleted (as in Vault).
 * Policies are per namespace; the built-in `response-wrapping` policy is global.
 */
import type { Capability, Policy } from './acl.js';
import { capabilitiesFor, DEFAULT_POLICY_HCL, parsePolicy, RESPONSE_WRAPPING_POLICY } from './acl.js';
import type { Envelope } from './http.js';
import { envelope, notFound, VaultError } from './http.js';
import { PerNamespace } from './namespaces.js';
import type { RequestCtx, Route } from './router.js';

export class PolicyStore {
  private readonly byNs = new PerNamespace<Map<string, Policy>>(
    () => new Map([['default', parsePolicy('default', DEFAULT_POLICY_HCL)]]),
  );

  get(ns: string, name: string): Policy | undefined {
    return this.byNs.get(ns).get(name.toLowerCase());
  }

  names(ns: string): string[] {
    return ['root', ...[...this.byNs.get(ns).keys()].sort()];
  }

  put(ns: string, name: string, raw: string): void {
    const lower = name.toLowerCase();
    if (lower === 'root') throw new VaultError(400, 'cannot update "root" policy');
    if (lower === 'response-wrapping') throw new VaultError(400, 'cannot update "response-wrapping" policy');
    this.byNs.get(ns).set(lower, parsePolicy(lower, raw));
  }

  delete(ns: string, name: string): void {
    const lower = name.toLowerCase();
    if (lower === 'root' || lower === 'default') throw new VaultError(400, `cannot delete "${lower}" policy`);
    this.byNs.get(ns).delete(lower);
  }

  /** Policy objects for a token's policy names (unknown names contribute nothing, as in Vault). */
  resolve(ns: string, names: string[]): Policy[] {
    const out: Policy[] = [];
    for (const n of names) {
      if (n === 'response-wrapping') out.push(RESPONSE_WRAPPING_POLICY);
      const p = this.get(ns, n);
      if (p) out.push(p);
    }
    return out;
  }

  capabilities(policies: Policy[], path: string): Set<Capability> {
    return capabilitiesFor(policies, path);
  }
}

function policyText(ctx: RequestCtx, legacy: boolean): string {
  const raw = ctx.body['policy'] ?? (legacy ? ctx.body['rules'] : undefined);
  if (typeof raw !== 'string' || raw.trim() === '') throw new VaultError(400, "'policy' parameter not supplied or empty");
  // Vault also accepts the policy base64-encoded.
  if (!raw.includes('"') && /^[A-Za-z0-9+/=\s]+$/.test(raw)) return Buffer.from(raw, 'base64').toString('utf8');
  return raw;
}

export function policyRoutes(store: PolicyStore): Route[] {
  const read = (ctx: RequestCtx, legacy: boolean): Envelope => {
    const name = ctx.params['name'] ?? '';
    if (name === 'root') return envelope({ data: { name: 'root', policy: '', rules: legacy ? '' : undefined } });
    const p = store.get(ctx.ns, name);
    if (!p) throw notFound();
    return envelope({ data: legacy ? { name: p.name, rules: p.raw } : { name: p.name, policy: p.raw } });
  };
  const exists = (ctx: RequestCtx): boolean => store.get(ctx.ns, ctx.params['name'] ?? '') !== undefined;
  const write = (legacy: boolean) => (ctx: RequestCtx): null => {
    store.put(ctx.ns, ctx.params['name'] ?? '', policyText(ctx, legacy));
    return null;
  };
  const del = (ctx: RequestCtx): null => {
    store.delete(ctx.ns, ctx.params['name'] ?? '');
    return null;
  };
  return [
    { path: 'sys/policies/acl', list: (ctx) => envelope({ data: { keys: store.names(ctx.ns) } }) },
    { path: 'sys/policies/acl/:name', read: (c) => read(c, false), write: write(false), delete: del, exists },
    {
      path: 'sys/policy',
      read: (ctx) => envelope({ data: { keys: store.names(ctx.ns), policies: store.names(ctx.ns) } }),
    },
    { path: 'sys/policy/:name', read: (c) => read(c, true), write: write(true), delete: del, exists },
  ];
}
