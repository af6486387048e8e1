/**
 * Token store: service tokens, their parent/child tree, TTLs, use counts and revocation.
 *
 * Semantics follow https://developer.hashicorp.com/vault/docs/concepts/tokens and
 * website/content/api-docs/auth/token.mdx:
 * - a token without TTL exists only for the `root` policy; others default to the system default
 *   TTL (768h) capped by the system max (768h) and by `explicit_max_ttl`; periodic tokens use `period`;
 * - a child's TTL is NOT shortened to its parent's (Vault doesn't either), but revoking or expiring a
 *   parent revokes every non-orphan descendant;
 * - `num_uses` counts down per request; the request that uses the last one still succeeds, then the
 *   token is revoked (with its children and leases);
 * - revoking a token revokes the leases created with it (hook `onRevoke`).
 */
import type { AuthBlock } from './http.js';
import { VaultError } from './http.js';
import { base62, isoTime, secondsLeft } from './util.js';

/** Vault's default and maximum lease TTL (32 days). */
export const SYSTEM_MAX_TTL = 768 * 3600;

export interface TokenEntry {
  id: string;
  accessor: string;
  ns: string;
  policies: string[];
  meta: Record<string, string> | null;
  displayName: string;
  parent: string | null;
  path: string;
  /** Remaining uses; 0 = unlimited. */
  numUses: number;
  creationTime: number;
  creationTtl: number;
  /** Current TTL in seconds (0 = never expires). */
  ttl: number;
  expireAt: number | null;
  /** Hard limit for renewals (ms), null = none. */
  maxExpireAt: number | null;
  explicitMaxTtl: number;
  period: number;
  renewable: boolean;
  lastRenewal: number | null;
  /** Last use consumed: invalid from now on, revoked once the current request finishes. */
  exhausted: boolean;
}

export interface CreateTokenInput {
  ns: string;
  idSuffix: string;
  policies: string[];
  meta?: Record<string, string> | undefined;
  displayName: string;
  parent: TokenEntry | null;
  path: string;
  numUses?: number | undefined;
  ttl?: number | undefined;
  explicitMaxTtl?: number | undefined;
  period?: number | undefined;
  renewable?: boolean | undefined;
  /** Warnings produced while computing the TTL are appended here. */
  warnings?: string[];
}

export class TokenStore {
  private readonly byId = new Map<string, TokenEntry>();
  private readonly byAccessor = new Map<string, string>();
  private readonly children = new Map<string, Set<string>>();

  constructor(
    private readonly now: () => number,
    private readonly onRevoke: (token: TokenEntry) => Promise<void>,
  ) {}

  create(input: CreateTokenInput, id?: string): TokenEntry {
    const now = this.now();
    const isRoot = input.policies.includes('root');
    const explicitMax = input.explicitMaxTtl ?? 0;
    const period = input.period ?? 0;
    let ttl = period > 0 ? period : input.ttl ?? 0;
    if (ttl === 0 && !isRoot) ttl = SYSTEM_MAX_TTL;
    if (period === 0 && ttl > SYSTEM_MAX_TTL) {
      input.warnings?.push(`TTL of "${ttl}s" exceeded the effective max_ttl of "${SYSTEM_MAX_TTL}s"; TTL value is capped accordingly`);
      ttl = SYSTEM_MAX_TTL;
    }
    if (explicitMax > 0 && (ttl === 0 || ttl > explicitMax)) {
      if (ttl !== 0) input.warnings?.push(`TTL of "${ttl}s" exceeded the explicit max TTL of "${explicitMax}s"; TTL value is capped accordingly`);
      ttl = explicitMax;
    }
    let maxExpireAt: number | null = null;
    if (explicitMax > 0) maxExpireAt = now + explicitMax * 1000;
    else if (period === 0 && ttl > 0) maxExpireAt = now + SYSTEM_MAX_TTL * 1000;
    const entry: TokenEntry = {
      id: id ?? `hvs.${base62(24)}${input.idSuffix}`,
      accessor: `${base62(24)}${input.idSuffix}`,
      ns: input.ns,
      policies: [...new Set(input.policies)].sort(),
      meta: input.meta && Object.keys(input.meta).length > 0 ? input.meta : null,
      displayName: input.displayName,
      parent: input.parent?.id ?? null,
      path: input.path,
      numUses: input.numUses ?? 0,
      creationTime: now,
      creationTtl: ttl,
      ttl,
      expireAt: ttl > 0 ? now + ttl * 1000 : null,
      maxExpireAt,
      explicitMaxTtl: explicitMax,
      period,
      renewable: input.renewable ?? true,
      lastRenewal: null,
      exhausted: false,
    };
    this.byId.set(entry.id, entry);
    this.byAccessor.set(entry.accessor, entry.id);
    if (entry.parent) {
      const set = this.children.get(entry.parent) ?? new Set<string>();
      set.add(entry.id);
      this.children.set(entry.parent, set);
    }
    return entry;
  }

