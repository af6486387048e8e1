import { combine, type Explanation, type ExplainablePolicy } from './explain.js';
import type { ExplainRequest } from './explain-input.js';

/** The answer of explain: the decision, why, Tessera's own checks, and what was asked. */
export interface ExplainAnswer extends Explanation {
  action: string;
  /** Non-policy checks the real request would meet (scope, profile, TTL clamping). */
  checks: string[];
  evaluated_at: string;
  /** Whether the real request would get a credential now: policy allows and no check failed. */
  would_issue: boolean;
}

/**
 * Evaluate a request with the engine without any side effect: nothing is audited, stored or minted.
 * An engine failure is reported as a deny, as the real request path would fail closed.
 */
export async function runExplain(engine: ExplainablePolicy, er: ExplainRequest): Promise<ExplainAnswer> {
  let e: Explanation;
  try {
    e = combine(await engine.explain(er.request));
  } catch (err) {
    const msg = `policy evaluation error: ${(err as Error).message}`;
    e = { decision: 'deny', allow: false, require_approval: false, policies: [], reasons: [msg], engines: [] };
  }
  const failed = er.checks.some((c) => /^(profile_unknown|scope_not_declared)/.test(c));
  return {
    ...e,
    action: er.request.action,
    checks: er.checks,
    evaluated_at: new Date(er.request.context.now).toISOString(),
    would_issue: e.decision === 'allow' && !failed,
  };
}
