import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.js';
import { CEDAR_SCHEMA } from '../../src/policy/cedar-schema.js';
import { compilePolicies } from '../../src/policy/policy-compiler.js';
import { PolicyLoadError, readPolicyDir } from '../../src/policy/policy-files.js';
import { lineColumn, splitPolicies } from '../../src/policy/policy-source.js';
import { policyDir } from './helpers.js';

/** The problems reported for a directory holding these files. */
function problems(files: Record<string, string>): { dir: string; problems: string[] } {
  const dir = policyDir(files);
  try {
    compilePolicies(readPolicyDir(dir));
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyLoadError);
    expect(err).toBeInstanceOf(ConfigError);
    return { dir, problems: (err as PolicyLoadError).problems };
  }
  throw new Error('expected the policies to be refused');
}

const OK = 'permit (principal, action == Tessera::Action::"declare_task", resource);\n';

describe('strict validation of policies (file, line, column, message)', () => {
  it('accepts the shipped example policies', () => {
    const set = compilePolicies(readPolicyDir('config/policies'));
    expect(set.policies.length).toBeGreaterThanOrEqual(8);
    expect(set.warnings).toEqual([]);
  });

  it('refuses an attribute the schema does not have', () => {
    const { dir, problems: p } = problems({ 'a.cedar': `${OK}\n// the next policy is wrong\npermit (principal, action == Tessera::Action::"request_credential", resource)\nwhen { context.request.ttl_secondz > 3 };\n` });
    expect(p).toEqual([expect.stringMatching(new RegExp(`^${join(dir, 'a.cedar')}:5:8: .*ttl_secondz.*not found.*did you mean \`ttl_seconds\``))]);
  });

  it('refuses a syntax error with its position, even after comments holding ; and quotes', () => {
    const { dir, problems: p } = problems({ 'b.cedar': `// a comment; with "a quote\n${OK}permit (principal, action, resource) when { "a;b" == };\n` });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(new RegExp(`^${join(dir, 'b.cedar')}:3:\\d+: failed to parse policy`));
  });

  it('refuses getTag without hasTag (strict mode)', () => {
    const { problems: p } = problems({ 'c.cedar': `forbid (principal, action, resource) when { principal.getTag("role") == "ro" };` });
    expect(p[0]).toMatch(/c\.cedar:1:45: .*unable to guarantee safety of access to tag/);
  });

  it('refuses unknown entity types and actions', () => {
    const { problems: p } = problems({ 'd.cedar': `permit (principal is Tessera::User, action == Tessera::Action::"read", resource);` });
    expect(p.join('\n')).toMatch(/d\.cedar:1:\d+: .*(User|read)/);
  });

  it('refuses duplicate policy ids across files', () => {
    const { problems: p } = problems({ 'e1.cedar': `@id("same")\n${OK}`, 'e2.cedar': `\n\n@id("same")\n${OK}` });
    expect(p).toEqual([expect.stringMatching(/e2\.cedar:3:1: policy id "same" is already used at .*e1\.cedar:1$/)]);
  });

  it('refuses @approval on a forbid and with a value other than "required"', () => {
    const { problems: p } = problems({ 'f.cedar': `@approval("required") forbid (principal, action, resource);\n@id("x") @approval("maybe") permit (principal, action, resource);` });
    expect(p).toEqual([expect.stringMatching(/f\.cedar:1:1: @approval\("required"\) belongs on a permit/), expect.stringMatching(/f\.cedar:2:1: @approval must be "required"/)]);
  });

  it('refuses templates and a missing final semicolon', () => {
    const { problems: p } = problems({ 'g.cedar': `permit (principal == ?principal, action, resource);\npermit (principal, action, resource)` });
    expect(p[0]).toMatch(/g\.cedar:1:\d+: .*template/);
    expect(p[1]).toMatch(/g\.cedar:2:\d+: .*unexpected end of input/);
  });

  it('reports every problem of every file at once, in order', () => {
    const { problems: p } = problems({ 'h.cedar': `permit (principal, action, resource) when { 1 + };`, 'i.cedar': `${OK}forbid (principal, action, resource) when { context.nope };` });
    expect(p[0]).toMatch(/h\.cedar:1:/);
    // The bad attribute is refused once for each action the policy applies to.
    expect(p.slice(1)).toHaveLength(4);
    for (const x of p.slice(1)) expect(x).toMatch(/i\.cedar:2:\d+: .*attribute `nope`/);
  });

  it('refuses an empty or missing directory', () => {
    expect(() => readPolicyDir(mkdtempSync(join(tmpdir(), 'tessera-empty-')))).toThrow(/no \*\.cedar files/);
    expect(() => readPolicyDir('/nonexistent/policies')).toThrow(/cannot read directory/);
  });

  it('counts columns in characters after multi-byte text', () => {
    const src = '// ünïcødé\nforbid (principal, action, resource) when { principal.getTag("x") == "y" };';
    const chunk = splitPolicies(src)[0]!;
    expect(lineColumn(src, chunk.byteOffset + Buffer.byteLength('// ünïcødé\nforbid'))).toEqual({ line: 2, column: 7 });
    const { problems: p } = problems({ 'u.cedar': src });
    expect(p[0]).toMatch(/u\.cedar:2:45: /);
  });
});

describe('policy splitting and ids', () => {
  it('splits at semicolons outside strings and comments', () => {
    const chunks = splitPolicies('// x; y\npermit (principal, action, resource) when { "a;\\"b" == "c" };\n// trailing; comment\n');
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.text).toContain('"a;\\"b"');
  });

  it('gives policies without @id the id <file>#<n>', () => {
    const set = compilePolicies(readPolicyDir(policyDir({ 'z.cedar': `${OK}@id("named")\n${OK}${OK}` })));
    expect(set.policies.map((p) => [p.id, p.line])).toEqual([
      ['z.cedar#1', 1],
      ['named', 2],
      ['z.cedar#3', 4],
    ]);
  });
});

describe('the shipped schema', () => {
  it('has an up-to-date copy in config/policies/tessera.cedarschema', () => {
    expect(readFileSync('config/policies/tessera.cedarschema', 'utf8')).toBe(CEDAR_SCHEMA);
  });

  it('declares the four entity types and four actions', () => {
    for (const e of ['Agent', 'Profile', 'Resource', 'Task']) expect(CEDAR_SCHEMA).toMatch(new RegExp(`entity ${e}\\b`));
    for (const a of ['declare_task', 'request_credential', 'complete_task', 'approve']) expect(CEDAR_SCHEMA).toContain(`action ${a} appliesTo`);
  });
});
