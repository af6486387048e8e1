import { compilePattern, type StringMatcher } from './pattern.js';

/**
 * Compiled claim constraints (`claims:` of an issuer or of an identity match).
 * Each constraint names a top-level claim and an exact value or anchored `*` pattern.
 * A constraint on a claim that is absent or not a string fails: it never matches by default.
 */
export interface ClaimRules {
  /** The name of the first claim that does not satisfy its constraint, or undefined when all do. */
  firstViolation(claims: Record<string, unknown>): string | undefined;
}

interface Rule {
  claim: string;
  matches: StringMatcher;
}

/** Compile constraints once (at startup); the result is cheap to apply per request. */
export function compileClaimRules(constraints: Record<string, string> | undefined): ClaimRules {
  const rules: Rule[] = Object.entries(constraints ?? {}).map(([claim, pattern]) => ({
    claim,
    matches: compilePattern(pattern),
  }));
  return {
    firstViolation(claims) {
      for (const { claim, matches } of rules) {
        // Own properties only: `__proto__`, `constructor` etc. never come from the prototype.
        const value: unknown = Object.hasOwn(claims, claim) ? claims[claim] : undefined;
        if (typeof value !== 'string' || !matches(value)) return claim;
      }
      return undefined;
    },
  };
}
