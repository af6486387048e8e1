/**
 * Where the aws-sts conformance suite runs: the AWS double (default, always) or real AWS, selected by
 * environment: AWS credentials (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`[/`AWS_SESSION_TOKEN`] or
 * `AWS_PROFILE`) and `TESSERA_TEST_ROLE_ARN`. Real AWS needs a role that
 * - trusts the caller for `sts:AssumeRole`, `sts:TagSession` and `sts:SetSourceIdentity`,
 * - allows `iam:ListRolePolicies` on itself (the probe: real AWS never denies GetCallerIdentity),
 * and the caller needs `iam:GetRolePolicy`, `iam:PutRolePolicy`, `iam:DeleteRolePolicy` on it.
 * Optional: `TESSERA_TEST_AWS_REGION` (default `AWS_REGION`, else us-east-1),
 * `TESSERA_TEST_ROLE_MAX_SESSION_SECONDS` (the role's MaxSessionDuration, default 3600).
 * The suite writes its own inline policy `tessera-conformance-<random>` and deletes it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { DeleteRolePolicyCommand, GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentials } from '../../../src/backends/aws-sts/clients.js';
import { roleNameOf } from '../../../src/backends/aws-sts/names.js';
import type { Clock } from '../../../src/util/clock.js';
import { defaultUser, startAwsDouble, type AwsDouble } from '../../doubles/aws/index.js';

export type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** One running target. */
export interface Env {
  kind: 'double' | 'aws';
  roleArn: string;
  /** A role ARN in the same account that does not exist / does not trust Tessera. */
  untrustedRoleArn: string;
  region: string;
  roleMaxSessionSeconds: number;
  endpoint?: string;
  iamEndpoint?: string;
  policyName: string;
  /** Tessera's own credentials; undefined = the SDK default provider chain. */
  credentials?: AwsCredentials;
  clock: Clock;
  /** Move the clock (double only: real AWS keeps its own time). */
  advance?: (ms: number) => void;
  /** How long a deny may take to apply (IAM is eventually consistent). */
  propagationMs: number;
  double?: AwsDouble;
  close(): Promise<void>;
}

export interface Target {
  kind: 'double' | 'aws';
  title: string;
  enabled: boolean;
  start(): Promise<Env>;
}

const realRole = process.env.TESSERA_TEST_ROLE_ARN;
const realCreds = Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE);

export const TARGETS: Target[] = [
  { kind: 'double', title: 'the AWS double', enabled: true, start: startDouble },
  {
    kind: 'aws',
    title: realRole && realCreds ? `real AWS (${realRole})` : 'real AWS (not selected: set AWS credentials and TESSERA_TEST_ROLE_ARN)',
    enabled: Boolean(realRole && realCreds),
    start: startReal,
  },
];

async function startDouble(): Promise<Env> {
  let offset = 0;
  const clock: Clock = { now: () => Date.now() + offset };
  const double = await startAwsDouble({ now: clock.now });
  const user = defaultUser();
  return {
    kind: 'double',
    roleArn: `arn:aws:iam::${double.accountId}:role/agent-s3`,
    untrustedRoleArn: `arn:aws:iam::${double.accountId}:role/not-trusting-tessera`,
    region: 'us-east-1',
    roleMaxSessionSeconds: 3600,
    endpoint: double.url,
    iamEndpoint: double.url,
    policyName: 'tessera-revoked-sessions',
    credentials: { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey },
    clock,
    advance: (ms) => (offset += ms),
    propagationMs: 2000,
    double,
    close: () => double.close(),
  };
}

async function startReal(): Promise<Env> {
  const roleArn = realRole!;
  const account = roleArn.split(':')[4];
  const region = process.env.TESSERA_TEST_AWS_REGION ?? process.env.AWS_REGION ?? 'us-east-1';
  const policyName = `tessera-conformance-${randomBytes(6).toString('hex')}`;
  return {
    kind: 'aws',
    roleArn,
    untrustedRoleArn: `arn:aws:iam::${account}:role/tessera-conformance-no-such-role`,
    region,
    roleMaxSessionSeconds: Number(process.env.TESSERA_TEST_ROLE_MAX_SESSION_SECONDS ?? 3600),
    policyName,
    clock: { now: () => Date.now() },
    propagationMs: 60_000,
    async close() {
      await new IAMClient({ region }).send(new DeleteRolePolicyCommand({ RoleName: roleNameOf(roleArn), PolicyName: policyName })).catch(() => undefined);
    },
  };
}

/** Helpers bound to an Env: clients acting as Tessera, or as an agent holding session credentials. */
export function tools(env: Env) {
  const iamOpts = { region: env.region, maxAttempts: 1, ...(env.iamEndpoint ? { endpoint: env.iamEndpoint } : {}) };
  const stsOpts = { region: env.region, maxAttempts: 1, ...(env.endpoint ? { endpoint: env.endpoint } : {}) };
  const asTessera = new IAMClient({ ...iamOpts, ...(env.credentials ? { credentials: env.credentials } : {}) });
  const roleName = roleNameOf(env.roleArn);
  return {
    roleName,
    whoAmI: (c: Creds) => new STSClient({ ...stsOpts, credentials: c }).send(new GetCallerIdentityCommand({})),
    /** An action the role allows and Tessera's deny stops, on real AWS as on the double. */
    probe: (c: Creds) => new IAMClient({ ...iamOpts, credentials: c }).send(new ListRolePoliciesCommand({ RoleName: roleName })),
    /** The deny policy as IAM has it (null when absent). */
    async policy(): Promise<string | null> {
      try {
        const out = await asTessera.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: env.policyName }));
        return decodeURIComponent(out.PolicyDocument ?? '');
      } catch (err) {
        if ((err as Error).name === 'NoSuchEntityException') return null;
        throw err;
      }
    },
  };
}

/** Session credentials out of a minted aws-sts credential. */
export function credsOf(credential: Record<string, unknown>): Creds {
  return {
    accessKeyId: credential.access_key_id as string,
    secretAccessKey: credential.secret_access_key as string,
    sessionToken: credential.session_token as string,
  };
}

/** Resolve when `fn` rejects with AccessDenied within `ms`; the error otherwise. */
export async function deniedWithin(fn: () => Promise<unknown>, ms: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await fn();
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'AccessDenied' || name === 'AccessDeniedException') return Date.now() - started;
      throw err;
    }
    if (Date.now() - started > ms) throw new Error(`still allowed after ${ms} ms`);
    await new Promise((r) => setTimeout(r, ms > 10_000 ? 1000 : 25));
  }
}
