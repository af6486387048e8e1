import type { IdentityMatch } from '../config/common.js';
import type { ProfileConfig } from '../config/schema.js';
import type { PolicyDecision, PolicyEngine, PolicyRequest } from './policy.js';
import type { Identity } from '../identity/identity.js';

/**
 * The built-in policy: each profile's optional `agents:` list says which identities may declare or
 * request it; a profile without one is open to every trusted identity. Default allow otherwise.
 */
export class BuiltinPolicy implements PolicyEngine {
  constructor(
    private readonly profiles: Record<string, ProfileConfig>,
    private readonly match: (id: Identity, m: IdentityMatch) => boolean,
  ) {}

  async decide(req: PolicyRequest): Promise<PolicyDecision> {
    const names =
      req.action === 'request_credential' && req.profile ? [req.profile] : req.action === 'declare_task' ? req.task.scopes.map((s) => s.profile) : [];
    for (const name of names) {
      const allowed = this.profiles[name]?.agents;
      if (allowed && !allowed.some((m) => this.match(req.identity, m))) {
        return { allow: false, reasons: [`identity is not in profiles.${name}.agents`], policies: [`builtin:profiles.${name}.agents`] };
      }
    }
    const approval = req.action === 'request_credential' && req.profile ? this.profiles[req.profile]?.approval === 'required' : false;
    if (approval) {
      return { allow: true, requireApproval: true, reasons: [`profiles.${req.profile}.approval is "required"`], policies: [`builtin:profiles.${req.profile}.approval`] };
    }
    return { allow: true, requireApproval: false, reasons: [], policies: ['builtin:default-allow'] };
  }
}
