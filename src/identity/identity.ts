/** A verified workload identity: the pair (issuer, subject) plus the token's claims. */
export interface Identity {
  issuer: string;
  subject: string;
  /** All claims of the verified token (for policy and claim-based roles). Never includes the token. */
  claims: Record<string, unknown>;
}

/** An identity's `issuer|subject`: the one text form in audit actors, Cedar entity ids and keys. */
export function identityKey(id: { issuer: string; subject: string }): string {
  return `${id.issuer}|${id.subject}`;
}

/** True when both name the same identity (same issuer, same subject). */
export function sameIdentity(a: { issuer: string; subject: string }, b: { issuer: string; subject: string }): boolean {
  return a.issuer === b.issuer && a.subject === b.subject;
}
