import { z } from 'zod';
import { envName, profileBase } from '../../config/common.js';

/** `profiles.<name>` for the embedded broker-token backend. */
export const brokerTokenProfileSchema = z.strictObject({
  backend: z.literal('broker-token'),
  ...profileBase,
  /** The downstream tool this token is for (`aud`). */
  audience: z.string().min(1),
});

/** `backends.broker-token`: how Tessera signs its own tokens. */
export const brokerTokenBackendSchema = z
  .strictObject({
    /**
     * PEM (PKCS#8) or JWK (JSON) of the ES256 private key, in this environment variable.
     * WARNING: this key lets its holder mint tokens every downstream tool trusts.
     */
    signing_key_env: envName.optional(),
    /** Path to a PEM or JWK file holding the ES256 private key. */
    signing_key_file: z.string().optional(),
    /** `kid` published in the JWKS; derived from the key's thumbprint when absent. */
    key_id: z.string().optional(),
  })
  .default({});
