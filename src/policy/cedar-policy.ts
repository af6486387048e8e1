import type { ProfileConfig } from '../config/schema.js';
import { sha256Base64url } from '../util/hash.js';
import { authorize, errorText, type AuthorizationAnswer, type CedarRequest, type EntityJson } from './cedar-wasm.js';
import { approvalState, buildCedarRequest, profileEntity } from './cedar-request.js';
import type { EngineExplanation, ExplainablePolicy, PolicyRef } from './explain.js';
import type { CompiledPolicySet } from './policy-compiler.js';
import type { PolicyDecision, PolicyRequest } from './policy.js';
import { PreparedPolicySet, type PolicySlice } from './prepared-set.js';
import { trimRequest } from './request-trim.js';
import { TimeZoneClock } from './time-facts.js';

let instances = 0;

/** Options of the Cedar engine. */
export interface CedarPolicyOptions {
  profiles: Record<string, ProfileConfig>;
  timezone: string;
  /** Called with each evaluation's duration in seconds (for the metric). */
  observe?: ((action: string, seconds: number) => void) | undefined;
  /**
   * Also validate each request against the schema at evaluation time, with the whole policy set, and
   * check that the sliced evaluation decided the same (tests; costs more than twice as much). Off, a
   * request that did not match the schema would make policies error, which denies.
   */
  validateRequests?: boolean | undefined;
  /** How many Cedar answers each policy set remembers by request (default 10,000; 0: none). */
  answerCacheSize?: number | undefined;
}

/**
 * Decides each request with the platform team's Cedar policies. Default deny; a `forbid` wins over any
 * `permit`; an evaluation error (or an invalid request) denies. When the ordinary policies allow a
 * credential request, matching approval policies (`@approval("required")`) ask for a human approval.
 * The policy set is swapped atomically by `swap` (evaluation is synchronous, so it never sees half a set).
 */
export class CedarPolicy implements ExplainablePolicy {
  private current: PreparedPolicySet;
  private generation = 0;
  private readonly slot = `tessera-${++instances}`;
  private readonly clock: TimeZoneClock;
  private readonly profiles: ReadonlyMap<string, EntityJson>;

  constructor(
    initial: CompiledPolicySet,
    private readonly opts: CedarPolicyOptions,
  ) {
    this.clock = new TimeZoneClock(opts.timezone);
    this.profiles = new Map(Object.entries(opts.profiles).map(([name, p]) => [name, profileEntity(name, p)]));
    this.current = PreparedPolicySet.prepare(initial, `${this.slot}:0`, opts.answerCacheSize);
  }

  /** The set in force. */
  get active(): CompiledPolicySet {
    return this.current.compiled;
  }

  /** Prepare a new validated set in the idle slot, then make it the one in force. */
  swap(next: CompiledPolicySet): void {
    const prepared = PreparedPolicySet.prepare(next, `${this.slot}:${(this.generation + 1) % 2}`, this.opts.answerCacheSize);
    this.generation++;
    this.current = prepared;
  }

  async decide(req: PolicyRequest): Promise<PolicyDecision> {
    return this.evaluate(req).outcome.decision;
  }

  async explain(req: PolicyRequest): Promise<EngineExplanation[]> {
    const { outcome, set, request, slice, sent } = this.evaluate(req);
    const ref = (id: string): PolicyRef => {
      const p = set.byId.get(id);
      return p ? { id, effect: p.effect, file: p.file, line: p.line, reason: p.reason } : { id };
    };
    return [
      {
        engine: 'cedar',
        decision: outcome.decision,
        determining: outcome.determining.map(ref),
        approval: outcome.approval.map(ref),
        errors: outcome.errors,
        version: set.sha256,
        evaluated: request,
        sliced: { policies: slice.size, of: set.compiled.policies.length, sent },
      },
    ];
  }

  private evaluate(req: PolicyRequest): { outcome: Outcome; set: PreparedPolicySet; request: CedarRequest; slice: PolicySlice; sent: CedarRequest } {
    const started = process.hrtime.bigint();
    const set = this.current;
    const request = buildCedarRequest(req, this.profiles, this.clock);
    // Only the policies whose scope can admit this action and resource, sent only what they read.
    const slice = set.slice(request.action.id, request.resource.type, request.resource.id);
    const sent = trimRequest(request, slice.needs);
    let answer = slice.setId ? this.ask(set, slice.setId, sent) : NO_POLICY;
    if (this.opts.validateRequests) answer = checkedAgainstWhole(answer, authorize(set.setId, request, true));
    const outcome = judge(set, answer, req);
    this.opts.observe?.(req.action, Number(process.hrtime.bigint() - started) / 1e9);
    return { outcome, set, request, slice, sent };
  }

