import { describe, expect, it } from 'vitest';
import type { IdentityMatch } from '../../src/config/common.js';
import type { Identity } from '../../src/identity/identity.js';
import { matchesAny, matchIdentity } from '../../src/identity/match.js';

const id: Identity = {
  issuer: 'https://token.actions.githubusercontent.com',
  subject: 'repo:acme/web:ref:refs/heads/main',
  claims: { repository: 'acme/web', repository_owner: 'acme', run_attempt: 1 },
};

describe('matchIdentity', () => {
  it('requires the issuer to match exactly', () => {
    expect(matchIdentity(id, { issuer: id.issuer, subject: id.subject })).toBe(true);
    expect(matchIdentity(id, { issuer: `${id.issuer}/`, subject: id.subject })).toBe(false);
    expect(matchIdentity(id, { issuer: 'https://*', subject: '*' })).toBe(false);
  });

  it('matches the subject exactly or by anchored pattern', () => {
    expect(matchIdentity(id, { issuer: id.issuer, subject: 'repo:acme/*' })).toBe(true);
    expect(matchIdentity(id, { issuer: id.issuer, subject: 'repo:acme/web' })).toBe(false);
    expect(matchIdentity(id, { issuer: id.issuer, subject: 'acme/*' })).toBe(false);
    expect(matchIdentity(id, { issuer: id.issuer, subject: '*:ref:refs/heads/main' })).toBe(true);
  });

  it('applies claim constraints (exact, pattern, absent, non-string)', () => {
    expect(matchIdentity(id, { issuer: id.issuer, claims: { repository_owner: 'acme' } })).toBe(true);
    expect(matchIdentity(id, { issuer: id.issuer, claims: { repository: 'acme/*' } })).toBe(true);
    expect(matchIdentity(id, { issuer: id.issuer, claims: { repository: 'evil/*' } })).toBe(false);
    expect(matchIdentity(id, { issuer: id.issuer, claims: { environment: '*' } })).toBe(false);
    expect(matchIdentity(id, { issuer: id.issuer, claims: { run_attempt: '1' } })).toBe(false);
  });

  it('requires subject and claims together when both are given', () => {
    const m: IdentityMatch = { issuer: id.issuer, subject: 'repo:acme/*', claims: { repository_owner: 'other' } };
    expect(matchIdentity(id, m)).toBe(false);
  });

  it('matches nothing when an entry has neither subject nor claims (fail closed)', () => {
    expect(matchIdentity(id, { issuer: id.issuer } as IdentityMatch)).toBe(false);
  });

  it('gives the same answer on repeated use of one (cached) entry', () => {
    const m: IdentityMatch = { issuer: id.issuer, subject: 'repo:acme/*' };
    expect([1, 2, 3].map(() => matchIdentity(id, m))).toEqual([true, true, true]);
    expect(matchIdentity({ ...id, subject: 'repo:evil/x' }, m)).toBe(false);
  });

  it('matchesAny is true when any entry matches', () => {
    const list: IdentityMatch[] = [
      { issuer: 'https://other.example', subject: '*' },
      { issuer: id.issuer, claims: { repository: 'acme/web' } },
    ];
    expect(matchesAny(id, list)).toBe(true);
    expect(matchesAny(id, list.slice(0, 1))).toBe(false);
    expect(matchesAny(id, [])).toBe(false);
  });
});
