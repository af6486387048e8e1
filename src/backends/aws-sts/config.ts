import { z } from 'zod';
import { profileBase } from '../../config/common.js';

/** `profiles.<name>` for the AWS STS backend. */
export const awsStsProfileSchema = z.strictObject({
  backend: z.literal('aws-sts'),
  ...profileBase,
  role_arn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN'),
  external_id: z.string().optional(),
  region: z.string().optional(),
  /** The role's MaxSessionDuration (STS caps DurationSeconds by it). */
  role_max_session_seconds: z.number().int().min(900).max(43200).default(3600),
  /** JSON session policy template; `{{resources}}` renders the task's declared resources as a JSON array. */
  session_policy: z.string().optional(),
  /** How the session is cut off at task end. */
  revocation: z.enum(['deny-policy', 'expiry-only']).default('deny-policy'),
});

/** `backends.aws-sts`: region and endpoint overrides; credentials come from the SDK default chain. */
export const awsStsBackendSchema = z.strictObject({
  region: z.string().default('us-east-1'),
  endpoint: z.string().url().optional(),
  iam_endpoint: z.string().url().optional(),
});
