import { z } from 'zod';
import { envName, profileBase, seconds } from '../../config/common.js';

/**
 * `profiles.<name>` for the Vault backend.
 *
 * - `kind: dynamic`: read `path` (any path that returns a lease, e.g. `database/creds/readonly`);
 *   Vault's `lease_id` is recorded and revoked with `sys/leases/revoke`.
 *   https://developer.hashicorp.com/vault/docs/concepts/lease
 * - `kind: token`: create a Vault token (`auth/token/create`, `create-orphan` or `create/<token_role>`),
 *   revoked by accessor. https://developer.hashicorp.com/vault/api-docs/auth/token#create-token
 */
export const vaultProfileSchema = z.strictObject({
  backend: z.literal('vault'),
  ...profileBase,
  kind: z.enum(['dynamic', 'token']),
  /** For `kind: dynamic`: a path that returns a lease, e.g. `database/creds/readonly`. */
  path: z.string().regex(/^[^/].*[^/]$|^[^/]$/, 'a Vault path without leading or trailing "/"').optional(),
  /**
   * For `kind: dynamic`: when set, the path is written (POST) with these parameters instead of read,
   * for engines that issue on write (e.g. `aws/sts/<role>` with `ttl`).
   */
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  /** For `kind: token`: policies of the created token (with `token_role`: a subset of its allowed policies). */
  policies: z.array(z.string().min(1)).optional(),
  /** For `kind: token`: create through `auth/token/create/<token_role>` (recommended for least privilege). */
  token_role: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a token role name').optional(),
  /** For `kind: token`: how many requests the token may make (0 or absent: unlimited). */
  num_uses: z.number().int().nonnegative().optional(),
  /**
   * For `kind: token`: create an orphan (it survives the revocation of Tessera's own token).
   * Tessera uses `auth/token/create-orphan`, which needs no sudo. Not with `token_role`
   * (set `orphan=true` on the role instead).
   */
  no_parent: z.boolean().optional(),
  /** For `kind: token`: do not attach Vault's `default` policy. */
  no_default_policy: z.boolean().optional(),
  /**
   * Response-wrap the secret: the agent receives a single-use wrapping token (TTL in seconds) and
   * unwraps it with `sys/wrapping/unwrap`. https://developer.hashicorp.com/vault/docs/concepts/response-wrapping
   */
  wrap_ttl_seconds: seconds.max(86_400).optional(),
});

export type VaultProfile = z.infer<typeof vaultProfileSchema>;

/**
 * `backends.vault.auth`: how Tessera authenticates as itself.
 * https://developer.hashicorp.com/vault/docs/auth/approle, https://developer.hashicorp.com/vault/docs/auth/jwt
 */
export const vaultAuthSchema = z.discriminatedUnion('method', [
  /** A static token in an environment variable. It is renewed, but cannot be replaced if it is revoked. */
  z.strictObject({ method: z.literal('token'), token_env: envName }),
  z.strictObject({
    method: z.literal('approle'),
    mount: z.string().default('approle'),
    role_id_env: envName,
    /** WARNING: the secret id lets its holder log in as Tessera. */
    secret_id_env: envName,
    /** Namespace of the auth mount, when it differs from `backends.vault.namespace`. */
    namespace: z.string().optional(),
  }),
  z.strictObject({
    method: z.literal('jwt'),
    mount: z.string().default('jwt'),
    role: z.string().min(1),
    /** File holding Tessera's workload JWT (e.g. a projected service-account token); re-read at every login. */
    token_file: z.string().min(1),
    namespace: z.string().optional(),
  }),
]);

export type VaultAuthConfig = z.infer<typeof vaultAuthSchema>;

/** `backends.vault`: how Tessera reaches and authenticates to Vault. One client per process. */
export const vaultBackendSchema = z.strictObject({
  /** e.g. `https://vault.internal:8200`. Must be https outside loopback and dev mode. */
  address: z.string().url(),
  /** Vault Enterprise namespace (`X-Vault-Namespace`), e.g. `platform/agents`. */
  namespace: z.string().optional(),
  /** PEM file with the CA bundle that signed Vault's TLS certificate. */
  ca_file: z.string().optional(),
  /** Per-request timeout; a timeout counts as Vault being unavailable. */
  request_timeout_ms: z.number().int().positive().max(120_000).default(5000),
  auth: vaultAuthSchema,
});

export type VaultBackendConfig = z.infer<typeof vaultBackendSchema>;
