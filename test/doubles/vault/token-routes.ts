/**
 * Token lookup, renewal and revocation endpoints.
 *   website/content/api-docs/auth/token.mdx: lookup, lookup-self, lookup-accessor, renew,
 *   renew-self, renew-accessor, revoke, revoke-self, revoke-accessor, revoke-orphan, accessors.
 *
 * Error answers mirror vault/token_store.go: unknown accessor -> 400 "invalid accessor" (also for
 * revoke-accessor), missing accessor -> 400 "missing accessor", lookup of an unknown token -> 403
 * "bad token", renew of an unknown token -> 400 "token not found"; revoking an unknown token -> 204.
 * Tokens are only visible from the namespace they were created in.
 */
import type { Envelope } from './http.js';
import { envelope, VaultError, warningsOrNull } from './http.js';
import type { RequestCtx, Route } from './router.js';
import type { TokenEntry, TokenStore } from './tokens.js';
import { optionalString, parseDuration } from './util.js';

export function tokenRoutes(tokens: TokenStore): Route[] {
  const inNs = (ctx: RequestCtx, t: TokenEntry | undefined): TokenEntry | undefined =>
    t && t.ns === ctx.ns ? t : undefined;

  const byAccessor = (ctx: RequestCtx): TokenEntry => {
    const accessor = optionalString(ctx.body['accessor'], 'accessor') ?? '';
    if (accessor === '') throw new VaultError(400, 'missing accessor');
    const t = inNs(ctx, tokens.lookupAccessor(accessor));
    if (!t) throw new VaultError(400, 'invalid accessor');
    return t;
  };
  const byToken = (ctx: RequestCtx): TokenEntry | undefined => {
    const id = optionalString(ctx.body['token'], 'token') ?? '';
    if (id === '') throw new VaultError(400, 'missing token');
    return inNs(ctx, tokens.lookup(id));
  };
  const renew = (ctx: RequestCtx, t: TokenEntry, showToken: boolean): Envelope => {
    const warnings = tokens.renew(t, parseDuration(ctx.body['increment'], 'increment') ?? 0);
    const auth = tokens.authBlock(t);
    if (!showToken) auth.client_token = '';
    return envelope({ auth, warnings: warningsOrNull(warnings) });
  };
  const self = (ctx: RequestCtx): TokenEntry => ctx.token as TokenEntry;

  return [
    {
      path: 'auth/token/lookup-self',
      read: (ctx) => envelope({ data: tokens.describe(self(ctx), false) }),
      write: (ctx) => envelope({ data: tokens.describe(self(ctx), false) }),
    },
    {
      path: 'auth/token/lookup',
      write: (ctx) => {
        const t = byToken(ctx);
        if (!t) throw new VaultError(403, 'bad token');
        return envelope({ data: tokens.describe(t, false) });
      },
    },
    { path: 'auth/token/lookup-accessor', write: (ctx) => envelope({ data: tokens.describe(byAccessor(ctx), true) }) },
    { path: 'auth/token/renew-self', write: (ctx) => renew(ctx, self(ctx), true) },
    {
      path: 'auth/token/renew',
      write: (ctx) => {
        const t = byToken(ctx);
        if (!t) throw new VaultError(400, 'token not found');
        return renew(ctx, t, true);
      },
    },
    { path: 'auth/token/renew-accessor', write: (ctx) => renew(ctx, byAccessor(ctx), false) },
    {
      path: 'auth/token/revoke-self',
      write: async (ctx) => {
        await tokens.revokeTree(self(ctx).id);
        return null;
      },
    },
    {
      path: 'auth/token/revoke',
      write: async (ctx) => {
        const t = byToken(ctx);
        if (t) await tokens.revokeTree(t.id);
        return null;
      },
    },
    {
      path: 'auth/token/revoke-accessor',
      write: async (ctx) => {
        await tokens.revokeTree(byAccessor(ctx).id);
        return null;
      },
    },
    {
      path: 'auth/token/revoke-orphan',
      sudo: true,
      write: async (ctx) => {
        const t = byToken(ctx);
        if (t) await tokens.revokeOrphan(t.id);
        return null;
      },
    },
    { path: 'auth/token/accessors', sudo: true, list: (ctx) => envelope({ data: { keys: tokens.accessors(ctx.ns) } }) },
  ];
}
