import { AnswerCache } from './answer-cache.js';
import { cedar, errorText } from './cedar-wasm.js';
import type { CompiledPolicy, CompiledPolicySet } from './policy-compiler.js';
import { PolicyLoadError } from './policy-files.js';
import { admits } from './policy-shape.js';
import { needsOf, type RequestNeeds } from './request-trim.js';

/** The policies that can match one kind of request, preparsed, and what of the request they read. */
export interface PolicySlice {
  /** Cedar id of the preparsed slice; undefined when no policy can match (default deny, nothing to ask). */
  setId: string | undefined;
  needs: RequestNeeds;
  size: number;
}

/** Resource types whose ids slice the set (configured profiles: few); others slice by type only. */
const SLICED_BY_ID = new Set(['Tessera::Profile']);
/** At most this many slices per set (a bound on Cedar memory); past it, requests use the whole set. */
const MAX_SLICES = 512;

/**
 * A compiled policy set parsed into the Cedar module under a slot name, so each evaluation only sends
 * the request. Approval policies (`@approval("required")`, always permits) sit in the same Cedar set:
 * one evaluation answers both questions, because an allow lists every satisfied permit, and Tessera
 * counts only the ordinary permits towards allowing (see CedarPolicy).
 * Requests are evaluated against a slice: only the policies whose scope can admit the request's action
 * and resource (a policy whose scope does not match is never satisfied and never evaluated, so it
 * cannot change a decision or raise an error). Slices are preparsed on first use.
 * Immutable: a reload prepares a new one in another slot and swaps the reference.
 */
export class PreparedPolicySet {
  /** Policy metadata by id. */
  readonly byId: ReadonlyMap<string, CompiledPolicy>;
  /** Position of each policy in the set (file order), so decisions list policies in one stable order. */
  readonly order: ReadonlyMap<string, number>;
  /** Answers of this set's slices by request (see AnswerCache). */
  readonly answers: AnswerCache;
  private readonly slices = new Map<string, PolicySlice>();
  private readonly whole: PolicySlice;

  private constructor(
    readonly compiled: CompiledPolicySet,
    /** Cedar id of the preparsed set. */
    readonly setId: string,
    answerCacheSize: number,
  ) {
    this.answers = new AnswerCache(answerCacheSize);
    this.byId = new Map(compiled.policies.map((p) => [p.id, p]));
    this.order = new Map(compiled.policies.map((p, i) => [p.id, i]));
    this.whole = { setId, needs: needsOf(compiled.policies.map((p) => p.shape)), size: compiled.policies.length };
  }

  /** SHA-256 of the policy files this set was built from. */
  get sha256(): string {
    return this.compiled.sha256;
  }

  /** Where policy `id` stands in the set (file order); unknown ids go last. */
  position(id: string): number {
    return this.order.get(id) ?? Number.MAX_SAFE_INTEGER;
  }

  /** `ids` in the set's order (Cedar lists satisfied policies in no documented order). */
  inOrder(ids: readonly string[]): string[] {
    return [...ids].sort((a, b) => this.position(a) - this.position(b) || (a < b ? -1 : a > b ? 1 : 0));
  }

  /** True when `id` is an approval policy. */
  isApproval(id: string): boolean {
    return this.byId.get(id)?.approval ?? false;
  }

  /** The policies that can decide `action` on the resource `type::id`. */
  slice(action: string, type: string, id: string): PolicySlice {
    const byId = SLICED_BY_ID.has(type);
    const key = byId ? `${action}|${type}|${id}` : `${action}|${type}`;
    const known = this.slices.get(key);
    if (known) return known;
    if (this.slices.size >= MAX_SLICES) return this.whole;
    const policies = this.compiled.policies.filter((p) => admits(p.shape, action, type, byId ? id : undefined));
    const slot = `${this.setId}/${key}`;
    if (policies.length > 0) prepare(slot, policies, this.compiled.dir);
    const made: PolicySlice = { setId: policies.length > 0 ? slot : undefined, needs: needsOf(policies.map((p) => p.shape)), size: policies.length };
    this.slices.set(key, made);
    return made;
  }

  /** Every policy of the set (explain, and checking slices in tests). */
  get all(): PolicySlice {
    return this.whole;
  }

  /** Parse `compiled` into the Cedar module under `slot` (overwriting what was there). */
  static prepare(compiled: CompiledPolicySet, slot: string, answerCacheSize = 10_000): PreparedPolicySet {
    prepare(slot, compiled.policies, compiled.dir);
    return new PreparedPolicySet(compiled, slot, answerCacheSize);
  }
}

function prepare(slot: string, policies: readonly CompiledPolicy[], dir: string): void {
  const r = cedar.preparsePolicySet(slot, { staticPolicies: Object.fromEntries(policies.map((p) => [p.id, p.text])) });
  if (r.type !== 'success') throw new PolicyLoadError(dir, r.errors.map((e) => `${dir}: ${errorText(e)}`));
}
