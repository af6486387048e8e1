import type { VaultProfile } from './config.js';
import { tokenCreatePath } from './token-mint.js';

/**
 * The least-privilege Vault ACL policy Tessera's own identity needs for a set of Vault profiles
 * (https://developer.hashicorp.com/vault/docs/concepts/policies): its own token upkeep, the dynamic
 * paths it issues from, the token-creation endpoints its token profiles use, and the two revocation
 * endpoints. Nothing else: no sudo, no `sys/leases/revoke-prefix`, no listing.
 */
export function tesseraPolicyHcl(profiles: Record<string, VaultProfile>): string {
  const rules = new Map<string, Set<string>>();
  const allow = (path: string, ...caps: string[]): void => {
    const set = rules.get(path) ?? new Set<string>();
    for (const c of caps) set.add(c);
    rules.set(path, set);
  };
  allow('auth/token/lookup-self', 'read');
  allow('auth/token/renew-self', 'update');
  for (const p of Object.values(profiles)) {
    if (p.kind === 'dynamic' && p.path) {
      if (p.params) allow(p.path, 'create', 'update');
      else allow(p.path, 'read');
      if (p.wrap_ttl_seconds !== undefined) {
        // wrapped: read through a per-lease helper token, revoked by accessor (see dynamic-mint.ts)
        allow('auth/token/create', 'create', 'update');
        allow('auth/token/revoke-accessor', 'update');
      } else {
        allow('sys/leases/revoke', 'update');
      }
    }
    if (p.kind === 'token') {
      allow(tokenCreatePath(p), 'create', 'update');
      allow('auth/token/revoke-accessor', 'update');
    }
  }
  const order = ['create', 'read', 'update'];
  return [...rules]
    .map(([path, caps]) => {
      const list = [...caps].sort((a, b) => order.indexOf(a) - order.indexOf(b)).map((c) => `"${c}"`).join(', ');
      return `path "${path}" {\n  capabilities = [${list}]\n}`;
    })
    .join('\n\n')
    .concat('\n');
}
