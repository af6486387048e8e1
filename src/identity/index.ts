export type { Identity } from './identity.js';
export { identityKey } from './identity.js';
export { WorkloadVerifier, type WorkloadVerifierOptions } from './verifier.js';
export { matchIdentity, matchesAny } from './match.js';
export { compileClaimRules, type ClaimRules } from './claim-rules.js';
export { compilePattern, type StringMatcher } from './pattern.js';
