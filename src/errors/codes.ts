import { TesseraError } from './tessera-error.js';

/**
 * Constructors for every stable error code Tessera answers with.
 * The HTTP status of each code is decided here and nowhere else.
 */
export const Errors = {
  // 400
  badRequest: (detail: string, extra?: Record<string, unknown>) =>
    new TesseraError(400, 'invalid_request', detail, { extra }),
  // 401: workload token problems
  tokenMissing: () => new TesseraError(401, 'token_missing', 'A Bearer workload token is required'),
  tokenInvalid: (detail = 'The workload token is malformed or its signature does not verify') =>
    new TesseraError(401, 'token_invalid', detail),
  tokenExpired: () => new TesseraError(401, 'token_expired', 'The workload token has expired'),
  tokenNotYetValid: () => new TesseraError(401, 'token_not_yet_valid', 'The workload token is not valid yet (nbf/iat in the future)'),
  tokenAlgorithm: (alg: string) =>
    new TesseraError(401, 'token_algorithm_rejected', `Algorithm ${JSON.stringify(alg)} is not allowed for this issuer`),
  tokenAudience: () => new TesseraError(401, 'token_audience_invalid', 'The workload token is not intended for Tessera (aud)'),
  tokenClaimMissing: (claim: string) =>
    new TesseraError(401, 'token_claim_missing', `The workload token lacks the required "${claim}" claim`),
  tokenLifetime: () => new TesseraError(401, 'token_lifetime_exceeded', 'The workload token lives longer than this issuer allows'),
  tokenClaimsRejected: (claim: string) =>
    new TesseraError(401, 'token_claims_rejected', `Claim "${claim}" does not satisfy the issuer's trust rules`),
  issuerUntrusted: () => new TesseraError(401, 'issuer_untrusted', 'The token issuer is not trusted by this broker'),
  jwksUnavailable: (cause?: unknown) =>
    new TesseraError(503, 'issuer_unavailable', 'The issuer keys could not be fetched', { cause }),
  webhookSignatureInvalid: (detail = 'Webhook signature, timestamp or body is invalid') =>
    new TesseraError(401, 'webhook_signature_invalid', detail),
  // 403
  taskNotOwner: () => new TesseraError(403, 'task_not_owner', 'The task belongs to another identity'),
  forbidden: (detail = 'This identity may not call this endpoint') => new TesseraError(403, 'forbidden', detail),
  scopeNotDeclared: (detail: string) => new TesseraError(403, 'scope_not_declared', detail),
  policyDenied: (detail: string, extra?: Record<string, unknown>) =>
    new TesseraError(403, 'policy_denied', detail, { extra }),
  agentBlocked: () => new TesseraError(403, 'agent_blocked', 'This identity has been blocked by an administrator'),
  selfApproval: () => new TesseraError(403, 'self_approval_forbidden', 'An approver cannot decide a request they (or their delegation chain) made'),
  // 404
  taskNotFound: () => new TesseraError(404, 'task_not_found', 'No such task'),
  leaseNotFound: () => new TesseraError(404, 'lease_not_found', 'No such lease'),
  approvalNotFound: () => new TesseraError(404, 'approval_not_found', 'No such approval'),
  notFound: () => new TesseraError(404, 'not_found', 'No such resource'),
  // 409
  taskClosed: (status: string) => new TesseraError(409, 'task_closed', `The task is ${status}; no new credentials are issued for it`),
  approvalNotPending: (status: string) => new TesseraError(409, 'approval_not_pending', `The approval is ${status}; it can no longer be decided`, { extra: { approval_status: status } }),
  leaseNotFailed: (status: string) =>
    new TesseraError(409, 'lease_not_failed', `The lease is ${status}; only a failed revocation can be retried or resolved by hand`),
  // 422
  profileUnknown: (profile: string) =>
    new TesseraError(422, 'profile_unknown', `Profile ${JSON.stringify(profile)} is not configured`),
  /** The profile's session policy template does not render to a policy the backend accepts for these resources. */
  sessionPolicyInvalid: (detail: string) => new TesseraError(422, 'session_policy_invalid', detail),
  /** The rendered session policy (with session tags) is larger than the backend accepts (STS PackedPolicyTooLarge). */
  policyTooLarge: (detail: string) => new TesseraError(422, 'policy_too_large', detail),
  // 429
  rateLimited: () => new TesseraError(429, 'rate_limited', 'Too many requests'),
  // 5xx
  backendUnavailable: (backend: string, cause?: unknown) =>
    new TesseraError(503, 'backend_unavailable', `The ${backend} backend is unavailable`, { cause }),
  backendMisconfigured: (backend: string, cause?: unknown) =>
    new TesseraError(500, 'backend_misconfigured', `The ${backend} backend rejected the request`, { cause }),
  auditUnavailable: (cause?: unknown) =>
    new TesseraError(503, 'audit_unavailable', 'The audit trail cannot be written; nothing was issued', { cause }),
  storeUnavailable: (cause?: unknown) =>
    new TesseraError(503, 'store_unavailable', 'The state store is unavailable', { cause }),
  policyUnavailable: (cause?: unknown) =>
    new TesseraError(503, 'policy_unavailable', 'The policy could not be evaluated; nothing was issued', { cause }),
  internal: (cause?: unknown) => new TesseraError(500, 'internal_error', 'Internal error', { cause }),
} as const;
