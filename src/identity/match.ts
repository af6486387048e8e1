import type { IdentityMatch } from '../config/common.js';
import { compileClaimRules, type ClaimRules } from './claim-rules.js';
import type { Identity } from './identity.js';
import { compilePattern, type StringMatcher } from './pattern.js';

interface CompiledMatch {
  issuer: string;
  subject: StringMatcher | undefined;
  claims: ClaimRules | undefined;
}

/** Compiled form of each configured match object, built on first use and kept while it lives. */
const compiled = new WeakMap<IdentityMatch, CompiledMatch>();

function compile(m: IdentityMatch): CompiledMatch {
  let c = compiled.get(m);
  if (c === undefined) {
    c = {
      issuer: m.issuer,
      subject: m.subject === undefined ? undefined : compilePattern(m.subject),
      claims: m.claims === undefined ? undefined : compileClaimRules(m.claims),
    };
    compiled.set(m, c);
  }
  return c;
}

/**
 * Whether a verified identity satisfies one entry of an `admins:` / `approvers:` / profile `agents:`
 * list: issuer exact; subject exact or anchored `*` pattern; every claim constraint satisfied.
 * An entry with neither subject nor claims matches nothing (fail closed).
 */
export function matchIdentity(id: Identity, m: IdentityMatch): boolean {
  const c = compile(m);
  if (id.issuer !== c.issuer) return false;
  if (c.subject === undefined && c.claims === undefined) return false;
  if (c.subject !== undefined && !c.subject(id.subject)) return false;
  if (c.claims !== undefined && c.claims.firstViolation(id.claims) !== undefined) return false;
  return true;
}

/** Whether the identity satisfies any entry of the list. */
export function matchesAny(id: Identity, list: readonly IdentityMatch[]): boolean {
  return list.some((m) => matchIdentity(id, m));
}
