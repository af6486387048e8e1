import { z } from 'zod';
import { profileBase } from '../../config/common.js';
import { checkTemplate } from './session-policy.js';

/**
 * `profiles.<name>` for the AWS STS backend: one IAM role per profile.
 * AssumeRole: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
 */
export const awsStsProfileSchema = z
  .strictObject({
    backend: z.literal('aws-sts'),
    ...profileBase,
    /** The role agents' sessions assume. Its name (last path segment) is where the deny policy goes. */
    role_arn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN'),
    /** `ExternalId` the role's trust policy requires (not a secret, per AWS). */
    external_id: z
      .string()
      .regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be 2..1224 characters of [A-Za-z0-9_+=,.@:/-]')
      .optional(),
    /** STS region for this profile (else `backends.aws-sts.region`); also the `region` in the credential. */
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region name').optional(),
    /** The role's MaxSessionDuration (STS caps DurationSeconds by it). */
    role_max_session_seconds: z.number().int().min(900).max(43200).default(3600),
    /**
     * JSON session policy template narrowing the role to the task. Placeholders are replaced by JSON
     * values: `{{resources}}` (array of the task's declared resources), `{{task_id}}`, `{{profile}}`
     * (strings, quotes included). Example: `"Resource": {{resources}}`.
     * WARNING: without a template the session gets everything the role allows.
     */
    session_policy: z.string().optional(),
    /**
     * How the session is cut off at task end. `deny-policy`: Tessera writes an IAM inline deny on the role
     * (needs iam:PutRolePolicy/GetRolePolicy/DeleteRolePolicy on it). `expiry-only`: nothing cuts it off;
     * the session lives until its STS expiry (at least 900 s) and the response says so.
     */
    revocation: z.enum(['deny-policy', 'expiry-only']).default('deny-policy'),
  })
  .superRefine((p, ctx) => {
    if (p.session_policy === undefined) return;
    const problem = checkTemplate(p.session_policy);
    if (problem) ctx.addIssue({ code: 'custom', path: ['session_policy'], message: problem });
  });

/**
 * `backends.aws-sts`: region, endpoint overrides and the deny-policy settings.
 * Tessera's own AWS credentials come from the SDK default provider chain (env, shared files, SSO,
 * web identity, ECS/EC2 metadata): https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html
 */
export const awsStsBackendSchema = z.strictObject({
  region: z.string().default('us-east-1'),
  /** STS endpoint override (VPC endpoint, test double). Must be https outside loopback and dev mode. */
  endpoint: z.string().url().optional(),
  /** IAM endpoint override (the deny policy is written through IAM). */
  iam_endpoint: z.string().url().optional(),
  /** Name of the inline policy Tessera owns on each role. Give each Tessera deployment sharing roles its own. */
  deny_policy_name: z.string().regex(/^[\w+=,.@-]{1,128}$/, 'must be 1..128 characters of [A-Za-z0-9_+=,.@-]').default('tessera-revoked-sessions'),
  /**
   * Size budget (characters without white space) of that policy. IAM allows 10,240 for all inline
   * policies of a role together; past the budget Tessera falls back to a role-wide `aws:TokenIssueTime` deny.
   */
  deny_policy_max_chars: z.number().int().min(1024).max(10240).default(10240),
  /** Kept past a session's expiry before its deny entry is pruned (absorbs clock skew with AWS). */
  prune_grace_seconds: z.number().int().min(0).max(3600).default(300),
  /** Attempts per AWS call (SDK standard retry mode), and the per-attempt timeout. */
  max_attempts: z.number().int().min(1).max(10).default(3),
  request_timeout_ms: z.number().int().min(100).max(60_000).default(5000),
});

/** A parsed aws-sts profile. */
export type AwsStsProfile = z.infer<typeof awsStsProfileSchema>;
/** The parsed `backends.aws-sts` section. */
export type AwsStsBackendConfig = z.infer<typeof awsStsBackendSchema>;
