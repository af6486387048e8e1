import { readFileSync } from 'node:fs';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, importPKCS8, type CryptoKey, type JWK } from 'jose';
import type { Logger } from 'pino';

/** The ES256 key pair broker tokens are signed with, and its public JWK for the JWKS. */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * Load the broker-token signing key from an env var or a file (PEM PKCS#8 or JWK JSON).
 * In dev mode only, with neither configured, generate an ephemeral key and warn loudly:
 * tokens signed by it stop verifying when the process restarts.
 */
export async function loadSigningKey(
  cfg: { signing_key_env?: string | undefined; signing_key_file?: string | undefined; key_id?: string | undefined },
  opts: { env: NodeJS.ProcessEnv; devMode: boolean; log: Logger },
): Promise<SigningKey> {
  let material: string | undefined;
  if (cfg.signing_key_env) material = opts.env[cfg.signing_key_env];
  else if (cfg.signing_key_file) material = readFileSync(cfg.signing_key_file, 'utf8');

  let privateKey: CryptoKey;
  let publicKey: CryptoKey;
  if (material) {
    ({ privateKey, publicKey } = await importPrivate(material.trim()));
  } else if (opts.devMode) {
    opts.log.warn(
      'DEV MODE: generated an ephemeral ES256 signing key for broker tokens. ' +
        'Tokens will not verify after a restart. Configure backends.broker-token.signing_key_env in production.',
    );
    ({ privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true }));
  } else {
    throw new Error('backends.broker-token: no signing key configured');
  }
  const jwk = await exportJWK(publicKey);
  const kid = cfg.key_id ?? (await calculateJwkThumbprint(jwk));
  return { kid, privateKey, publicKey, publicJwk: { ...jwk, kid, alg: 'ES256', use: 'sig' } };
}

async function importPrivate(material: string): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey }> {
  if (material.startsWith('{')) {
    const jwk = JSON.parse(material) as JWK;
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d) throw new Error('broker-token signing key must be a P-256 private JWK');
    const privateKey = (await importJWK(jwk, 'ES256')) as CryptoKey;
    const { d: _d, ...pub } = jwk;
    const publicKey = (await importJWK(pub, 'ES256')) as CryptoKey;
    return { privateKey, publicKey };
  }
  const privateKey = await importPKCS8(material, 'ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const { d: _d, ...pub } = jwk;
  const publicKey = (await importJWK(pub, 'ES256')) as CryptoKey;
  return { privateKey, publicKey };
}
