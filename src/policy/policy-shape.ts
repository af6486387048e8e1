/**
 * What a policy's scope and body say about the requests it can touch, read from Cedar's JSON form of
 * the policy (https://docs.cedarpolicy.com/policies/json-format.html). Used to evaluate each request
 * against only the policies whose scope can match it (policy slicing) and to send Cedar only the
 * request data some policy reads (entity slicing): Cedar's own advice for fast authorization
 * (https://docs.cedarpolicy.com/auth/entities-syntax.html#entity-slicing).
 */

/** An entity reference in Cedar's JSON form. */
interface EntityRef {
  type: string;
  id: string;
}

/** The resource part of a scope: any resource, one entity (`==`, `in`), or one type (`is`, optionally `in`). */
export type ResourceScope = { kind: 'any' } | { kind: 'entity'; ref: EntityRef } | { kind: 'type'; type: string; in?: EntityRef };

/** The facts slicing needs about one policy. */
export interface PolicyShape {
  /** Action ids the scope admits; undefined: every action. */
  actions: ReadonlySet<string> | undefined;
  resource: ResourceScope;
  /** Every attribute name the policy reads or tests (`x.name`, `x has name`), on any value. */
  attributes: ReadonlySet<string>;
  /**
   * Attribute names whose value is used as a whole (compared, put in a set, ...) rather than only read
   * further by attribute (`context.time.hour`): a record under such a name is never trimmed.
   */
  wholeAttributes: ReadonlySet<string>;
  /** True when the policy reads tags (`hasTag`, `getTag`). */
  tags: boolean;
  /** The tag names it reads, when every tag access names a literal tag; undefined: any tag. */
  tagNames: ReadonlySet<string> | undefined;
  /** True when `context` is used as a whole value (not only to read attributes): nothing of it may be left out. */
  wholeContext: boolean;
  /** True when an attribute access had a form this reader does not know: then nothing at all may be left out. */
  opaque: boolean;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A JSON scope constraint as Cedar writes it: `{ op, entity | entities | entity_type, in? }`. */
interface ScopeJson {
  op: string;
  entity?: EntityRef;
  entities?: EntityRef[];
  entity_type?: string;
  in?: { entity?: EntityRef };
}

/**
 * Read a policy's shape from its JSON form (`cedar.policyToJson(text).json`). Anything not understood
 * widens the shape (every action, any resource, whole context), so slicing can only keep a policy,
 * never drop one it should not.
 */
export function policyShape(est: { action?: unknown; resource?: unknown; conditions?: unknown }): PolicyShape {
  const attributes = new Set<string>();
  const state: WalkState = { tags: false, tagNames: new Set<string>(), wholeAttributes: new Set<string>(), wholeContext: false, opaque: false };
  walk(est.conditions as Json, attributes, state, false);
  return { actions: actionsOf(est.action as ScopeJson | undefined), resource: resourceOf(est.resource as ScopeJson | undefined), attributes, ...state };
}

/**
 * Tessera's schema declares no action groups, so `action in [A, B]` admits exactly A and B, and
 * `action in A` exactly A.
 */
function actionsOf(scope: ScopeJson | undefined): ReadonlySet<string> | undefined {
  if (!scope || scope.op === 'All') return undefined;
  if ((scope.op === '==' || scope.op === 'in') && scope.entity) return new Set([scope.entity.id]);
  if (scope.op === 'in' && Array.isArray(scope.entities)) return new Set(scope.entities.map((e) => e.id));
  return undefined;
}

/**
 * Tessera's resources (profiles, tasks) have no parents, so `resource in E` holds exactly when the
 * resource is E, like `==`.
 */
function resourceOf(scope: ScopeJson | undefined): ResourceScope {
  if (!scope || scope.op === 'All') return { kind: 'any' };
  if ((scope.op === '==' || scope.op === 'in') && scope.entity) return { kind: 'entity', ref: scope.entity };
  if (scope.op === 'is' && typeof scope.entity_type === 'string') {
    return scope.in?.entity ? { kind: 'type', type: scope.entity_type, in: scope.in.entity } : { kind: 'type', type: scope.entity_type };
  }
  return { kind: 'any' };
}

/**
 * True when the policy's scope can admit `action` on a resource of `type` with id `id` (undefined: any
 * id of that type). Only a "no" is certain; a policy it keeps may still not match.
 */
export function admits(shape: PolicyShape, action: string, type: string, id: string | undefined): boolean {
  if (shape.actions && !shape.actions.has(action)) return false;
  const r = shape.resource;
  const sameEntity = (ref: EntityRef) => ref.type === type && (id === undefined || ref.id === id);
  if (r.kind === 'entity') return sameEntity(r.ref);
  if (r.kind === 'type') return r.type === type && (!r.in || sameEntity(r.in));
  return true;
}

const isContextVar = (node: Json | undefined): boolean => typeof node === 'object' && node !== null && !Array.isArray(node) && node['Var'] === 'context';

interface WalkState {
  wholeAttributes: Set<string>;
  tags: boolean;
  tagNames: Set<string> | undefined;
  wholeContext: boolean;
  opaque: boolean;
}

/**
 * Collect attribute names and tag use; note any use of `context` other than reading an attribute, and
 * the attributes whose values are used whole. `accessed`: this node's value is only read further by an
 * attribute access (it is the left side of `.` or `has`).
 */
function walk(node: Json | undefined, attributes: Set<string>, state: WalkState, accessed: boolean): void {
  if (node === null || node === undefined || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) walk(n, attributes, state, false);
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    if ((key === '.' || key === 'has') && value && typeof value === 'object' && !Array.isArray(value)) {
      // `has` takes a path since Cedar 4.3 (`context has request.ttl_seconds`): then `attr` is an array.
      const attr = value['attr'];
      if (typeof attr === 'string') attributes.add(attr);
      else if (Array.isArray(attr) && attr.every((a) => typeof a === 'string')) for (const a of attr) attributes.add(a as string);
      else state.opaque = true;
      if (key === '.' && !accessed && typeof attr === 'string') state.wholeAttributes.add(attr);
      // `context.x` and `context has x` read one attribute: the context itself is not used whole.
      if (!isContextVar(value['left'])) walk(value['left'], attributes, state, true);
      continue;
    }
    if (key === 'hasTag' || key === 'getTag') {
      state.tags = true;
      // `x.hasTag("team")`: the tag is named by a literal string; any other expression may name any tag.
      const right = value && typeof value === 'object' && !Array.isArray(value) ? value['right'] : undefined;
      const literal = right && typeof right === 'object' && !Array.isArray(right) ? right['Value'] : undefined;
      if (typeof literal === 'string') state.tagNames?.add(literal);
      else state.tagNames = undefined;
    }
    if (key === 'Var' && value === 'context') state.wholeContext = true;
    walk(value, attributes, state, false);
  }
}
