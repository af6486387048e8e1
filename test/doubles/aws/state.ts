/**
 * In-memory state of the AWS double: IAM users (long-term keys), roles with their trust list and
 * inline policies, STS sessions (temporary credentials), and a log of requests.
 * Roles: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles.html
 * Temporary credentials: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp.html
 */
import { parseArn, parseRoleArn, stableUniqueId } from './ids.js';

export interface UserRecord {
  accessKeyId: string;
  secretAccessKey: string;
  arn: string;
  /** `AIDA…` unique id, returned as GetCallerIdentity `UserId`. */
  userId: string;
  account: string;
}

export interface RoleRecord {
  arn: string;
  name: string;
  account: string;
  /** `AROA…` unique id; sessions get `AROA…:<session name>`. */
  roleId: string;
  maxSessionDuration: number;
  trustedPrincipals: string[];
  externalId?: string;
  /** Inline policies by name, documents kept exactly as put. */
  inlinePolicies: Map<string, string>;
}

export interface SessionRecord {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  role: RoleRecord;
  sessionName: string;
  /** `arn:aws:sts::<acct>:assumed-role/<role>/<session>` */
  arn: string;
  /** `AROA…:<session>` */
  assumedRoleId: string;
  tags: Record<string, string>;
  transitiveTagKeys: string[];
  sourceIdentity?: string;
  policy?: string;
  issuedAt: number;
  expiresAt: number;
}

export type Principal = { kind: 'user'; user: UserRecord } | { kind: 'session'; session: SessionRecord };

export interface RequestLogEntry {
  action: string;
  accessKeyId?: string;
  status: number;
}

export interface UserInput {
  accessKeyId: string;
  secretAccessKey: string;
  arn: string;
}

export interface RoleInput {
  arn: string;
  maxSessionDuration?: number;
  trustedPrincipals: string[];
  externalId?: string;
}

export class DoubleState {
  readonly users = new Map<string, UserRecord>();
  /** Keyed by role name (names are unique within an account). */
  readonly roles = new Map<string, RoleRecord>();
  readonly sessions = new Map<string, SessionRecord>();
  readonly log: RequestLogEntry[] = [];

  constructor(
    readonly accountId: string,
    readonly now: () => number,
    users: UserInput[],
    roles: RoleInput[],
  ) {
    for (const u of users) this.addUser(u);
    for (const r of roles) this.addRole(r);
  }

  private addUser(u: UserInput): void {
    const arn = parseArn(u.arn);
    if (!arn || arn.service !== 'iam' || !arn.resource.startsWith('user/')) {
      throw new TypeError(`AWS double: users[].arn must be an IAM user ARN, got ${JSON.stringify(u.arn)}`);
    }
    if (!u.accessKeyId || !u.secretAccessKey) throw new TypeError('AWS double: users[] need accessKeyId and secretAccessKey');
    this.users.set(u.accessKeyId, { ...u, userId: stableUniqueId('AIDA', u.arn), account: arn.account });
  }

  private addRole(r: RoleInput): void {
    const parsed = parseRoleArn(r.arn);
    if (!parsed) throw new TypeError(`AWS double: roles[].arn must be an IAM role ARN, got ${JSON.stringify(r.arn)}`);
    const max = r.maxSessionDuration ?? 3600;
    // AWS allows 3600..43200 for MaxSessionDuration; the double also accepts 900.. so tests can use short roles.
    if (!Number.isInteger(max) || max < 900 || max > 43200) {
      throw new TypeError(`AWS double: roles[].maxSessionDuration must be an integer in 900..43200, got ${max}`);
    }
    this.roles.set(parsed.name, {
      arn: r.arn,
      name: parsed.name,
      account: parsed.account,
      roleId: stableUniqueId('AROA', r.arn),
      maxSessionDuration: max,
      trustedPrincipals: [...r.trustedPrincipals],
      ...(r.externalId !== undefined ? { externalId: r.externalId } : {}),
      inlinePolicies: new Map(),
    });
  }

  roleByArn(arn: string): RoleRecord | undefined {
    const parsed = parseRoleArn(arn);
    const role = parsed ? this.roles.get(parsed.name) : undefined;
    return role && role.arn === arn ? role : undefined;
  }
}

/** The ARN AWS reports for a caller (user ARN, or assumed-role ARN for sessions). */
export function principalArn(p: Principal): string {
  return p.kind === 'user' ? p.user.arn : p.session.arn;
}

export function principalAccessKeyId(p: Principal): string {
  return p.kind === 'user' ? p.user.accessKeyId : p.session.accessKeyId;
}
