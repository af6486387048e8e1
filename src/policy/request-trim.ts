import type { CedarRequest, CedarValueJson, EntityJson } from './cedar-wasm.js';
import type { PolicyShape } from './policy-shape.js';

/** What of a request a group of policies can read: everything else may be left out. */
export interface RequestNeeds {
  /** Attribute names read anywhere; undefined: all (nothing is trimmed). */
  attributes: ReadonlySet<string> | undefined;
  /** Attribute names whose values are used whole: records under them keep every field. */
  wholeAttributes: ReadonlySet<string>;
  /** Tags are read. */
  tags: boolean;
  /** The tag names read, when all are literal; undefined: any tag may be read. */
  tagNames: ReadonlySet<string> | undefined;
  /** `context` is used whole: its attributes stay. */
  wholeContext: boolean;
}

/** The union of what `shapes` read. */
export function needsOf(shapes: readonly PolicyShape[]): RequestNeeds {
  const attributes = new Set<string>();
  const wholeAttributes = new Set<string>();
  let tagNames: Set<string> | undefined = new Set<string>();
  let tags = false;
  let wholeContext = false;
  for (const s of shapes) {
    if (s.opaque) return { attributes: undefined, wholeAttributes: new Set<string>(), tags: true, tagNames: undefined, wholeContext: true };
    for (const a of s.attributes) attributes.add(a);
    for (const a of s.wholeAttributes) wholeAttributes.add(a);
    if (s.tags) {
      tags = true;
      if (!s.tagNames) tagNames = undefined;
      else if (tagNames) for (const t of s.tagNames) tagNames.add(t);
    }
    wholeContext ||= s.wholeContext;
  }
  return { attributes, wholeAttributes, tags, tagNames, wholeContext };
}

/**
 * Leave out of `req` what no policy reads: context attributes, fields of records (`context.time`) and
 * entity attributes whose names no policy mentions, and tags when no policy reads tags. A record whose
 * value some policy uses whole (`context.time == {...}`) keeps every field. Cedar parses every value of every request
 * (most of an evaluation's cost), and a policy can only observe an attribute through its name (`.name`,
 * `has name`; an entity's attributes are never a value as a whole) and a tag through `hasTag`/`getTag`
 * (when every one names its tag literally, only those tags are sent), so the decision is the same.
 * Entities themselves, their ids and parents stay: `==`, `in` and `is` need them.
 */
export function trimRequest(req: CedarRequest, needs: RequestNeeds): CedarRequest {
  const names = needs.attributes;
  if (!names) return req;
  let context = req.context;
  if (!needs.wholeContext) context = pick(req.context, names, needs.wholeAttributes);
  const entities: EntityJson[] = [];
  for (const e of req.entities) {
    const attrs = pick(e.attrs as Record<string, CedarValueJson>, names, needs.wholeAttributes);
    const trimmed: EntityJson = { uid: e.uid, attrs, parents: e.parents };
    if (needs.tags && e.tags) trimmed.tags = needs.tagNames ? only(e.tags, needs.tagNames) : e.tags;
    entities.push(trimmed);
  }
  return { principal: req.principal, action: req.action, resource: req.resource, context, entities };
}

function only(tags: Record<string, CedarValueJson>, names: ReadonlySet<string>): Record<string, CedarValueJson> {
  const out: Record<string, CedarValueJson> = {};
  for (const k in tags) if (names.has(k)) out[k] = tags[k]!;
  return out;
}

/** The fields of `record` named in `names`; nested records trimmed the same way unless used whole. */
function pick(record: Record<string, CedarValueJson>, names: ReadonlySet<string>, whole: ReadonlySet<string>): Record<string, CedarValueJson> {
  const out: Record<string, CedarValueJson> = {};
  for (const k in record) {
    if (!names.has(k)) continue;
    const v = record[k]!;
    out[k] = !whole.has(k) && isPlainRecord(v) ? pick(v, names, whole) : v;
  }
  return out;
}

/** A record value (not a set, an entity reference `__entity` or an extension value `__extn`). */
function isPlainRecord(v: CedarValueJson): v is Record<string, CedarValueJson> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !('__entity' in v) && !('__extn' in v);
}