  /** A usable token, or undefined when unknown, revoked, expired or out of uses. */
  lookup(id: string | undefined): TokenEntry | undefined {
    if (!id) return undefined;
    const t = this.byId.get(id);
    if (!t || t.exhausted) return undefined;
    if (t.expireAt !== null && t.expireAt <= this.now()) {
      void this.revokeTree(t.id).catch(() => undefined);
      return undefined;
    }
    return t;
  }

  lookupAccessor(accessor: string): TokenEntry | undefined {
    return this.lookup(this.byAccessor.get(accessor));
  }

  /** Consumes one use; returns true when that was the last one (caller revokes after the request). */
  use(t: TokenEntry): boolean {
    if (t.numUses === 0) return false;
    t.numUses -= 1;
    if (t.numUses === 0) t.exhausted = true;
    return t.exhausted;
  }

  /** Revokes the token and all its non-orphan descendants (deepest first), and their leases. */
  async revokeTree(id: string): Promise<void> {
    const order: TokenEntry[] = [];
    const visit = (tid: string): void => {
      for (const child of this.children.get(tid) ?? []) visit(child);
      const t = this.byId.get(tid);
      if (t) order.push(t);
    };
    visit(id);
    for (const t of order) {
      if (!this.byId.delete(t.id)) continue;
      this.byAccessor.delete(t.accessor);
      this.children.delete(t.id);
      if (t.parent) this.children.get(t.parent)?.delete(t.id);
      await this.onRevoke(t);
    }
  }

  /** Revokes only this token; its children become orphans (auth/token/revoke-orphan). */
  async revokeOrphan(id: string): Promise<void> {
    for (const child of this.children.get(id) ?? []) {
      const c = this.byId.get(child);
      if (c) c.parent = null;
    }
    this.children.delete(id);
    await this.revokeTree(id);
  }

  accessors(ns: string): string[] {
    return [...this.byId.values()].filter((t) => t.ns === ns && this.lookup(t.id)).map((t) => t.accessor);
  }

  /** Renews `t` by `increment` seconds (0 = its original TTL), capped like Vault; returns warnings. */
  renew(t: TokenEntry, increment: number): string[] {
    if (t.expireAt === null || !t.renewable) throw new VaultError(400, 'lease is not renewable');
    const now = this.now();
    let ttl = t.period > 0 ? t.period : increment > 0 ? increment : t.creationTtl;
    const warnings: string[] = [];
    if (t.maxExpireAt !== null && now + ttl * 1000 > t.maxExpireAt) {
      const capped = Math.max(0, Math.floor((t.maxExpireAt - now) / 1000));
      warnings.push(`TTL of "${ttl}s" exceeded the effective max_ttl of "${capped}s"; TTL value is capped accordingly`);
      ttl = capped;
    }
    t.ttl = ttl;
    t.expireAt = now + ttl * 1000;
    t.lastRenewal = now;
    return warnings;
  }

  /** Revokes every expired token (and its tree). */
  async sweep(): Promise<void> {
    const now = this.now();
    for (const t of [...this.byId.values()]) {
      if (t.expireAt !== null && t.expireAt <= now && this.byId.has(t.id)) await this.revokeTree(t.id);
    }
  }

  liveCount(): number {
    const now = this.now();
    let n = 0;
    for (const t of this.byId.values()) if (!t.exhausted && (t.expireAt === null || t.expireAt > now)) n++;
    return n;
  }

  /** The `auth` block Vault returns when a token is created, logged in or renewed. */
  authBlock(t: TokenEntry): AuthBlock {
    return {
      client_token: t.id,
      accessor: t.accessor,
      policies: t.policies,
      token_policies: t.policies,
      metadata: t.meta,
      lease_duration: t.ttl,
      renewable: t.expireAt !== null && t.renewable,
      entity_id: '',
      token_type: 'service',
      orphan: t.parent === null,
      mfa_requirement: null,
      num_uses: t.numUses,
    };
  }

  /** The `data` of lookup / lookup-self / lookup-accessor. */
  describe(t: TokenEntry, hideId: boolean): Record<string, unknown> {
    const now = this.now();
    return {
      accessor: t.accessor,
      creation_time: Math.floor(t.creationTime / 1000),
      creation_ttl: t.creationTtl,
      display_name: t.displayName,
      entity_id: '',
      expire_time: t.expireAt === null ? null : isoTime(t.expireAt),
      explicit_max_ttl: t.explicitMaxTtl,
      id: hideId ? '' : t.id,
      issue_time: isoTime(t.creationTime),
      last_renewal: t.lastRenewal === null ? undefined : isoTime(t.lastRenewal),
      last_renewal_time: t.lastRenewal === null ? undefined : Math.floor(t.lastRenewal / 1000),
      meta: t.meta,
      num_uses: t.numUses,
      orphan: t.parent === null,
      path: t.path,
      period: t.period > 0 ? t.period : undefined,
      policies: t.policies,
      renewable: t.expireAt !== null && t.renewable,
      ttl: t.expireAt === null ? 0 : secondsLeft(t.expireAt, now),
      type: 'service',
    };
  }
}
