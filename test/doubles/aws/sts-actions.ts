/**
 * STS actions (Version 2011-06-15):
 * - AssumeRole: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
 *   (parameter constraints, DurationSeconds 900..MaxSessionDuration, role chaining 1 h cap, session tags
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html, source identity
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html)
 * - GetCallerIdentity: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
 * Session policy + tags size: the double packs them as (policy characters without white space) +
 * (tag keys and values characters) against the 2,048-character plaintext session-policy limit of
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html; AWS compresses instead.
 */
import type { ActionContext } from './action-context.js';
import { accessDenied, AwsError, validationError } from './errors.js';
import { parseArn, randomKeyId, randomSecret, randomSessionToken } from './ids.js';
import { parsePolicy, policySize } from './policy-document.js';
import { intParam, memberStrings, memberStructs, Validator } from './query.js';
import { principalArn, type SessionRecord } from './state.js';
import { el, wrap } from './xml.js';

/** Plaintext budget shared by the session policy and session tags in the double. */
export const PACKED_BUDGET = 2048;
const NAME_RE = /^[\w+=,.@-]*$/;
const EXTERNAL_ID_RE = /^[\w+=,.@:/-]*$/;
const TAG_KEY_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_VALUE_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function assumeRole({ state, principal, params }: ActionContext): string {
  const v = new Validator();
  const roleArn = params.get('RoleArn');
  const sessionName = params.get('RoleSessionName');
  const externalId = params.get('ExternalId');
  const sourceIdentity = params.get('SourceIdentity');
  const policy = params.get('Policy');
  const duration = intParam(params, 'DurationSeconds', 'durationSeconds');
  const tags = memberStructs(params, 'Tags');
  const transitive = memberStrings(params, 'TransitiveTagKeys');

  if (v.required(roleArn, 'roleArn')) v.length(roleArn, 'roleArn', 20, 2048);
  if (v.required(sessionName, 'roleSessionName')) {
    v.length(sessionName, 'roleSessionName', 2, 64);
    v.pattern(sessionName, 'roleSessionName', NAME_RE, '[\\w+=,.@-]*');
  }
  v.range(duration, params.get('DurationSeconds'), 'durationSeconds', 900, 43200);
  v.length(externalId, 'externalId', 2, 1224);
  v.pattern(externalId, 'externalId', EXTERNAL_ID_RE, '[\\w+=,.@:\\/-]*');
  v.length(sourceIdentity, 'sourceIdentity', 2, 64);
  v.pattern(sourceIdentity, 'sourceIdentity', NAME_RE, '[\\w+=,.@-]*');
  v.length(policy, 'policy', 1, Number.MAX_SAFE_INTEGER);
  v.count(tags.length, `[${tags.length} tags]`, 'tags', 50);
  v.count(transitive.length, `[${transitive.length} keys]`, 'transitiveTagKeys', 50);
  tags.forEach((t, i) => {
    const f = `tags.${i + 1}.member`;
    if (v.required(t['Key'], `${f}.key`)) {
      v.length(t['Key'], `${f}.key`, 1, 128);
      v.pattern(t['Key'], `${f}.key`, TAG_KEY_RE, '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+');
    }
    if (v.required(t['Value'], `${f}.value`)) {
      v.length(t['Value'], `${f}.value`, 0, 256);
      v.pattern(t['Value'], `${f}.value`, TAG_VALUE_RE, '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*');
    }
  });
  transitive.forEach((k, i) => v.length(k, `transitiveTagKeys.${i + 1}.member`, 1, 128));
  v.done();
  // Both were checked as required above; this only narrows their types.
  if (roleArn === undefined || sessionName === undefined) throw new TypeError('AWS double: required parameter missing');

  // Trust: the caller's ARN (or, for a chained session, its role ARN) must be listed. Unknown roles
  // answer the same AccessDenied as untrusted ones, as AWS does not reveal whether a role exists.
  const callerArn = principalArn(principal);
  const role = state.roleByArn(roleArn);
  const callerIds = principal.kind === 'user' ? [callerArn] : [callerArn, principal.session.role.arn];
  if (!role || !role.trustedPrincipals.some((p) => p === '*' || callerIds.includes(p))) {
    throw accessDenied(callerArn, 'sts:AssumeRole', roleArn);
  }
  if (role.externalId !== undefined && externalId !== role.externalId) {
    throw accessDenied(callerArn, 'sts:AssumeRole', roleArn);
  }

  const chained = principal.kind === 'session' ? principal.session : undefined;
  const seconds = duration ?? Math.min(3600, role.maxSessionDuration);
  if (chained && seconds > 3600) {
    throw validationError('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  if (seconds > role.maxSessionDuration) {
    throw validationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }

  const tagMap = collectTags(tags, transitive, chained);
  if (policy !== undefined) parsePolicy(policy, 'session');
  const packedPercent = checkPacked(policy, tagMap);
  if (policy !== undefined && policy.length > PACKED_BUDGET) {
    throw validationError(
      `1 validation error detected: Value '${policy}' at 'policy' failed to satisfy constraint: Member must have length less than or equal to ${PACKED_BUDGET}`,
    );
  }
  if (chained?.sourceIdentity !== undefined && sourceIdentity !== undefined && sourceIdentity !== chained.sourceIdentity) {
    throw accessDenied(callerArn, 'sts:SetSourceIdentity', roleArn);
  }

  const now = state.now();
  const partition = parseArn(role.arn)?.partition ?? 'aws';
  const srcId = sourceIdentity ?? chained?.sourceIdentity;
  const session: SessionRecord = {
    accessKeyId: randomKeyId('ASIA'),
    secretAccessKey: randomSecret(),
    sessionToken: randomSessionToken(),
    role,
    sessionName,
    arn: `arn:${partition}:sts::${role.account}:assumed-role/${role.name}/${sessionName}`,
    assumedRoleId: `${role.roleId}:${sessionName}`,
    tags: tagMap,
    transitiveTagKeys: [...new Set([...transitive, ...(chained?.transitiveTagKeys ?? [])])],
    ...(srcId !== undefined ? { sourceIdentity: srcId } : {}),
    ...(policy !== undefined ? { policy } : {}),
    issuedAt: now,
    expiresAt: now + seconds * 1000,
  };
  state.sessions.set(session.accessKeyId, session);

  return (
    wrap(
      'Credentials',
      el('AccessKeyId', session.accessKeyId) +
        el('SecretAccessKey', session.secretAccessKey) +
        el('SessionToken', session.sessionToken) +
        el('Expiration', isoSeconds(session.expiresAt)),
    ) +
    wrap('AssumedRoleUser', el('AssumedRoleId', session.assumedRoleId) + el('Arn', session.arn)) +
    el('PackedPolicySize', packedPercent) +
    el('SourceIdentity', srcId)
  );
}

/** Request tags plus transitive tags inherited from a chained session (inherited keys cannot be overridden). */
function collectTags(
  tags: Array<Record<string, string>>,
  transitive: string[],
  chained: SessionRecord | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const t of tags) {
    const key = t['Key'] ?? '';
    if (seen.has(key.toLowerCase())) {
      throw validationError('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    }
    if (key.toLowerCase().startsWith('aws:')) throw validationError(`Tag keys can't start with 'aws:': ${key}`);
    seen.add(key.toLowerCase());
    out[key] = t['Value'] ?? '';
  }
  for (const k of transitive) {
    if (!seen.has(k.toLowerCase())) throw validationError(`The specified transitive tag key must be included in the requested tags: ${k}`);
  }
  for (const k of chained?.transitiveTagKeys ?? []) {
    const inherited = chained?.tags[k];
    if (inherited === undefined) continue;
    if (seen.has(k.toLowerCase())) throw validationError(`Transitive tag key ${k} cannot be overridden by a chained session.`);
    out[k] = inherited;
  }
  return out;
}

/** PackedPolicySize percentage, or PackedPolicyTooLarge past 100 % (wording from AWS's two variants). */
function checkPacked(policy: string | undefined, tags: Record<string, string>): number | undefined {
  const tagChars = Object.entries(tags).reduce((n, [k, val]) => n + k.length + val.length, 0);
  if (policy === undefined && tagChars === 0) return undefined;
  const policyChars = policy === undefined ? 0 : policySize(policy);
  const percent = Math.ceil(((policyChars + tagChars) * 100) / PACKED_BUDGET);
  if (percent <= 100) return percent;
  throw new AwsError(
    400,
    'PackedPolicyTooLarge',
    policyChars >= tagChars
      ? `Packed policy consumes ${percent}% of allotted space, please use smaller policy.`
      : `Packed size of session tags consumes ${percent}% of allotted space.`,
  );
}

export function getCallerIdentity({ principal }: ActionContext): string {
  if (principal.kind === 'user') {
    const u = principal.user;
    return el('UserId', u.userId) + el('Account', u.account) + el('Arn', u.arn);
  }
  const s = principal.session;
  return el('UserId', s.assumedRoleId) + el('Account', s.role.account) + el('Arn', s.arn);
}
