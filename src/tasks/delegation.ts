import { Errors } from '../errors/codes.js';
import type { ActClaim, AgentRef, Scope, Task } from './task.js';
import { sameIdentity } from '../identity/identity.js';

/**
 * Delegation (`parent_task_id`): the owner of an active task declares a sub-task, either for itself or,
 * with `delegate_to`, for another agent that then owns the sub-task. The sub-task's scopes are a subset
 * of the parent's, its expiry is no later than the parent's, and the chain depth is limited
 * (`tasks.max_delegation_depth`). Closing a task in any way closes every descendant.
 *
 * The chain is recorded as RFC 8693 actor claims: `principal` is the owner of the root task (the party
 * everyone acts for); `act` names the current actor, nesting earlier actors, e.g. for A → B → C:
 * `{ sub: C, act: { sub: B } }` with principal A. A sub-task for the same identity adds no actor.
 */
export interface DelegationRecord {
  principal: AgentRef;
  act: ActClaim | null;
  delegatedBy: AgentRef | null;
}

/** Delegation fields of a new sub-task owned by `owner`, declared by `declaredBy` under `parent`. */
export function delegationOf(parent: Task, owner: AgentRef, declaredBy: AgentRef): DelegationRecord {
  const principal = parent.principal ?? parent.agent;
  const parentAct = parent.act ?? null;
  const lastActor = parentAct ? { issuer: parentAct.iss, subject: parentAct.sub } : principal;
  const act = sameAgent(owner, lastActor) ? parentAct : { iss: owner.issuer, sub: owner.subject, ...(parentAct ? { act: parentAct } : {}) };
  return { principal, act, delegatedBy: sameAgent(owner, declaredBy) ? null : declaredBy };
}

/** The actors of an `act` claim, earliest first. */
export function actors(act: ActClaim | null | undefined): AgentRef[] {
  const out: AgentRef[] = [];
  for (let a = act ?? undefined; a; a = a.act) out.unshift({ issuer: a.iss, subject: a.sub });
  return out;
}

/**
 * Who may read and complete a task: its owner, the agent that delegated it, and the principal of its
 * chain. Only the owner obtains credentials under it.
 */
export function mayManage(task: Task, id: AgentRef): boolean {
  return [task.agent, task.delegatedBy, task.principal].some((a) => a && sameAgent(a, id));
}

/** Throws scope_not_declared unless every child scope (and its resources) is within the parent's. */
export function assertScopesWithin(parent: Scope[], child: Scope[]): void {
  for (const s of child) {
    const ps = parent.find((p) => p.profile === s.profile);
    if (!ps) throw Errors.scopeNotDeclared(`Profile ${s.profile} is not in the parent task's scopes`);
    // A parent scope naming resources binds the child to a subset of them (a child scope without resources
    // could mean "unrestricted" to some backends); a parent scope without resources allows the child none.
    if (ps.resources && !s.resources) throw Errors.scopeNotDeclared(`Resources for ${s.profile} must be listed: the parent task restricts them`);
    const allowed = ps.resources ?? [];
    const extra = (s.resources ?? []).filter((r) => !allowed.includes(r));
    if (extra.length > 0) throw Errors.scopeNotDeclared(`Resources for ${s.profile} must be a subset of the parent task's: ${extra.join(', ')}`);
  }
}

/** True when both name the same identity. */
export const sameAgent: (a: AgentRef, b: AgentRef) => boolean = sameIdentity;
