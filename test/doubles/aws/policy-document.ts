/**
 * Parsing and checking of IAM JSON policy documents (identity-based inline policies and STS session
 * policies), per the grammar in https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 * and https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html.
 * Size rules: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 * ("IAM does not count white space when calculating the size of a policy").
 *
 * The double rejects condition operators it cannot evaluate (see policy-eval.ts) with
 * MalformedPolicyDocument, so a test never silently relies on an unevaluated condition.
 */
import { malformedPolicyDocument } from './errors.js';
import { isSupportedOperator } from './policy-eval.js';

export interface PolicyStatement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  /** operator -> condition key -> values (strings; numbers and booleans are stringified). */
  conditions: Record<string, Record<string, string[]>>;
}

export interface PolicyDocument {
  version?: string;
  statements: PolicyStatement[];
}

/** Policy documents may hold only TAB, LF, CR and U+0020..U+00FF (IAM quotas page). */
const ALLOWED_CHARS = /^[\t\n\r\u0020-\u00FF]*$/;

/** Size as IAM counts it: characters excluding white space. */
export function policySize(text: string): number {
  return text.replace(/\s/g, '').length;
}

export function parsePolicy(text: string, kind: 'identity' | 'session'): PolicyDocument {
  if (!ALLOWED_CHARS.test(text)) throw malformedPolicyDocument('The policy contains characters outside the allowed range.');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw malformedPolicyDocument(
      kind === 'session' ? 'The policy is not in the valid JSON format.' : 'Syntax errors in policy.',
    );
  }
  if (!isObject(json)) throw malformedPolicyDocument('Syntax errors in policy.');
  const version = json['Version'];
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17') {
    throw malformedPolicyDocument('The policy must contain a valid version string');
  }
  const raw = json['Statement'];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (list.length === 0) throw malformedPolicyDocument('Syntax errors in policy.');
  return { ...(typeof version === 'string' ? { version } : {}), statements: list.map(parseStatement) };
}

function parseStatement(raw: unknown): PolicyStatement {
  if (!isObject(raw)) throw malformedPolicyDocument('Syntax errors in policy.');
  if ('Principal' in raw || 'NotPrincipal' in raw) {
    throw malformedPolicyDocument('Policy document should not specify a principal.');
  }
  const effect = raw['Effect'];
  if (effect === undefined) throw malformedPolicyDocument('Missing required field Effect');
  if (effect !== 'Allow' && effect !== 'Deny') throw malformedPolicyDocument(`Invalid effect: ${String(effect)}`);
  const actions = stringList(raw['Action'], 'Action');
  const notActions = stringList(raw['NotAction'], 'NotAction');
  if (!actions && !notActions) throw malformedPolicyDocument('Policy statement must contain actions.');
  const resources = stringList(raw['Resource'], 'Resource');
  const notResources = stringList(raw['NotResource'], 'NotResource');
  if (!resources && !notResources) throw malformedPolicyDocument('Policy statement must contain resources.');
  for (const a of [...(actions ?? []), ...(notActions ?? [])]) {
    if (a !== '*' && !/^[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+$/.test(a)) {
      throw malformedPolicyDocument(`Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.`);
    }
  }
  const sid = raw['Sid'];
  return {
    ...(typeof sid === 'string' ? { sid } : {}),
    effect,
    ...(actions ? { actions } : {}),
    ...(notActions ? { notActions } : {}),
    ...(resources ? { resources } : {}),
    ...(notResources ? { notResources } : {}),
    conditions: parseConditions(raw['Condition']),
  };
}

function parseConditions(raw: unknown): Record<string, Record<string, string[]>> {
  if (raw === undefined) return {};
  if (!isObject(raw)) throw malformedPolicyDocument('Syntax errors in policy.');
  const out: Record<string, Record<string, string[]>> = {};
  for (const [operator, block] of Object.entries(raw)) {
    if (!isSupportedOperator(operator)) {
      throw malformedPolicyDocument(`Invalid Condition type : ${operator} (not supported by the AWS test double)`);
    }
    if (!isObject(block)) throw malformedPolicyDocument('Syntax errors in policy.');
    const keys: Record<string, string[]> = {};
    for (const [key, value] of Object.entries(block)) {
      const values = Array.isArray(value) ? value : [value];
      if (!values.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) {
        throw malformedPolicyDocument('Syntax errors in policy.');
      }
      keys[key] = values.map((v) => String(v));
    }
    out[operator] = keys;
  }
  return out;
}

function stringList(value: unknown, field: string): string[] | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((v) => typeof v === 'string')) {
    throw malformedPolicyDocument(`Syntax errors in policy: ${field} must be a string or a list of strings.`);
  }
  return list as string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
