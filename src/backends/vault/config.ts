import { z } from 'zod';
import { envName, profileBase, seconds } from '../../config/common.js';

/** `profiles.<name>` for the Vault backend. */
export const vaultProfileSchema = z.strictObject({
  backend: z.literal('vault'),
  ...profileBase,
  kind: z.enum(['dynamic', 'token']),
  /** For `kind: dynamic`: a path that returns a lease, e.g. `database/creds/readonly`. */
  path: z.string().optional(),
  /** For `kind: token`. */
  policies: z.array(z.string()).optional(),
  token_role: z.string().optional(),
  num_uses: z.number().int().nonnegative().optional(),
  no_parent: z.boolean().optional(),
  /** Response-wrap the secret: the agent receives a single-use wrapping token. */
  wrap_ttl_seconds: seconds.optional(),
});

/** `backends.vault`: how Tessera reaches and authenticates to Vault. */
export const vaultBackendSchema = z.strictObject({
  address: z.string().url(),
  namespace: z.string().optional(),
  ca_file: z.string().optional(),
  request_timeout_ms: z.number().int().positive().default(5000),
  auth: z.discriminatedUnion('method', [
    z.strictObject({ method: z.literal('token'), token_env: envName }),
    z.strictObject({
      method: z.literal('approle'),
      mount: z.string().default('approle'),
      role_id_env: envName,
      secret_id_env: envName,
    }),
    z.strictObject({ method: z.literal('jwt'), mount: z.string().default('jwt'), role: z.string(), token_file: z.string() }),
  ]),
});
