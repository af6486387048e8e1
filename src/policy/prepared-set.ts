import { cedar, errorText } from './cedar-wasm.js';
import type { CompiledPolicy, CompiledPolicySet } from './policy-compiler.js';
import { PolicyLoadError } from './policy-files.js';

/**
 * A compiled policy set parsed into the Cedar module under a slot name, so each evaluation only sends
 * the request. Approval policies (`@approval("required")`, always permits) sit in the same Cedar set:
 * one evaluation answers both questions, because an allow lists every satisfied permit, and Tessera
 * counts only the ordinary permits towards allowing (see CedarPolicy).
 * Immutable: a reload prepares a new one in another slot and swaps the reference.
 */
export class PreparedPolicySet {
  /** Policy metadata by id. */
  readonly byId: ReadonlyMap<string, CompiledPolicy>;
  /** True when the set has approval policies. */
  readonly hasApproval: boolean;

  private constructor(
    readonly compiled: CompiledPolicySet,
    /** Cedar id of the preparsed set. */
    readonly setId: string,
  ) {
    this.byId = new Map(compiled.policies.map((p) => [p.id, p]));
    this.hasApproval = compiled.policies.some((p) => p.approval);
  }

  /** SHA-256 of the policy files this set was built from. */
  get sha256(): string {
    return this.compiled.sha256;
  }

  /** True when `id` is an approval policy. */
  isApproval(id: string): boolean {
    return this.byId.get(id)?.approval ?? false;
  }

  /** Parse `compiled` into the Cedar module under `slot` (overwriting what was there). */
  static prepare(compiled: CompiledPolicySet, slot: string): PreparedPolicySet {
    const r = cedar.preparsePolicySet(slot, { staticPolicies: Object.fromEntries(compiled.policies.map((p) => [p.id, p.text])) });
    if (r.type !== 'success') throw new PolicyLoadError(compiled.dir, r.errors.map((e) => `${compiled.dir}: ${errorText(e)}`));
    return new PreparedPolicySet(compiled, slot);
  }
}
