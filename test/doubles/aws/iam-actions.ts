/**
 * IAM inline role policy actions (Version 2010-05-08):
 * - PutRolePolicy:    https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html
 * - GetRolePolicy:    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html
 *   ("Policies returned by this operation are URL-encoded compliant with RFC 3986")
 * - DeleteRolePolicy: https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRolePolicy.html
 * - ListRolePolicies: https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRolePolicies.html
 * Aggregate inline policy size per role: 10,240 characters, white space not counted
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html); exceeding it is
 * `LimitExceeded` (HTTP 409, as the SDK's error model for PutRolePolicy declares).
 */
import type { ActionContext } from './action-context.js';
import { AwsError, noSuchEntity, validationError } from './errors.js';
import { parsePolicy, policySize } from './policy-document.js';
import { intParam, Validator, type Params } from './query.js';
import { uriEncode } from './sigv4.js';
import type { DoubleState, RoleRecord } from './state.js';
import { el, memberList } from './xml.js';

export const ROLE_INLINE_POLICY_LIMIT = 10240;
const NAME_RE = /^[\w+=,.@-]+$/;
// IAM policy documents: tab, LF, CR and the printable Latin-1 range (IAM API reference, PolicyDocument).
// eslint-disable-next-line no-control-regex
const DOC_RE = /^[\u0009\u000A\u000D\u0020-\u00FF]+$/;

function names(params: Params, v: Validator, withPolicy: boolean): { roleName: string; policyName: string } {
  const roleName = params.get('RoleName');
  const policyName = params.get('PolicyName');
  if (v.required(roleName, 'roleName')) {
    v.length(roleName, 'roleName', 1, 64);
    v.pattern(roleName, 'roleName', NAME_RE, '[\\w+=,.@-]+');
  }
  if (withPolicy && v.required(policyName, 'policyName')) {
    v.length(policyName, 'policyName', 1, 128);
    v.pattern(policyName, 'policyName', NAME_RE, '[\\w+=,.@-]+');
  }
  return { roleName: roleName ?? '', policyName: policyName ?? '' };
}

function role(state: DoubleState, roleName: string): RoleRecord {
  const r = state.roles.get(roleName);
  if (!r) throw noSuchEntity(`The role with name ${roleName} cannot be found.`);
  return r;
}

function existingPolicy(r: RoleRecord, policyName: string): string {
  const doc = r.inlinePolicies.get(policyName);
  if (doc === undefined) throw noSuchEntity(`The role policy with name ${policyName} cannot be found.`);
  return doc;
}

export function putRolePolicy({ state, params }: ActionContext): undefined {
  const v = new Validator();
  const { roleName, policyName } = names(params, v, true);
  const doc = params.get('PolicyDocument');
  if (v.required(doc, 'policyDocument')) {
    v.length(doc, 'policyDocument', 1, 131072);
    v.pattern(doc, 'policyDocument', DOC_RE, '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+');
  }
  v.done();
  const r = role(state, roleName);
  parsePolicy(doc ?? '', 'identity');
  let total = policySize(doc ?? '');
  for (const [name, other] of r.inlinePolicies) if (name !== policyName) total += policySize(other);
  if (total > ROLE_INLINE_POLICY_LIMIT) {
    throw new AwsError(409, 'LimitExceeded', `Maximum policy size of ${ROLE_INLINE_POLICY_LIMIT} bytes exceeded for role ${roleName}`);
  }
  r.inlinePolicies.set(policyName, doc ?? '');
  return undefined;
}

export function getRolePolicy({ state, params }: ActionContext): string {
  const v = new Validator();
  const { roleName, policyName } = names(params, v, true);
  v.done();
  const doc = existingPolicy(role(state, roleName), policyName);
  return el('RoleName', roleName) + el('PolicyName', policyName) + el('PolicyDocument', uriEncode(doc));
}

export function deleteRolePolicy({ state, params }: ActionContext): undefined {
  const v = new Validator();
  const { roleName, policyName } = names(params, v, true);
  v.done();
  const r = role(state, roleName);
  existingPolicy(r, policyName);
  r.inlinePolicies.delete(policyName);
  return undefined;
}

/** Pages with an opaque Marker (base64 of the next index), MaxItems 1..1000, default 100. */
export function listRolePolicies({ state, params }: ActionContext): string {
  const v = new Validator();
  const { roleName } = names(params, v, false);
  const maxItems = intParam(params, 'MaxItems', 'maxItems');
  v.range(maxItems, params.get('MaxItems'), 'maxItems', 1, 1000);
  const marker = params.get('Marker');
  v.length(marker, 'marker', 1, 320);
  v.done();
  const all = [...role(state, roleName).inlinePolicies.keys()].sort();
  let start = 0;
  if (marker !== undefined) {
    start = Number(Buffer.from(marker, 'base64').toString('utf8'));
    if (!Number.isInteger(start) || start < 0 || start > all.length) throw validationError('Invalid Marker.');
  }
  const page = all.slice(start, start + (maxItems ?? 100));
  const next = start + page.length;
  const truncated = next < all.length;
  return (
    memberList('PolicyNames', page) +
    el('IsTruncated', truncated) +
    (truncated ? el('Marker', Buffer.from(String(next)).toString('base64')) : '')
  );
}
