/**
 * Database secrets engine mounted at `database/` (PostgreSQL plugin only).
 *   website/content/api-docs/secret/databases/index.mdx:
 *   database/config/:name (POST/GET/DELETE, LIST database/config), database/roles/:name
 *   (POST/GET/DELETE, LIST database/roles), GET database/creds/:name.
 *
 * Creds: username from Vault's default template
 *   v-{{display_name|truncate 8}}-{{role|truncate 8}}-{{random 20}}-{{unix_time}} (truncated to 63),
 * a password shaped like Vault's default policy, VALID UNTIL = lease expiry + 5 s (as Vault does),
 * lease id `database/creds/<role>/<random>`, renewable, TTL = default_ttl (else 768h) capped by
 * max_ttl. Errors: unknown role 400 "unknown role: x"; role not in allowed_roles 400
 * "\"x\" is not an allowed role"; missing connection 500.
 */
import type { Envelope } from './http.js';
import { envelope, notFound, readData, VaultError } from './http.js';
import type { LeaseManager } from './leases.js';
import type { Namespaces } from './namespaces.js';
import { PerNamespace } from './namespaces.js';
import type { RequestCtx, Route } from './router.js';
import type { TokenEntry } from './tokens.js';
import { SYSTEM_MAX_TTL } from './tokens.js';
import {
  DEFAULT_RENEW_STATEMENT, deleteUser, pgExpiration, PgConnections, runStatements, verifyConnection,
} from './database-pg.js';
import { base62, optionalBool, optionalString, parseDuration, password, stringList } from './util.js';

interface DbConfig { name: string; pluginName: string; connectionUrl: string; username: string; password: string; allowedRoles: string[]; key: string }
interface DbRole { name: string; dbName: string; defaultTtl: number; maxTtl: number; creation: string[]; revocation: string[]; renew: string[]; rollback: string[] }

/** Statement lists: a JSON array, a JSON-array string, a base64 string of either, or one SQL string. */
function statements(value: unknown, field: string): string[] | undefined {
  if (typeof value === 'string') {
    let text = value.trim();
    if (text !== '' && /^[A-Za-z0-9+/]+={0,2}$/.test(text)) text = Buffer.from(text, 'base64').toString('utf8');
    if (text.startsWith('[')) {
      try {
        return stringList(JSON.parse(text), field);
      } catch {
        /* plain SQL that starts with "[" */
      }
    }
    return text === '' ? [] : [text];
  }
  return stringList(value, field);
}

const allowed = (patterns: string[], role: string): boolean =>
  patterns.some((p) => p === '*' || p === role || (p.endsWith('*') && role.startsWith(p.slice(0, -1))));

export interface DatabaseDeps { leases: LeaseManager; namespaces: Namespaces; now: () => number; defaultPgUrl: string; pg: PgConnections }

