import type { IdentityMatch } from '../config/common.js';
import type { Identity } from '../identity/identity.js';
import { matchesAny } from '../identity/match.js';
import { Errors } from '../errors/codes.js';

/** Who is an admin or an approver, from the `admins:` and `approvers:` config lists. */
export class Roles {
  constructor(
    private readonly admins: IdentityMatch[],
    private readonly approvers: IdentityMatch[],
  ) {}

  isAdmin(id: Identity): boolean {
    return matchesAny(id, this.admins);
  }

  isApprover(id: Identity): boolean {
    return matchesAny(id, this.approvers);
  }

  /** Throws 403 `forbidden` unless the identity is an admin. */
  assertAdmin(id: Identity): void {
    if (!this.isAdmin(id)) throw Errors.forbidden('Admin only');
  }
}
