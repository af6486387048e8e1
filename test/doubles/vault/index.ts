/**
 * Vault test double: an HTTP server speaking the subset of HashiCorp Vault's JSON API that
 * Tessera's Vault backend uses (https://developer.hashicorp.com/vault/api-docs), with real token,
 * lease and expiry semantics, and a database engine that creates and drops real PostgreSQL roles.
 *
 * Composition root; each area lives in its own file:
 *   router.ts (pipeline, ACL enforcement), acl.ts + policies.ts (policies), tokens.ts +
 *   token-create.ts + token-routes.ts (auth/token), leases.ts + lease-routes.ts (sys/leases),
 *   database.ts + database-pg.ts (database/), wrapping.ts (response wrapping), approle.ts
 *   (auth/approle), namespaces.ts (X-Vault-Namespace), server.ts (listener, health, faults).
 *
 * WARNING: test use only. Everything is in memory, the root token is handed to whoever starts the
 * double, and `close()` drops every PostgreSQL role the double created.
 */
import { approleRoutes } from './approle.js';
import { databaseRoutes } from './database.js';
import { PgConnections } from './database-pg.js';
import { leaseRoutes } from './lease-routes.js';
import { LeaseManager } from './leases.js';
import { Namespaces } from './namespaces.js';
import { PolicyStore, policyRoutes } from './policies.js';
import { Router } from './router.js';
import type { Fault, SeenRequest } from './server.js';
import { DoubleServer } from './server.js';
import { tokenCreateRoutes } from './token-create.js';
import { tokenRoutes } from './token-routes.js';
import { TokenStore } from './tokens.js';
import { base62 } from './util.js';
import { Wrapping } from './wrapping.js';

export interface VaultDoubleOptions {
  /** Port to listen on (127.0.0.1); default: a free port. */
  port?: number;
  /** Root token id; default: a random `hvs.` token. */
  rootToken?: string;
  /**
   * Admin connection used by a `database/config` written without `connection_url` (real Vault
   * requires one). Default postgres://postgres@127.0.0.1:5432/postgres.
   */
  pgUrl?: string;
  /** Clock in epoch milliseconds (default Date.now); all TTLs and expiries use it. */
  now?: () => number;
  /** How often expired tokens and leases are revoked in the background (ms, default 100). */
  sweepIntervalMs?: number;
}

export interface VaultDouble {
  /** http://127.0.0.1:PORT */
  url: string;
  rootToken: string;
  /**
   * Fault injection: 'none' normal; 'unavailable' every request -> 503 {"errors":["Vault is sealed"]};
   * 'hang' requests never answered (until fault cleared); 'refuse' the listener is closed so
   * connections are refused (re-listen on the SAME port when cleared).
   */
  setFault(mode: Fault): Promise<void>;
  /** Introspection for tests: counts of live leases/tokens, list of requests seen (method, path, namespace header). */
  stats(): { liveLeases: number; liveTokens: number; requests: SeenRequest[] };
  /** Stops the server, revokes every live lease (dropping its PostgreSQL role) and closes PG pools. */
  close(): Promise<void>;
}

export async function startVaultDouble(opts: VaultDoubleOptions = {}): Promise<VaultDouble> {
  const now = opts.now ?? Date.now;
  const namespaces = new Namespaces();
  const policies = new PolicyStore();
  const leases = new LeaseManager(now);
  const pg = new PgConnections();
  const hooks: { wrapping?: Wrapping } = {};
  const tokens = new TokenStore(now, async (t) => {
    hooks.wrapping?.forget(t.id);
    await leases.revokeByToken(t.id);
  });
  const wrapping = new Wrapping(tokens, namespaces);
  hooks.wrapping = wrapping;

  const rootToken = opts.rootToken ?? `hvs.${base62(24)}`;
  tokens.create(
    { ns: '', idSuffix: '', policies: ['root'], displayName: 'root', parent: null, path: 'auth/token/root', renewable: false },
    rootToken,
  );

  const router = new Router({ tokens, policies, namespaces, wrap: (ctx, result, ttl) => wrapping.wrap(ctx, result, ttl) });
  router.add([
    ...policyRoutes(policies),
    ...tokenCreateRoutes({ tokens, policies, namespaces, hasSudo: (t, ns, p) => router.hasCapability(t, ns, p, 'sudo') }),
    ...tokenRoutes(tokens),
    ...leaseRoutes(leases),
    ...wrapping.routes(),
    ...approleRoutes({ tokens, namespaces, now }),
    ...databaseRoutes({
      leases, namespaces, now, pg, defaultPgUrl: opts.pgUrl ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    }),
  ]);

  const server = new DoubleServer(router, now);
  await server.listen(opts.port ?? 0);

  let sweeping = false;
  const sweep = async (): Promise<void> => {
    if (sweeping || server.fault === 'unavailable' || server.fault === 'refuse') return;
    sweeping = true;
    try {
      await tokens.sweep();
      await leases.sweep();
    } catch {
      /* failed revocations stay and are retried at the next sweep */
    } finally {
      sweeping = false;
    }
  };
  const timer = setInterval(() => void sweep(), opts.sweepIntervalMs ?? 100);
  timer.unref();

  return {
    url: server.url,
    rootToken,
    setFault: (mode) => server.setFault(mode),
    stats: () => ({ liveLeases: leases.liveCount(), liveTokens: tokens.liveCount(), requests: [...server.requests] }),
    close: async () => {
      clearInterval(timer);
      await server.close();
      while (sweeping) await new Promise((r) => setTimeout(r, 10));
      await leases.revokeAll();
      await pg.closeAll();
    },
  };
}

export type { Fault, SeenRequest } from './server.js';
