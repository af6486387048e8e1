import { describe, expect, it } from 'vitest';
import { compileClaimRules } from '../../src/identity/claim-rules.js';
import { compilePattern } from '../../src/identity/pattern.js';

describe('compilePattern', () => {
  it('matches exact strings without *', () => {
    const m = compilePattern('acme/web');
    expect(m('acme/web')).toBe(true);
    expect(m('acme/web2')).toBe(false);
    expect(m('xacme/web')).toBe(false);
  });

  it('anchors * patterns at both ends', () => {
    const m = compilePattern('acme/*');
    expect(m('acme/web')).toBe(true);
    expect(m('acme/a/b')).toBe(true);
    expect(m('evil/acme/x')).toBe(false);
    expect(m('acme')).toBe(false);
    const s = compilePattern('*/main');
    expect(s('refs/heads/main')).toBe(true);
    expect(s('refs/heads/main-evil')).toBe(false);
  });

  it('treats regex metacharacters literally', () => {
    const m = compilePattern('repo:acme/web.git:ref:*');
    expect(m('repo:acme/web.git:ref:main')).toBe(true);
    expect(m('repo:acme/webXgit:ref:main')).toBe(false);
    expect(compilePattern('a+b')('aab')).toBe(false);
    expect(compilePattern('(a|b)*')('(a|b)x')).toBe(true);
    expect(compilePattern('(a|b)*')('a')).toBe(false);
  });

  it('handles several stars and overlapping prefix/suffix', () => {
    const m = compilePattern('repo:*:env:*-prod');
    expect(m('repo:acme/web:env:eu-prod')).toBe(true);
    expect(m('repo:acme/web:env:eu-staging')).toBe(false);
    expect(compilePattern('ab*ba')('aba')).toBe(false);
    expect(compilePattern('ab*ba')('abba')).toBe(true);
    expect(compilePattern('*')('')).toBe(true);
    expect(compilePattern('a**b')('ab')).toBe(true);
    expect(compilePattern('*x*x*')('axbxc')).toBe(true);
    expect(compilePattern('*x*x*')('axb')).toBe(false);
  });

  it('stays fast on adversarial input (no backtracking blow-up)', () => {
    const m = compilePattern('*a*a*a*a*a*a*a*a*b');
    const started = performance.now();
    expect(m('a'.repeat(100_000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('compileClaimRules', () => {
  const rules = compileClaimRules({ repository: 'acme/*', ref: 'refs/heads/main' });

  it('passes when every constraint is satisfied', () => {
    expect(rules.firstViolation({ repository: 'acme/web', ref: 'refs/heads/main', other: 1 })).toBeUndefined();
  });

  it('names the first violated claim', () => {
    expect(rules.firstViolation({ repository: 'evil/acme/x', ref: 'refs/heads/main' })).toBe('repository');
    expect(rules.firstViolation({ repository: 'acme/web', ref: 'refs/heads/dev' })).toBe('ref');
  });

  it('fails a constraint on an absent or non-string claim', () => {
    expect(rules.firstViolation({ ref: 'refs/heads/main' })).toBe('repository');
    for (const value of [null, 1, true, ['acme/web'], { name: 'acme/web' }]) {
      expect(rules.firstViolation({ repository: value, ref: 'refs/heads/main' })).toBe('repository');
    }
  });

  it('only reads own claims, never inherited properties', () => {
    const proto = compileClaimRules({ constructor: '*', toString: '*' });
    expect(proto.firstViolation({})).toBe('constructor');
  });

  it('has no constraints when none are configured', () => {
    expect(compileClaimRules(undefined).firstViolation({})).toBeUndefined();
  });
});
