/**
 * Lease manager for dynamic secrets (Vault's expiration manager).
 *   https://developer.hashicorp.com/vault/docs/concepts/lease
 *   website/content/api-docs/system/leases.mdx
 *
 * - lease ids are `<creation path>/<24 base62 chars>[.<namespace id>]`;
 * - a lease is revoked (secret engine revoke callback) on explicit revoke, at expiry, when the
 *   token that created it is revoked, or by prefix; revoking an unknown or already revoked lease
 *   is a no-op (Vault's revokeCommon returns nil when the entry is gone, so the API answers 204);
 * - renewals are capped at issue time + max TTL, with Vault's "TTL value is capped" warning;
 * - when the secret engine fails to revoke, the lease stays and is retried by the sweeper.
 */
import { VaultError } from './http.js';
import { base62, isoTime, secondsLeft } from './util.js';

export interface SecretRevoker {
  revoke(): Promise<void>;
  /** Called on renewal with the new expiry (ms). */
  renew?(expireAt: number): Promise<void>;
}

export interface LeaseEntry {
  id: string;
  ns: string;
  issueTime: number;
  expireAt: number;
  maxExpireAt: number;
  lastRenewal: number | null;
  renewable: boolean;
  /** Default TTL used when a renewal asks for no increment. */
  defaultTtl: number;
  tokenId: string | null;
  revoker: SecretRevoker;
}

export interface RegisterLeaseInput {
  ns: string;
  idSuffix: string;
  path: string;
  ttl: number;
  maxTtl: number;
  renewable: boolean;
  tokenId: string | null;
  revoker: SecretRevoker;
}

export class LeaseManager {
  private readonly leases = new Map<string, LeaseEntry>();
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly now: () => number) {}

  register(input: RegisterLeaseInput): LeaseEntry {
    const now = this.now();
    const lease: LeaseEntry = {
      id: `${input.path}/${base62(24)}${input.idSuffix}`,
      ns: input.ns,
      issueTime: now,
      expireAt: now + input.ttl * 1000,
      maxExpireAt: now + input.maxTtl * 1000,
      lastRenewal: null,
      renewable: input.renewable,
      defaultTtl: input.ttl,
      tokenId: input.tokenId,
      revoker: input.revoker,
    };
    this.leases.set(lease.id, lease);
    return lease;
  }

  /** A live lease of namespace `ns`; an expired one is revoked on the spot and reported absent. */
  get(ns: string, id: string): LeaseEntry | undefined {
    const lease = this.leases.get(id);
    if (!lease || lease.ns !== ns) return undefined;
    if (lease.expireAt <= this.now()) {
      void this.revoke(id).catch(() => undefined);
      return undefined;
    }
    return lease;
  }

  /** Revokes one lease; idempotent, and concurrent calls share one revocation. */
  revoke(id: string): Promise<void> {
    const pending = this.inFlight.get(id);
    if (pending) return pending;
    const lease = this.leases.get(id);
    if (!lease) return Promise.resolve();
    const p = (async () => {
      try {
        await lease.revoker.revoke();
        this.leases.delete(id);
      } finally {
        this.inFlight.delete(id);
      }
    })();
    this.inFlight.set(id, p);
    return p;
  }

  /** True while the lease is held (even if expired and awaiting revocation). */
  exists(ns: string, id: string): boolean {
    return this.leases.get(id)?.ns === ns;
  }

  async renew(lease: LeaseEntry, increment: number): Promise<{ ttl: number; warnings: string[] }> {
    if (!lease.renewable) throw new VaultError(400, 'lease is not renewable');
    const now = this.now();
    let ttl = increment > 0 ? increment : lease.defaultTtl;
    const warnings: string[] = [];
    if (now + ttl * 1000 > lease.maxExpireAt) {
      const capped = Math.max(0, Math.floor((lease.maxExpireAt - now) / 1000));
      warnings.push(`TTL of "${ttl}s" exceeded the effective max_ttl of "${capped}s"; TTL value is capped accordingly`);
      ttl = capped;
    }
    const expireAt = now + ttl * 1000;
    await lease.revoker.renew?.(expireAt);
    lease.expireAt = expireAt;
    lease.lastRenewal = now;
    return { ttl, warnings };
  }

  /** Revokes every lease created with the given token; failures stay for the sweeper. */
  async revokeByToken(tokenId: string): Promise<void> {
    const owned = [...this.leases.values()].filter((l) => l.tokenId === tokenId);
    await Promise.all(owned.map((l) => this.revokeOrRetryLater(l)));
  }

  /** sys/leases/revoke-prefix: every lease of `ns` whose id starts with `prefix`. */
  async revokePrefix(ns: string, prefix: string): Promise<void> {
    const base = prefix.replace(/\/+$/, '');
    const hit = [...this.leases.values()].filter(
      (l) => l.ns === ns && (l.id === base || l.id.startsWith(`${base}/`) || base === ''),
    );
    for (const l of hit) await this.revoke(l.id);
  }

  /** Revokes every expired lease; a failed revocation is retried at the next sweep. */
  async sweep(): Promise<void> {
    const now = this.now();
    const due = [...this.leases.values()].filter((l) => l.expireAt <= now);
    await Promise.all(due.map((l) => this.revoke(l.id).catch(() => undefined)));
  }

  async revokeAll(): Promise<void> {
    await Promise.all([...this.leases.keys()].map((id) => this.revoke(id).catch(() => undefined)));
  }

  liveCount(): number {
    const now = this.now();
    let n = 0;
    for (const l of this.leases.values()) if (l.expireAt > now) n++;
    return n;
  }

  describe(lease: LeaseEntry): Record<string, unknown> {
    return {
      id: lease.id,
      issue_time: isoTime(lease.issueTime),
      expire_time: isoTime(lease.expireAt),
      last_renewal: lease.lastRenewal === null ? null : isoTime(lease.lastRenewal),
      renewable: lease.renewable,
      ttl: secondsLeft(lease.expireAt, this.now()),
    };
  }

  private async revokeOrRetryLater(lease: LeaseEntry): Promise<void> {
    lease.tokenId = null;
    try {
      await this.revoke(lease.id);
    } catch {
      lease.expireAt = Math.min(lease.expireAt, this.now());
    }
  }
}
