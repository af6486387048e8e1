/**
 * Names and tags Tessera puts on STS sessions, fitted to AWS's alphabets and lengths.
 *
 * - RoleSessionName and SourceIdentity: 2..64 characters of `[\w+=,.@-]`
 *   (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
 * - Session tag values: up to 256 characters of letters, digits, white space and `_.:/=+-@`
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_know).
 * - Inline policies are attached to a role by its name, the last segment of the role ARN
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns).
 */
import { createHash } from 'node:crypto';

/** Session tag keys Tessera sets; the deny policy matches `aws:PrincipalTag/tessera-task`. */
export const TAG_TASK = 'tessera-task';
export const TAG_AGENT = 'tessera-agent';
export const TAG_PROFILE = 'tessera-profile';

const NAME_CHARS = /[^\w+=,.@-]+/g;
const TAG_CHARS = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]+/gu;

/** RoleSessionName for a task: the task id (Tessera ids already fit), made safe and cut to 64. */
export function sessionNameFor(taskId: string): string {
  const name = taskId.replace(NAME_CHARS, '.').slice(0, 64);
  return name.length >= 2 ? name : `${name}..`.slice(0, 2);
}

/**
 * The agent as a label of at most 64 characters of `[\w+=,.@-]`, used both as SourceIdentity and as
 * the `tessera-agent` tag: the subject with every run of other characters turned into `.`, cut to 47
 * characters, then `-` and 16 hex digits of SHA-256(issuer "\n" subject). Deterministic; the hash keeps
 * two agents apart even when their subjects look alike after cleaning, are long, or come from different
 * issuers. Example: `spiffe://acme/agent/summariser` → `spiffe.acme.agent.summariser-5c0d9e1f2a3b4c5d`.
 */
export function agentLabel(agent: { issuer: string; subject: string }): string {
  const cleaned = agent.subject.replace(NAME_CHARS, '.').replace(/^\.+|\.+$/g, '').slice(0, 47);
  const digest = createHash('sha256').update(`${agent.issuer}\n${agent.subject}`).digest('hex').slice(0, 16);
  return cleaned ? `${cleaned}-${digest}` : digest;
}

/** A session tag value: disallowed characters become `_`, at most 256 characters. */
export function tagValue(value: string): string {
  return value.replace(TAG_CHARS, '_').slice(0, 256);
}

/** The role name (without path) of a role ARN: `arn:aws:iam::1:role/path/name` → `name`. */
export function roleNameOf(roleArn: string): string {
  const resource = roleArn.split(':').slice(5).join(':');
  if (!resource.startsWith('role/')) throw new TypeError(`not an IAM role ARN: ${roleArn}`);
  return resource.slice(resource.lastIndexOf('/') + 1);
}

/** The AWS partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`, ...). */
export function partitionOf(arn: string): string {
  return arn.split(':')[1] ?? 'aws';
}
