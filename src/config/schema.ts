import { z } from 'zod';
import { envName, identityMatch, seconds } from './common.js';
import { brokerTokenBackendSchema, brokerTokenProfileSchema } from '../backends/broker-token/config.js';
import { vaultBackendSchema, vaultProfileSchema } from '../backends/vault/config.js';
import { awsStsBackendSchema, awsStsProfileSchema } from '../backends/aws-sts/config.js';
import { alertWebhookSchema, WORKER_DEFAULTS, workerConfigSchema } from '../revocation/config.js';
import { POLICY_DEFAULTS, policyConfigSchema } from '../policy/config.js';

const issuerSchema = z.strictObject({
  issuer: z.string().url(),
  audiences: z.array(z.string().min(1)).min(1),
  /** Explicit allow-list; `none` and HMAC algorithms are never accepted. */
  algorithms: z
    .array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']))
    .min(1),
  /** JWKS location; OIDC discovery (`{issuer}/.well-known/openid-configuration`) when absent. */
  jwks_uri: z.string().url().optional(),
  /** Claim constraints: exact values, or anchored patterns where `*` matches any run of characters. */
  claims: z.record(z.string(), z.string()).optional(),
  /** Longest accepted token lifetime (exp - iat). */
  max_token_lifetime_seconds: seconds.default(86_400),
  clock_tolerance_seconds: z.number().int().nonnegative().max(300).default(30),
});

const profileSchema = z.discriminatedUnion('backend', [brokerTokenProfileSchema, vaultProfileSchema, awsStsProfileSchema]);

const webhookSecretsSchema = z.strictObject({
  /**
   * Environment variables holding the HMAC secrets (Standard Webhooks `whsec_…` base64, or raw).
   * Several are accepted at once so secrets can be rotated.
   */
  secrets_env: z.array(envName).min(1),
  tolerance_seconds: z.number().int().positive().max(3600).default(300),
});

/** The whole Tessera configuration file. Unknown keys anywhere are an error. */
export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** Public base URL: the `iss` of broker tokens. Defaults to http://host:port. */
      public_url: z.string().url().optional(),
      /**
       * WARNING: dev mode generates an ephemeral signing key when none is configured. Never in production.
       */
      dev_mode: z.boolean().default(false),
      /** The revocation worker: retry schedule, stall detection, sweeper (see src/revocation/config.ts). */
      worker: workerConfigSchema.default(WORKER_DEFAULTS),
      trust_proxy: z.boolean().default(false),
      body_limit: z.string().default('64kb'),
    })
    .default({
      host: '127.0.0.1',
      port: 8080,
      dev_mode: false,
      worker: WORKER_DEFAULTS,
      trust_proxy: false,
      body_limit: '64kb',
    }),
  redis: z
    .strictObject({
      url: z.string().optional(),
      /** Environment variable holding the Redis URL (wins over `url`; default REDIS_URL). */
      url_env: envName.default('REDIS_URL'),
      key_prefix: z.string().regex(/^[a-z0-9_-]+$/).default('tessera'),
    })
    .default({ url_env: 'REDIS_URL', key_prefix: 'tessera' }),
  issuers: z.array(issuerSchema).min(1),
  tasks: z
    .strictObject({
      max_ttl_seconds: seconds.default(3600),
      default_ttl_seconds: seconds.default(900),
      max_delegation_depth: z.number().int().nonnegative().default(3),
      max_scopes: z.number().int().positive().default(32),
      max_resources_per_scope: z.number().int().positive().default(64),
    })
    .default({ max_ttl_seconds: 3600, default_ttl_seconds: 900, max_delegation_depth: 3, max_scopes: 32, max_resources_per_scope: 64 }),
  profiles: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'profile names are lower-case letters, digits, - and _'), profileSchema),
  backends: z
    .strictObject({
      'broker-token': brokerTokenBackendSchema,
      vault: vaultBackendSchema.optional(),
      'aws-sts': awsStsBackendSchema.optional(),
    })
    .default({ 'broker-token': {} }),
  /** Per-request policy (builtin or Cedar), hot reload and human approvals (see src/policy/config.ts). */
  policy: policyConfigSchema.default(POLICY_DEFAULTS),
  webhooks: z
    .strictObject({
      task_complete: webhookSecretsSchema.optional(),
      /** Failed-revocation alerts, sent as signed Standard Webhooks. */
      alerts: alertWebhookSchema.optional(),
    })
    .default({}),
  audit: z
    .strictObject({
      /** Approximate cap on the global audit stream length (XADD MAXLEN ~). */
      stream_max_len: z.number().int().positive().default(1_000_000),
      /** How long a task's own audit trail is kept after the task ends. */
      task_retention_seconds: seconds.default(30 * 86_400),
    })
    .default({ stream_max_len: 1_000_000, task_retention_seconds: 30 * 86_400 }),
  admins: z.array(identityMatch).default([]),
  approvers: z.array(identityMatch).default([]),
});

export type TesseraConfig = z.infer<typeof configSchema>;
export type IssuerConfig = TesseraConfig['issuers'][number];
export type ProfileConfig = TesseraConfig['profiles'][string];
