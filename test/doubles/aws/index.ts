/**
 * AWS STS + IAM test double: an HTTP server speaking the AWS Query protocol (form-encoded
 * `Action=…&Version=…`, XML answers) with SigV4 verification, so the real `@aws-sdk/client-sts`
 * and `@aws-sdk/client-iam` clients work against it unmodified given `endpoint: double.url`.
 *
 * STS (2011-06-15): AssumeRole, GetCallerIdentity. IAM (2010-05-08): PutRolePolicy, GetRolePolicy,
 * DeleteRolePolicy, ListRolePolicies. API references are cited in each file's header.
 *
 * Known deviations from real AWS (deliberate):
 * - `now` drives credential issue and expiry times; the ±15 min SigV4 freshness check uses
 *   `signatureClock` (default: the wall clock), because SDK clients sign with the wall clock and
 *   tests move `now` forward to expire sessions.
 * - No Allow evaluation: any registered IAM user may call every implemented action, and sessions
 *   are allowed everything; only explicit Deny statements (role inline policies and the session
 *   policy) are evaluated, for every action signed with session credentials, including
 *   GetCallerIdentity, which real AWS never denies (see server.ts).
 * - Trust policies are a list of principal ARNs (`'*'` = anyone); a chained session is trusted if
 *   its role ARN or its assumed-role ARN is listed. `maxSessionDuration` may be as low as 900 s
 *   (AWS: 3600..43200); DurationSeconds defaults to min(3600, maxSessionDuration).
 * - Session policy + tags are "packed" as plain character counts against 2,048 (AWS compresses them
 *   and a >2,048-character policy is a ValidationError there); over budget is PackedPolicyTooLarge.
 * - Condition operators the double cannot evaluate are rejected with MalformedPolicyDocument;
 *   policy variables (`${aws:username}`) are not substituted. PolicyArns (managed session policies)
 *   are ignored. `unavailable` answers 503 ServiceUnavailable for both services.
 *
 * WARNING: test use only. Secrets are held in memory in plain text and the server binds 127.0.0.1.
 */
import { QueryServer, type FaultMode } from './server.js';
import { DoubleState, type RoleInput, type UserInput } from './state.js';

export interface AwsDoubleOptions {
  /** Port to listen on (127.0.0.1); 0 or undefined picks a free one. */
  port?: number;
  accountId?: string;
  /** Long-term identities; defaults to {@link defaultUser}. */
  users?: Array<{ accessKeyId: string; secretAccessKey: string; arn: string }>;
  /** Assumable roles; defaults to one `agent-s3` role trusting the default user. */
  roles?: Array<{ arn: string; maxSessionDuration?: number; trustedPrincipals: string[]; externalId?: string }>;
  /** Clock (epoch ms) for session issue/expiry and condition keys; defaults to Date.now. */
  now?: () => number;
  /** Clock (epoch ms) the ±15 min SigV4 window is checked against; defaults to Date.now (not `now`). */
  signatureClock?: () => number;
}

export interface AwsDoubleSession {
  accessKeyId: string;
  roleArn: string;
  sessionName: string;
  tags: Record<string, string>;
  sourceIdentity?: string;
  expiresAt: number;
  policy?: string;
}

export interface AwsDouble {
  url: string;
  accountId: string;
  setFault(mode: FaultMode): Promise<void>;
  /** Inline policies of a role by policy name (documents as put); `{}` for unknown roles. */
  inlinePolicies(roleName: string): Record<string, string>;
  sessions(): AwsDoubleSession[];
  requests(): Array<{ action: string; accessKeyId?: string; status: number }>;
  close(): Promise<void>;
}

export type { FaultMode };

export const DEFAULT_ACCOUNT_ID = '123456789012';

/** The default broker identity, `arn:aws:iam::<account>:user/tessera`. */
export function defaultUser(accountId = DEFAULT_ACCOUNT_ID): UserInput {
  return {
    accessKeyId: 'AKIATESSERADOUBLE001',
    secretAccessKey: 'tesseraDoubleSecretKey/NotARealOne000000',
    arn: `arn:aws:iam::${accountId}:user/tessera`,
  };
}

export function defaultRoles(accountId = DEFAULT_ACCOUNT_ID): RoleInput[] {
  return [{ arn: `arn:aws:iam::${accountId}:role/agent-s3`, trustedPrincipals: [defaultUser(accountId).arn] }];
}

export async function startAwsDouble(opts: AwsDoubleOptions = {}): Promise<AwsDouble> {
  const accountId = opts.accountId ?? DEFAULT_ACCOUNT_ID;
  const now = opts.now ?? Date.now;
  const state = new DoubleState(accountId, now, opts.users ?? [defaultUser(accountId)], opts.roles ?? defaultRoles(accountId));
  const server = new QueryServer(state, opts.signatureClock ?? Date.now);
  await server.listen(opts.port ?? 0);

  return {
    url: server.url,
    accountId,
    setFault: (mode) => server.setFault(mode),
    inlinePolicies: (roleName) => Object.fromEntries(state.roles.get(roleName)?.inlinePolicies ?? []),
    sessions: () =>
      [...state.sessions.values()].map((s) => ({
        accessKeyId: s.accessKeyId,
        roleArn: s.role.arn,
        sessionName: s.sessionName,
        tags: { ...s.tags },
        ...(s.sourceIdentity !== undefined ? { sourceIdentity: s.sourceIdentity } : {}),
        expiresAt: s.expiresAt,
        ...(s.policy !== undefined ? { policy: s.policy } : {}),
      })),
    requests: () => state.log.map((r) => ({ ...r })),
    close: () => server.close(),
  };
}