export function databaseRoutes(deps: DatabaseDeps): Route[] {
  const configs = new PerNamespace<Map<string, DbConfig>>(() => new Map());
  const roles = new PerNamespace<Map<string, DbRole>>(() => new Map());
  let generation = 0;

  const poolFor = (ns: string, dbName: string) => {
    const cfg = configs.get(ns).get(dbName);
    if (!cfg) throw new VaultError(500, `failed to find entry for connection with name: "${dbName}"`);
    return deps.pg.pool(cfg.key, cfg);
  };

  const writeConfig = async (ctx: RequestCtx): Promise<null> => {
    const name = ctx.params['name'] ?? '';
    const b = ctx.body;
    const prev = configs.get(ctx.ns).get(name);
    const pluginName = optionalString(b['plugin_name'], 'plugin_name') ?? prev?.pluginName ?? '';
    if (pluginName === '') throw new VaultError(400, 'empty plugin name');
    if (pluginName !== 'postgresql-database-plugin') throw new VaultError(400, `unsupported plugin "${pluginName}" (the test double only has postgresql-database-plugin)`);
    const cfg: DbConfig = {
      name,
      pluginName,
      connectionUrl: optionalString(b['connection_url'], 'connection_url') ?? prev?.connectionUrl ?? deps.defaultPgUrl,
      username: optionalString(b['username'], 'username') ?? prev?.username ?? '',
      password: optionalString(b['password'], 'password') ?? prev?.password ?? '',
      allowedRoles: stringList(b['allowed_roles'], 'allowed_roles') ?? prev?.allowedRoles ?? [],
      key: `${ctx.ns}|${name}|${++generation}`,
    };
    if (optionalBool(b['verify_connection'], 'verify_connection') ?? true) {
      try {
        await verifyConnection(deps.pg.pool(cfg.key, cfg));
      } catch (err) {
        await deps.pg.drop(cfg.key);
        throw new VaultError(400, `error creating database object: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    configs.get(ctx.ns).set(name, cfg);
    if (prev) await deps.pg.drop(prev.key);
    return null;
  };

  const readConfig = (ctx: RequestCtx): Envelope =>
    readData(configs.get(ctx.ns).get(ctx.params['name'] ?? ''), (c) => ({
      plugin_name: c.pluginName,
      connection_details: { connection_url: c.connectionUrl, username: c.username },
      allowed_roles: c.allowedRoles,
      root_credentials_rotate_statements: [],
      password_policy: '',
      plugin_version: '',
      verify_connection: true,
    }));

  const writeRole = (ctx: RequestCtx): null => {
    const name = ctx.params['name'] ?? '';
    const b = ctx.body;
    const prev = roles.get(ctx.ns).get(name);
    const role: DbRole = {
      name,
      dbName: optionalString(b['db_name'], 'db_name') ?? prev?.dbName ?? '',
      defaultTtl: parseDuration(b['default_ttl'], 'default_ttl') ?? prev?.defaultTtl ?? 0,
      maxTtl: parseDuration(b['max_ttl'], 'max_ttl') ?? prev?.maxTtl ?? 0,
      creation: statements(b['creation_statements'], 'creation_statements') ?? prev?.creation ?? [],
      revocation: statements(b['revocation_statements'], 'revocation_statements') ?? prev?.revocation ?? [],
      renew: statements(b['renew_statements'], 'renew_statements') ?? prev?.renew ?? [],
      rollback: statements(b['rollback_statements'], 'rollback_statements') ?? prev?.rollback ?? [],
    };
    if (role.dbName === '') throw new VaultError(400, 'empty database name attribute');
    if (role.creation.length === 0) throw new VaultError(400, 'empty creation statements');
    roles.get(ctx.ns).set(name, role);
    return null;
  };

  const readRole = (ctx: RequestCtx): Envelope =>
    readData(roles.get(ctx.ns).get(ctx.params['name'] ?? ''), (r) => ({
      db_name: r.dbName, default_ttl: r.defaultTtl, max_ttl: r.maxTtl, creation_statements: r.creation,
      revocation_statements: r.revocation, renew_statements: r.renew, rollback_statements: r.rollback,
      credential_type: 'password',
    }));

  const creds = async (ctx: RequestCtx): Promise<Envelope> => {
    const name = ctx.params['name'] ?? '';
    const role = roles.get(ctx.ns).get(name);
    if (!role) throw new VaultError(400, `unknown role: ${name}`);
    const cfg = configs.get(ctx.ns).get(role.dbName);
    if (!cfg) throw new VaultError(500, `failed to find entry for connection with name: "${role.dbName}"`);
    if (!allowed(cfg.allowedRoles, name)) throw new VaultError(400, `"${name}" is not an allowed role`);
    const maxTtl = role.maxTtl > 0 ? Math.min(role.maxTtl, SYSTEM_MAX_TTL) : SYSTEM_MAX_TTL;
    const ttl = Math.min(role.defaultTtl > 0 ? role.defaultTtl : SYSTEM_MAX_TTL, maxTtl);
    const now = deps.now();
    const token = ctx.token as TokenEntry;
    const username = `v-${token.displayName.slice(0, 8)}-${name.slice(0, 8)}-${base62(20)}-${Math.floor(now / 1000)}`.slice(0, 63);
    const pw = password();
    const vars = { name: username, username, password: pw, expiration: pgExpiration(now + (ttl + 5) * 1000) };
    try {
      await runStatements(deps.pg.pool(cfg.key, cfg), role.creation, vars);
    } catch (err) {
      throw new VaultError(500, `1 error occurred:\n\t* failed to execute query: ${err instanceof Error ? err.message : String(err)}\n\n`);
    }
    const ns = ctx.ns;
    const lease = deps.leases.register({
      ns,
      idSuffix: deps.namespaces.suffix(ns),
      path: `database/creds/${name}`,
      ttl,
      maxTtl,
      renewable: true,
      tokenId: token.id,
      revoker: {
        revoke: () => deleteUser(poolFor(ns, cfg.name), username, roles.get(ns).get(name)?.revocation ?? []),
        renew: (expireAt) => {
          const current = roles.get(ns).get(name)?.renew ?? [];
          const stmts = current.length > 0 ? current : [DEFAULT_RENEW_STATEMENT];
          return runStatements(poolFor(ns, cfg.name), stmts, { name: username, username, expiration: pgExpiration(expireAt + 5000) });
        },
      },
    });
    return envelope({
      lease_id: lease.id, renewable: true, lease_duration: ttl, data: { username, password: pw }, mount_type: 'database',
    });
  };

  const list = <T>(m: PerNamespace<Map<string, T>>) => (ctx: RequestCtx): Envelope => {
    const keys = [...m.get(ctx.ns).keys()].sort();
    if (keys.length === 0) throw notFound();
    return envelope({ data: { keys } });
  };
  const has = <T>(m: PerNamespace<Map<string, T>>) => (ctx: RequestCtx): boolean => m.get(ctx.ns).has(ctx.params['name'] ?? '');

  return [
    { path: 'database/config', list: list(configs) },
    {
      path: 'database/config/:name', read: readConfig, write: writeConfig, exists: has(configs),
      delete: async (ctx) => {
        const c = configs.get(ctx.ns).get(ctx.params['name'] ?? '');
        configs.get(ctx.ns).delete(ctx.params['name'] ?? '');
        if (c) await deps.pg.drop(c.key);
        return null;
      },
    },
    { path: 'database/roles', list: list(roles) },
    {
      path: 'database/roles/:name', read: readRole, write: writeRole, exists: has(roles),
      delete: (ctx) => (roles.get(ctx.ns).delete(ctx.params['name'] ?? ''), null),
    },
    { path: 'database/creds/:name', read: creds },
  ];
}
