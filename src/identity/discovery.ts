import { Errors } from '../errors/codes.js';

/**
 * OIDC discovery: fetch `{issuer}/.well-known/openid-configuration` and return its `jwks_uri`.
 *
 * The document's `issuer` must equal the configured issuer exactly (OpenID Connect Discovery §4.3),
 * and when the issuer is https the key set must be https too. Redirects are not followed.
 * Any failure is `issuer_unavailable` (503): a token is never accepted without the issuer's keys.
 */
export async function discoverJwksUri(issuer: string, timeoutMs: number): Promise<URL> {
  // Discovery §4: a terminating "/" of the issuer is removed before appending the well-known path.
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let doc: unknown;
  try {
    const res = await fetch(url, {
      method: 'GET',
      redirect: 'manual',
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`discovery at ${url} answered HTTP ${res.status}`);
    }
    doc = await res.json();
  } catch (err) {
    throw Errors.jwksUnavailable(err);
  }
  if (typeof doc !== 'object' || doc === null) {
    throw Errors.jwksUnavailable(new Error(`discovery at ${url} did not return a JSON object`));
  }
  const { issuer: discovered, jwks_uri: jwksUri } = doc as Record<string, unknown>;
  if (discovered !== issuer) {
    throw Errors.jwksUnavailable(
      new Error(`discovery at ${url} names issuer ${JSON.stringify(discovered)}, expected ${JSON.stringify(issuer)}`),
    );
  }
  if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) {
    throw Errors.jwksUnavailable(new Error(`discovery at ${url} has no valid jwks_uri`));
  }
  const jwks = new URL(jwksUri);
  const issuerIsHttps = new URL(issuer).protocol === 'https:';
  if (!(jwks.protocol === 'https:' || (jwks.protocol === 'http:' && !issuerIsHttps))) {
    throw Errors.jwksUnavailable(new Error(`discovery at ${url} has a jwks_uri with a disallowed scheme`));
  }
  return jwks;
}