  /** Cedar's answer for `sent` against the slice `setId`: remembered, or evaluated and remembered. */
  private ask(set: PreparedPolicySet, setId: string, sent: CedarRequest): AuthorizationAnswer {
    // SHA-256 of the exact request text: a short key whatever the request's size.
    const key = sha256Base64url(setId, '\n', JSON.stringify(sent));
    const known = set.answers.get(key);
    if (known) return known;
    const answer = authorize(setId, sent, false);
    set.answers.set(key, answer);
    return answer;
  }
}

/** A decision and the policy ids behind it. */
interface Outcome {
  decision: PolicyDecision;
  determining: string[];
  approval: string[];
  errors: string[];
}

const DEFAULT_DENY = 'no policy permits this request (default deny)';

/** Cedar's answer when no policy can match: deny, nothing satisfied, no error. */
const NO_POLICY: AuthorizationAnswer = { type: 'success', response: { decision: 'deny', diagnostics: { reason: [], errors: [] } }, warnings: [] };

/**
 * With request validation (tests): the answer of the whole set for the full, validated request is the
 * one used, and a sliced answer that differs from it is a bug in slicing, so it throws.
 */
function checkedAgainstWhole(sliced: AuthorizationAnswer, whole: AuthorizationAnswer): AuthorizationAnswer {
  if (whole.type !== 'success') return whole;
  const summary = (a: AuthorizationAnswer) =>
    a.type !== 'success'
      ? `failure: ${a.errors.map(errorText).join('; ')}`
      : `${a.response.decision} [${[...a.response.diagnostics.reason].sort().join(',')}] [${a.response.diagnostics.errors.map((e) => `${e.policyId}: ${errorText(e.error)}`).sort().join('; ')}]`;
  if (summary(sliced) !== summary(whole)) throw new Error(`policy slicing changed a decision: sliced ${summary(sliced)}, whole set ${summary(whole)}`);
  return whole;
}

/**
 * Turn Cedar's answer into Tessera's decision. Errors deny. A deny names the satisfied forbids (none:
 * default deny). An allow lists every satisfied permit: approval policies never count towards allowing,
 * they only ask for a human on a first credential request.
 * Plain loops on purpose: a lazy deoptimisation inside an inlined Array callback (map/filter) can crash
 * Node 20's V8 ("unreachable code" in DoComputeBuiltinContinuation) on this hot path.
 */
function judge(set: PreparedPolicySet, answer: AuthorizationAnswer, req: PolicyRequest): Outcome {
  const errors: string[] = [];
  if (answer.type !== 'success') {
    const reasons: string[] = [];
    for (const e of answer.errors) {
      errors.push(errorText(e));
      reasons.push(`policy evaluation error: ${errorText(e)}`);
    }
    return { decision: { allow: false, reasons, policies: [] }, determining: [], approval: [], errors };
  }
  const { decision, diagnostics } = answer.response;
  if (diagnostics.errors.length > 0) {
    const ids: string[] = [];
    const reasons: string[] = [];
    const inOrder = [...diagnostics.errors].sort((a, b) => set.position(a.policyId) - set.position(b.policyId));
    for (const e of inOrder) {
      const text = `${e.policyId}: ${errorText(e.error)}`;
      errors.push(text);
      reasons.push(`policy evaluation error in ${text}`);
      if (!ids.includes(e.policyId)) ids.push(e.policyId);
    }
    return { decision: { allow: false, reasons, policies: ids }, determining: ids, approval: [], errors };
  }
  if (decision === 'deny') {
    const ids = set.inOrder(diagnostics.reason); // a copy in file order (the answer may be remembered)
    const reasons = ids.length > 0 ? because(set, 'forbidden', ids) : [DEFAULT_DENY];
    return { decision: { allow: false, reasons, policies: ids }, determining: ids, approval: [], errors };
  }
  const permits: string[] = [];
  const approvals: string[] = [];
  for (const id of set.inOrder(diagnostics.reason)) (set.isApproval(id) ? approvals : permits).push(id);
  if (permits.length === 0) return { decision: { allow: false, reasons: [DEFAULT_DENY], policies: [] }, determining: [], approval: [], errors };
  const asked = req.action === 'request_credential' && approvalState(req) === 'none' ? approvals : [];
  const reasons = because(set, 'permitted', permits);
  for (const r of because(set, 'approval required', asked)) reasons.push(r);
  const decided: PolicyDecision = { allow: true, requireApproval: asked.length > 0, reasons, policies: permits.concat(asked) };
  return { decision: decided, determining: permits, approval: asked, errors };
}

/** `<verb> by <id>: <@reason>` for each policy. */
function because(set: PreparedPolicySet, verb: string, ids: string[]): string[] {
  const out: string[] = [];
  for (const id of ids) {
    const reason = set.byId.get(id)?.reason;
    out.push(reason ? `${verb} by ${id}: ${reason}` : `${verb} by ${id}`);
  }
  return out;
}
