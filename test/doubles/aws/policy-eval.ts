/**
 * Explicit-deny evaluation for requests signed with session credentials.
 * Logic follows https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * (an explicit Deny in any applicable policy wins) with the condition semantics of
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html and
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 * Context keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 * (aws:PrincipalTag/<key>, aws:TokenIssueTime, aws:SourceIdentity, aws:PrincipalArn, aws:userid, ...).
 * Revoking sessions with `DateLessThan aws:TokenIssueTime` is the documented pattern of
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html
 *
 * Only Deny statements are evaluated: the double has no Allow evaluation (sessions are implicitly
 * allowed every action the double implements), see index.ts for the deviations.
 */
import type { PolicyDocument, PolicyStatement } from './policy-document.js';
import type { SessionRecord } from './state.js';

/** Condition context: lower-cased key -> values. */
export type ConditionContext = Map<string, string[]>;

type Base = 'StringEquals' | 'StringEqualsIgnoreCase' | 'StringLike' | 'ArnEquals' | 'ArnLike' | 'Bool' | 'Null'
  | 'DateEquals' | 'DateLessThan' | 'DateLessThanEquals' | 'DateGreaterThan' | 'DateGreaterThanEquals';

/** Operator name -> [positive base, negated?]. */
const OPERATORS: Record<string, [Base, boolean]> = {
  StringEquals: ['StringEquals', false], StringNotEquals: ['StringEquals', true],
  StringEqualsIgnoreCase: ['StringEqualsIgnoreCase', false], StringNotEqualsIgnoreCase: ['StringEqualsIgnoreCase', true],
  StringLike: ['StringLike', false], StringNotLike: ['StringLike', true],
  ArnEquals: ['ArnEquals', false], ArnNotEquals: ['ArnEquals', true],
  ArnLike: ['ArnLike', false], ArnNotLike: ['ArnLike', true],
  Bool: ['Bool', false], Null: ['Null', false],
  DateEquals: ['DateEquals', false], DateNotEquals: ['DateEquals', true],
  DateLessThan: ['DateLessThan', false], DateLessThanEquals: ['DateLessThanEquals', false],
  DateGreaterThan: ['DateGreaterThan', false], DateGreaterThanEquals: ['DateGreaterThanEquals', false],
};

interface ParsedOperator { set?: 'ForAnyValue' | 'ForAllValues'; base: Base; negated: boolean; ifExists: boolean }

function parseOperator(op: string): ParsedOperator | undefined {
  const m = /^(?:(ForAnyValue|ForAllValues):)?([A-Za-z]+?)(IfExists)?$/.exec(op);
  const entry = m ? OPERATORS[m[2] ?? ''] : undefined;
  if (!m || !entry || (entry[0] === 'Null' && (m[1] || m[3]))) return undefined;
  const set = m[1] as ParsedOperator['set'];
  return { ...(set ? { set } : {}), base: entry[0], negated: entry[1], ifExists: m[3] !== undefined };
}

export function isSupportedOperator(op: string): boolean {
  return parseOperator(op) !== undefined;
}

/** `*` and `?` wildcards, anchored. */
export function globMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, ignoreCase ? 'is' : 's').test(value);
}

function parseDate(v: string): number {
  return /^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v);
}

function matches(base: Base, ctx: string, policy: string): boolean {
  switch (base) {
    case 'StringEquals': case 'ArnEquals': return ctx === policy;
    case 'StringEqualsIgnoreCase': return ctx.toLowerCase() === policy.toLowerCase();
    case 'StringLike': case 'ArnLike': return globMatch(policy, ctx, false);
    case 'Bool': return ctx.toLowerCase() === policy.toLowerCase();
    case 'Null': return false;
    default: {
      const c = parseDate(ctx), p = parseDate(policy);
      if (Number.isNaN(c) || Number.isNaN(p)) return false;
      if (base === 'DateEquals') return c === p;
      if (base === 'DateLessThan') return c < p;
      if (base === 'DateLessThanEquals') return c <= p;
      if (base === 'DateGreaterThan') return c > p;
      return c >= p;
    }
  }
}

function conditionHolds(operator: string, keys: Record<string, string[]>, ctx: ConditionContext): boolean {
  const op = parseOperator(operator);
  if (!op) return false;
  return Object.entries(keys).every(([key, policyValues]) => {
    const values = ctx.get(key.toLowerCase()) ?? [];
    if (op.base === 'Null') return policyValues.some((p) => p.toLowerCase() === 'true') === (values.length === 0);
    if (values.length === 0) return op.ifExists || op.set === 'ForAllValues' || (op.set === undefined && op.negated);
    const one = (v: string): boolean => policyValues.some((p) => matches(op.base, v, p)) !== op.negated;
    return op.set === 'ForAllValues' ? values.every(one) : values.some(one);
  });
}

function statementApplies(s: PolicyStatement, action: string, resource: string, ctx: ConditionContext): boolean {
  if (s.actions && !s.actions.some((p) => globMatch(p, action, true))) return false;
  if (s.notActions && s.notActions.some((p) => globMatch(p, action, true))) return false;
  if (s.resources && !s.resources.some((p) => globMatch(p, resource, false))) return false;
  if (s.notResources && s.notResources.some((p) => globMatch(p, resource, false))) return false;
  return Object.entries(s.conditions).every(([op, keys]) => conditionHolds(op, keys, ctx));
}

/** The first Deny statement that applies to `action` on `resource`, if any. */
export function findExplicitDeny(
  docs: PolicyDocument[],
  action: string,
  resource: string,
  ctx: ConditionContext,
): PolicyStatement | undefined {
  for (const doc of docs) {
    const hit = doc.statements.find((s) => s.effect === 'Deny' && statementApplies(s, action, resource, ctx));
    if (hit) return hit;
  }
  return undefined;
}

/** Request context of a session, as AWS populates it for assumed-role principals. */
export function sessionContext(session: SessionRecord, now: number): ConditionContext {
  const ctx: ConditionContext = new Map([
    ['aws:tokenissuetime', [new Date(session.issuedAt).toISOString()]],
    ['aws:principalarn', [session.role.arn]],
    ['aws:principalaccount', [session.role.account]],
    ['aws:principaltype', ['AssumedRole']],
    ['aws:userid', [session.assumedRoleId]],
    ['aws:currenttime', [new Date(now).toISOString()]],
    ['aws:epochtime', [String(Math.floor(now / 1000))]],
  ]);
  if (session.sourceIdentity !== undefined) ctx.set('aws:sourceidentity', [session.sourceIdentity]);
  for (const [k, v] of Object.entries(session.tags)) ctx.set(`aws:principaltag/${k.toLowerCase()}`, [v]);
  return ctx;
}
