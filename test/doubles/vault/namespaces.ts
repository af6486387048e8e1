/**
 * Namespaces (Vault Enterprise): the `X-Vault-Namespace` header selects an isolated tenant with its
 * own policies, auth roles, secrets-engine configuration, tokens and leases.
 *   https://developer.hashicorp.com/vault/docs/enterprise/namespaces
 *   https://developer.hashicorp.com/vault/api-docs#namespaces
 *
 * A token is valid in the namespace it was created in and in that namespace's children (paths are
 * then checked against its policies with the child's relative prefix, e.g. `team-a/database/creds/x`),
 * never in a parent or sibling namespace. Tokens, accessors and lease ids created in a child
 * namespace carry a `.<namespace id>` suffix like Vault's.
 *
 * Deviation: namespaces are created implicitly on first use (real Vault needs `sys/namespaces/:path`).
 */
import { base62 } from './util.js';

export interface Namespace {
  /** '' for the root namespace, otherwise e.g. 'team-a' or 'team-a/dev' (no slashes at the ends). */
  path: string;
  /** Short id appended to identifiers created in this namespace ('' for root). */
  id: string;
}

export function normalizeNamespace(raw: string | undefined): string {
  return (raw ?? '').trim().replace(/^\/+|\/+$/g, '');
}

/** True when a token created in `owner` may be used in `target`. */
export function namespaceCovers(owner: string, target: string): boolean {
  return owner === '' || owner === target || target.startsWith(`${owner}/`);
}

/** The path prefix (with trailing slash) of `target` relative to `owner`, '' when equal. */
export function relativePrefix(owner: string, target: string): string {
  if (owner === target) return '';
  const rel = owner === '' ? target : target.slice(owner.length + 1);
  return `${rel}/`;
}

export class Namespaces {
  private readonly byPath = new Map<string, Namespace>([['', { path: '', id: '' }]]);

  get(path: string): Namespace {
    let ns = this.byPath.get(path);
    if (!ns) {
      ns = { path, id: base62(5) };
      this.byPath.set(path, ns);
    }
    return ns;
  }

  /** Suffix to append to ids created in `path` ('' in root). */
  suffix(path: string): string {
    const id = this.get(path).id;
    return id === '' ? '' : `.${id}`;
  }
}

/** A map of per-namespace state, created lazily. */
export class PerNamespace<T> {
  private readonly states = new Map<string, T>();
  constructor(private readonly create: () => T) {}

  get(ns: string): T {
    let s = this.states.get(ns);
    if (s === undefined) {
      s = this.create();
      this.states.set(ns, s);
    }
    return s;
  }
}
