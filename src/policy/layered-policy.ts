import type { EngineExplanation, ExplainablePolicy } from './explain.js';
import type { PolicyDecision, PolicyEngine, PolicyRequest } from './policy.js';

/** One engine of a layered policy, with the name explain shows. */
export interface PolicyLayer {
  name: string;
  engine: PolicyEngine;
}

/**
 * Several engines in order (the built-in profile rules, then Cedar): the first deny wins and stops;
 * approval is required when any engine requires it; the policies and reasons of all are kept.
 */
export class LayeredPolicy implements ExplainablePolicy {
  constructor(private readonly layers: PolicyLayer[]) {}

  async decide(req: PolicyRequest): Promise<PolicyDecision> {
    const policies: string[] = [];
    const reasons: string[] = [];
    let requireApproval = false;
    for (const { engine } of this.layers) {
      const d = await engine.decide(req);
      if (!d.allow) return d;
      requireApproval ||= Boolean(d.requireApproval);
      policies.push(...d.policies);
      reasons.push(...d.reasons);
    }
    return { allow: true, requireApproval, reasons, policies };
  }

  async explain(req: PolicyRequest): Promise<EngineExplanation[]> {
    const parts: EngineExplanation[] = [];
    for (const layer of this.layers) parts.push(...(await explainWith(layer, req)));
    return parts;
  }
}

/** Explain with any engine: its own explain when it has one, else its decision. */
export async function explainWith(layer: PolicyLayer, req: PolicyRequest): Promise<EngineExplanation[]> {
  const e = layer.engine as Partial<ExplainablePolicy>;
  if (typeof e.explain === 'function') return e.explain(req);
  const decision = await layer.engine.decide(req);
  return [{ engine: layer.name, decision, determining: decision.policies.map((id) => ({ id })), approval: [], errors: [] }];
}

