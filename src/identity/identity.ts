/** A verified workload identity: the pair (issuer, subject) plus the token's claims. */
export interface Identity {
  issuer: string;
  subject: string;
  /** All claims of the verified token (for policy and claim-based roles). Never includes the token. */
  claims: Record<string, unknown>;
}

/** A stable key for an identity, used in Redis indexes. */
export function identityKey(id: { issuer: string; subject: string }): string {
  return `${id.issuer}|${id.subject}`;
}
