import type { PolicyDecision, PolicyEngine, PolicyRequest } from './policy.js';

/** A policy that took part in a decision, as explain shows it. */
export interface PolicyRef {
  id: string;
  effect?: 'permit' | 'forbid' | undefined;
  file?: string | undefined;
  line?: number | undefined;
  reason?: string | undefined;
}

/** Why one engine decided what it did. */
export interface EngineExplanation {
  engine: string;
  decision: PolicyDecision;
  /** Policies that decided (permits for allow, forbids for deny). */
  determining: PolicyRef[];
  /** Approval policies that matched (`@approval("required")`). */
  approval: PolicyRef[];
  /** Evaluation errors (each denies). */
  errors: string[];
  /** Version of the policy set (SHA-256 of its files), when the engine has one. */
  version?: string | undefined;
  /** The request as the policies see it (Cedar principal, action, resource, context, entities). */
  evaluated?: unknown;
  /**
   * What evaluation actually used: how many policies of the set could match this action and resource
   * (the others were left out), and the request with only what those policies read.
   */
  sliced?: { policies: number; of: number; sent: unknown } | undefined;
}

/** The answer of explain: the combined decision and each engine's part. */
export interface Explanation {
  decision: 'allow' | 'deny' | 'approval_required';
  allow: boolean;
  require_approval: boolean;
  policies: string[];
  reasons: string[];
  engines: EngineExplanation[];
}

/** A policy engine that can say why. `explain` never has side effects (no audit, no minting). */
export interface ExplainablePolicy extends PolicyEngine {
  explain(req: PolicyRequest): Promise<EngineExplanation[]>;
}

/** Combine engine explanations: any deny denies; any approval requirement requires approval. */
export function combine(parts: EngineExplanation[]): Explanation {
  const denied = parts.find((p) => !p.decision.allow);
  const allow = !denied;
  const requireApproval = allow && parts.some((p) => p.decision.requireApproval);
  const from = denied ? [denied] : parts;
  return {
    decision: !allow ? 'deny' : requireApproval ? 'approval_required' : 'allow',
    allow,
    require_approval: requireApproval,
    policies: from.flatMap((p) => p.decision.policies),
    reasons: from.flatMap((p) => p.decision.reasons),
    engines: parts,
  };
}

