/**
 * Response wrapping.
 *   https://developer.hashicorp.com/vault/docs/concepts/response-wrapping
 *   website/content/api-docs/system/wrapping-unwrap.mdx, wrapping-lookup.mdx
 *
 * A request carrying `X-Vault-Wrap-TTL` gets `{wrap_info: {token, accessor, ttl, creation_time,
 * creation_path, wrapped_accessor?}}` with data/auth null; the real response is kept behind a
 * single-use orphan token with the `response-wrapping` policy. `sys/wrapping/unwrap`, with that
 * token as X-Vault-Token or as `{"token": ...}` (then the caller's own token needs the default
 * policy), returns the original response once; afterwards, or after the wrap TTL, it answers
 * 400 "wrapping token is not valid or does not exist" (consts.ErrInvalidWrappingToken in Vault).
 */
import type { Envelope } from './http.js';
import { envelope, VaultError } from './http.js';
import type { Namespaces } from './namespaces.js';
import type { RequestCtx, Route } from './router.js';
import type { TokenEntry, TokenStore } from './tokens.js';
import { isoTime, optionalString } from './util.js';

const invalid = (): VaultError => new VaultError(400, 'wrapping token is not valid or does not exist');

export class Wrapping {
  private readonly stored = new Map<string, Envelope>();

  constructor(
    private readonly tokens: TokenStore,
    private readonly namespaces: Namespaces,
  ) {}

  wrap(ctx: RequestCtx, result: Envelope, ttl: number): Envelope {
    const t = this.tokens.create({
      ns: ctx.ns,
      idSuffix: this.namespaces.suffix(ctx.ns),
      policies: ['response-wrapping'],
      displayName: '',
      parent: null,
      path: ctx.path,
      numUses: 1,
      ttl,
      renewable: false,
    });
    this.stored.set(t.id, result);
    return envelope({
      wrap_info: {
        token: t.id,
        accessor: t.accessor,
        ttl,
        creation_time: isoTime(t.creationTime),
        creation_path: ctx.path,
        ...(result.auth ? { wrapped_accessor: result.auth.accessor } : {}),
      },
    });
  }

  /** Token revocation hook: a revoked or expired wrapping token loses its response. */
  forget(tokenId: string): void {
    this.stored.delete(tokenId);
  }

  /** The wrapping token a wrapping endpoint refers to (body `token`, else the header token). */
  private target(ctx: RequestCtx): TokenEntry {
    const bodyToken = optionalString(ctx.body['token'], 'token');
    // Without a body token the header token is the wrapping token; the router has already
    // resolved it (and may have consumed its single use), so take it from the context.
    const t = bodyToken !== undefined ? this.tokens.lookup(bodyToken) : ctx.token ?? undefined;
    const isWrapping = t && t.ns === ctx.ns && t.policies.length === 1 && t.policies[0] === 'response-wrapping';
    if (!t || !isWrapping || !this.stored.has(t.id)) throw invalid();
    return t;
  }

  routes(): Route[] {
    const noBodyToken = (ctx: RequestCtx): VaultError | undefined =>
      ctx.body['token'] === undefined ? invalid() : undefined;
    return [
      {
        path: 'sys/wrapping/unwrap',
        invalidToken: noBodyToken,
        write: async (ctx) => {
          const t = this.target(ctx);
          const original = this.stored.get(t.id);
          this.stored.delete(t.id);
          await this.tokens.revokeTree(t.id);
          if (!original) throw invalid();
          return original;
        },
      },
      {
        path: 'sys/wrapping/lookup',
        unauthenticated: true,
        write: (ctx) => {
          const t = this.target(ctx);
          return envelope({
            data: { creation_path: t.path, creation_time: isoTime(t.creationTime), creation_ttl: t.creationTtl },
          });
        },
      },
    ];
  }
}
