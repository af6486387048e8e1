/**
 * Request pipeline of the double, in Vault's order (vault/request_handling.go, http/handler.go):
 * parse -> resolve token (403 "permission denied" when missing, unknown, expired, used up or from
 * another namespace) -> ACL check of the operation on the path (403) -> route (404 {"errors":[]}
 * for unknown paths, 405 for unsupported operations) -> consume one token use -> handler ->
 * response wrapping when `X-Vault-Wrap-TTL` is set -> revoke the token if that was its last use.
 *
 * Operations: https://developer.hashicorp.com/vault/docs/concepts/policies#capabilities
 * (GET = read, GET ?list=true or LIST = list, POST/PUT = create when the target does not exist and
 * the route has an existence check, update otherwise; DELETE = delete).
 */
import type { Envelope, RequestLike } from './http.js';
import { header, notFound, permissionDenied, readJsonBody, VaultError } from './http.js';
import type { TokenEntry, TokenStore } from './tokens.js';
import type { PolicyStore } from './policies.js';
import type { Namespaces } from './namespaces.js';
import { namespaceCovers, normalizeNamespace, relativePrefix } from './namespaces.js';
import { parseDuration } from './util.js';

export type Op = 'read' | 'list' | 'create' | 'update' | 'delete';

export interface RequestCtx {
  op: Op;
  path: string;
  ns: string;
  body: Record<string, unknown>;
  query: URLSearchParams;
  params: Record<string, string>;
  /** The calling token (null only on unauthenticated routes called without one). */
  token: TokenEntry | null;
  headerToken: string | undefined;
}

export type Handler = (ctx: RequestCtx) => Promise<Envelope | null> | Envelope | null;

export interface Route {
  /** Segments; `:name` matches one segment, a final `*name` matches the rest. */
  path: string;
  read?: Handler;
  list?: Handler;
  write?: Handler;
  delete?: Handler;
  unauthenticated?: boolean;
  /** Root-protected path: non-root callers also need `sudo`. */
  sudo?: boolean;
  /** Existence check: writes to a missing target need `create`, otherwise `update`. */
  exists?: (ctx: RequestCtx) => boolean;
  /** Error to answer instead of 403 when the header token is not usable (sys/wrapping/unwrap). */
  invalidToken?: (ctx: RequestCtx) => VaultError | undefined;
}

export interface Reply {
  status: number;
  body?: unknown;
}

export interface RouterDeps {
  tokens: TokenStore;
  policies: PolicyStore;
  namespaces: Namespaces;
  wrap(ctx: RequestCtx, result: Envelope, ttl: number): Envelope;
}

export class Router {
  private readonly routes: Route[] = [];

  constructor(private readonly deps: RouterDeps) {}

  add(routes: Route[]): void {
    this.routes.push(...routes);
  }

  async handle(req: RequestLike): Promise<Reply> {
    try {
      return await this.dispatch(req);
    } catch (err) {
      if (err instanceof VaultError) return { status: err.status, body: { errors: err.errors } };
      const msg = err instanceof Error ? err.message : String(err);
      return { status: 500, body: { errors: [`1 error occurred:\n\t* ${msg}\n\n`] } };
    }
  }

  private async dispatch(req: RequestLike): Promise<Reply> {
    const url = new URL(req.url ?? '/', 'http://vault.local');
    if (!url.pathname.startsWith('/v1/')) throw notFound();
    const path = decodeURIComponent(url.pathname.slice(4)).replace(/^\/+/, '');
    const method = (req.method ?? 'GET').toUpperCase();
    const listQuery = ['true', '1'].includes(url.searchParams.get('list') ?? '');
    const kind =
      method === 'LIST' || (method === 'GET' && listQuery) ? 'list'
      : method === 'GET' ? 'read'
      : method === 'POST' || method === 'PUT' ? 'write'
      : method === 'DELETE' ? 'delete'
      : undefined;
    if (!kind) throw new VaultError(405, 'unsupported operation');
    const body = await readJsonBody(req);
    const ns = normalizeNamespace(header(req, 'x-vault-namespace'));
    this.deps.namespaces.get(ns);
    const bearer = header(req, 'authorization')?.replace(/^Bearer\s+/i, '');
    const headerToken = header(req, 'x-vault-token') ?? bearer;
    const found = this.match(path.replace(/\/+$/, ''));
    const ctx: RequestCtx = {
      op: kind === 'write' ? 'update' : kind,
      path,
      ns,
      body,
      query: url.searchParams,
      params: found?.params ?? {},
      token: null,
      headerToken,
    };
    const route = found?.route;
    const candidate = this.deps.tokens.lookup(headerToken);
    const token = candidate && namespaceCovers(candidate.ns, ns) ? candidate : undefined;
    if (token) ctx.token = token;
    else if (!route?.unauthenticated) throw route?.invalidToken?.(ctx) ?? permissionDenied();

    if (kind === 'write' && route?.exists && !route.exists(ctx)) ctx.op = 'create';
    if (!route?.unauthenticated && token) this.authorize(token, ctx, route?.sudo ?? false);
    if (!route) throw notFound();
    const handler = route[kind];
    if (!handler) throw new VaultError(405, 'unsupported operation');

    const lastUse = token && !route.unauthenticated ? this.deps.tokens.use(token) : false;
    try {
      let result = await handler(ctx);
      const wrapHeader = header(req, 'x-vault-wrap-ttl');
      if (result && wrapHeader !== undefined) {
        const ttl = parseDuration(wrapHeader, 'X-Vault-Wrap-TTL');
        if (!ttl) throw new VaultError(400, 'error parsing X-Vault-Wrap-TTL header: must be a positive duration');
        result = this.deps.wrap(ctx, result, ttl);
      }
      return result ? { status: 200, body: result } : { status: 204 };
    } finally {
      if (lastUse && token) await this.deps.tokens.revokeTree(token.id);
    }
  }

  /** 403 unless the token's policies grant the operation (and sudo on root-protected paths). */
  private authorize(token: TokenEntry, ctx: RequestCtx, sudo: boolean): void {
    if (token.policies.includes('root')) return;
    const policies = this.deps.policies.resolve(token.ns, token.policies);
    const aclPath = relativePrefix(token.ns, ctx.ns) + ctx.path;
    const caps = this.deps.policies.capabilities(policies, aclPath);
    if (!caps.has(ctx.op) || (sudo && !caps.has('sudo'))) throw permissionDenied();
  }

  /** True when `token` may perform `op` on `path` of namespace `ns` (used for sudo-gated options). */
  hasCapability(token: TokenEntry, ns: string, path: string, cap: 'sudo' | Op): boolean {
    if (token.policies.includes('root')) return true;
    const policies = this.deps.policies.resolve(token.ns, token.policies);
    return this.deps.policies.capabilities(policies, relativePrefix(token.ns, ns) + path).has(cap);
  }

  private match(path: string): { route: Route; params: Record<string, string> } | undefined {
    const segs = path.split('/');
    for (const route of this.routes) {
      const params = matchRoute(route.path.split('/'), segs);
      if (params) return { route, params };
    }
    return undefined;
  }
}

function matchRoute(pat: string[], segs: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pat.length; i++) {
    const p = pat[i] as string;
    if (p.startsWith('*')) {
      const rest = segs.slice(i).join('/');
      if (rest === '') return undefined;
      params[p.slice(1)] = rest;
      return params;
    }
    const s = segs[i];
    if (s === undefined || s === '') return undefined;
    if (p.startsWith(':')) params[p.slice(1)] = s;
    else if (p !== s) return undefined;
  }
  return pat.length === segs.length ? params : undefined;
}
