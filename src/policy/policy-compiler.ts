import { cedar, errorText, type DetailedError } from './cedar-wasm.js';
import { CEDAR_SCHEMA } from './cedar-schema.js';
import { policyShape, type PolicyShape } from './policy-shape.js';
import { lineColumn, policyStart, splitPolicies, type PolicyChunk } from './policy-source.js';
import { PolicyLoadError, type PolicySource } from './policy-files.js';

/**
 * One validated policy. Its id comes from an `@id("...")` annotation, else `<file>#<n>` (n counts from 1).
 * `@approval("required")` on a `permit` makes it an approval policy: it never grants anything, it only
 * sends a request the other policies allow to a human approver. `@reason("...")` is a short text
 * explaining the policy, carried into decisions.
 */
export interface CompiledPolicy {
  id: string;
  file: string;
  line: number;
  effect: 'permit' | 'forbid';
  approval: boolean;
  reason: string | undefined;
  text: string;
  /** Its scope and what it reads (for slicing). */
  shape: PolicyShape;
}

/** A validated policy set, ready to be prepared for evaluation. */
export interface CompiledPolicySet {
  dir: string;
  sha256: string;
  policies: CompiledPolicy[];
  /** Validator warnings (not fatal), as `file:line:column: message`. */
  warnings: string[];
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:/#-]{0,127}$/;

/**
 * Parse every policy, read its annotations, and validate the whole set against Tessera's schema in
 * strict mode. Throws PolicyLoadError listing every problem as `file:line:column: message`.
 */
export function compilePolicies(src: PolicySource): CompiledPolicySet {
  const problems: string[] = [];
  const policies: CompiledPolicy[] = [];
  const where = new Map<string, { file: { path: string; text: string }; chunk: PolicyChunk }>();
  for (const file of src.files) {
    for (const chunk of splitPolicies(file.text)) {
      const at = (offset: number) => {
        const { line, column } = lineColumn(file.text, offset);
        return `${file.path}:${line}:${column}`;
      };
      const located = (e: DetailedError) => `${at(chunk.byteOffset + (e.sourceLocations?.[0]?.start ?? 0))}: ${errorText(e)}`;
      const parsed = cedar.policyToJson(chunk.text);
      if (parsed.type !== 'success') {
        problems.push(...parsed.errors.map(located));
        continue;
      }
      const start = at(policyStart(chunk));
      const notes = parsed.json.annotations ?? {};
      const id = notes.id ?? `${file.name}#${chunk.index + 1}`;
      if (!ID_RE.test(id)) problems.push(`${start}: @id("${id}") must be 1-128 letters, digits and _ . : / # -`);
      const first = where.get(id);
      if (first) {
        problems.push(`${start}: policy id "${id}" is already used at ${first.file.path}:${lineColumn(first.file.text, policyStart(first.chunk)).line}`);
        continue;
      }
      where.set(id, { file, chunk });
      const approval = notes.approval !== undefined;
      if (approval && notes.approval !== 'required') problems.push(`${start}: @approval must be "required"`);
      if (approval && parsed.json.effect !== 'permit') {
        problems.push(`${start}: @approval("required") belongs on a permit (it adds a human approval to what other policies allow)`);
      }
      policies.push({
        id,
        file: file.path,
        line: lineColumn(file.text, policyStart(chunk)).line,
        effect: parsed.json.effect,
        approval,
        reason: notes.reason,
        text: chunk.text,
        shape: policyShape(parsed.json),
      });
    }
  }
  const warnings: string[] = [];
  const answer = cedar.validate({
    schema: CEDAR_SCHEMA,
    validationSettings: { mode: 'strict' },
    policies: { staticPolicies: Object.fromEntries(policies.map((p) => [p.id, p.text])) },
  });
  if (answer.type !== 'success') throw new PolicyLoadError(src.dir, answer.errors.map((e) => `${src.dir}: ${errorText(e)}`));
  const locate = (policyId: string, e: DetailedError) => {
    const w = where.get(policyId);
    if (!w) return `${src.dir}: ${errorText(e)}`;
    const { line, column } = lineColumn(w.file.text, w.chunk.byteOffset + (e.sourceLocations?.[0]?.start ?? 0));
    return `${w.file.path}:${line}:${column}: ${errorText(e)}`;
  };
  for (const v of answer.validationErrors) problems.push(locate(v.policyId, v.error));
  for (const v of answer.validationWarnings) warnings.push(locate(v.policyId, v.error));
  for (const e of answer.otherWarnings) warnings.push(`${src.dir}: ${errorText(e)}`);
  if (problems.length > 0) throw new PolicyLoadError(src.dir, problems.sort(byPosition));
  return { dir: src.dir, sha256: src.sha256, policies, warnings };
}

/** Order `file:line:column: …` problems by file, then line and column. */
function byPosition(a: string, b: string): number {
  const pa = /^(.*?):(\d+):(\d+): /.exec(a);
  const pb = /^(.*?):(\d+):(\d+): /.exec(b);
  if (!pa || !pb) return pa ? 1 : pb ? -1 : 0;
  return pa[1]!.localeCompare(pb[1]!) || Number(pa[2]) - Number(pb[2]) || Number(pa[3]) - Number(pb[3]);
}
