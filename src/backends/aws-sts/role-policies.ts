/**
 * The three IAM calls the deny policy needs, on one inline policy of a role:
 * - GetRolePolicy (returns the document URL-encoded, RFC 3986): https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html
 * - PutRolePolicy (creates or replaces): https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html
 * - DeleteRolePolicy: https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRolePolicy.html
 */
import { DeleteRolePolicyCommand, GetRolePolicyCommand, type IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { classify } from './aws-errors.js';

/** Inline-policy storage of roles (an interface so the writer can be tested without IAM). */
export interface RolePolicies {
  /** The document, or null when the role has no policy of that name. */
  get(roleName: string, policyName: string): Promise<string | null>;
  put(roleName: string, policyName: string, document: string): Promise<void>;
  /** Idempotent: a missing policy is fine. */
  delete(roleName: string, policyName: string): Promise<void>;
}

/** {@link RolePolicies} over the IAM API. Errors are the SDK's (classify them with `classify`). */
export class IamRolePolicies implements RolePolicies {
  constructor(private readonly iam: IAMClient) {}

  async get(roleName: string, policyName: string): Promise<string | null> {
    try {
      const out = await this.iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
      return out.PolicyDocument === undefined ? null : decodeURIComponent(out.PolicyDocument);
    } catch (err) {
      if (isMissingPolicy(err)) return null;
      throw err;
    }
  }

  async put(roleName: string, policyName: string, document: string): Promise<void> {
    await this.iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: policyName, PolicyDocument: document }));
  }

  async delete(roleName: string, policyName: string): Promise<void> {
    try {
      await this.iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
    } catch (err) {
      if (classify(err).code !== 'NoSuchEntity') throw err;
    }
  }
}

/**
 * NoSuchEntity means either "no such policy" (fine: an empty list) or "no such role" (a misconfiguration
 * that must surface). IAM tells them apart only by message ("The role with name X cannot be found.").
 */
function isMissingPolicy(err: unknown): boolean {
  const f = classify(err);
  return f.code === 'NoSuchEntity' && !/role with name .* cannot be found/i.test(f.message);
}
