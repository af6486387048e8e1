/** Builds AwsStsBackend instances, grants and revocation targets for the conformance suite. */
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import type { Grant, MintResult, RevocationTarget } from '../../../src/backends/backend.js';
import { AwsStsBackend } from '../../../src/backends/aws-sts/backend.js';
import { awsStsBackendSchema, awsStsProfileSchema, type AwsStsProfile } from '../../../src/backends/aws-sts/config.js';
import { newId } from '../../../src/util/ids.js';
import type { Env } from './targets.js';

/** Session policy: the task's S3 resources, plus the probe action on the role itself. */
export function template(roleArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: '__R__' },
      { Effect: 'Allow', Action: 'iam:ListRolePolicies', Resource: roleArn },
    ],
  }).replace('"__R__"', '{{resources}}');
}

/** A log whose lines the test can read. */
export function captureLog(level = 'debug'): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return { log: pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) }), lines };
}

export interface BackendHandle {
  backend: AwsStsBackend;
  redis: Redis;
  close(): Promise<void>;
}

/** A backend on `env`, with its own Redis connection (as a separate Tessera process would have). */
export function makeBackend(
  env: Env,
  redisUrl: string,
  keyPrefix: string,
  o: { config?: Record<string, unknown>; log?: Logger } = {},
): BackendHandle {
  const config = awsStsBackendSchema.parse({
    region: env.region,
    ...(env.endpoint ? { endpoint: env.endpoint } : {}),
    ...(env.iamEndpoint ? { iam_endpoint: env.iamEndpoint } : {}),
    deny_policy_name: env.policyName,
    max_attempts: 2,
    ...o.config,
  });
  const base = { backend: 'aws-sts', role_arn: env.roleArn, max_ttl_seconds: env.roleMaxSessionSeconds, role_max_session_seconds: env.roleMaxSessionSeconds };
  const profiles: Record<string, AwsStsProfile> = {
    s3: awsStsProfileSchema.parse({ ...base, session_policy: template(env.roleArn) }),
    plain: awsStsProfileSchema.parse(base),
    'expiry-only': awsStsProfileSchema.parse({ ...base, revocation: 'expiry-only' }),
    untrusted: awsStsProfileSchema.parse({ ...base, role_arn: env.untrustedRoleArn }),
  };
  const redis = new Redis(redisUrl);
  const backend = new AwsStsBackend({
    config,
    profiles: (name) => profiles[name]!,
    redis,
    keyPrefix,
    clock: env.clock,
    log: o.log ?? pino({ level: 'silent' }),
    ...(env.credentials ? { credentials: env.credentials } : {}),
  });
  return {
    backend,
    redis,
    async close() {
      await backend.close();
      redis.disconnect();
    },
  };
}

/** A grant for a fresh task. */
export function grant(env: Env, o: Partial<Grant> = {}): Grant {
  return {
    leaseId: newId('lse'),
    taskId: newId('tsk'),
    profileName: 's3',
    agent: { issuer: 'https://issuer.example', subject: 'spiffe://acme/agent/conformance', claims: {} },
    intent: 'aws-sts conformance',
    resources: ['arn:aws:s3:::tessera-conformance/*'],
    ttlSeconds: 300,
    notAfter: env.clock.now() + 600_000,
    labels: {},
    ...o,
  };
}

/** The revocation target of a minted lease, as the revoker would build it. */
export function targetOf(g: Grant, m: MintResult, issuedAt: number): RevocationTarget {
  return { leaseId: g.leaseId, taskId: g.taskId, profileName: g.profileName, revocationData: m.revocationData, credentialExpiresAt: issuedAt + m.ttlSeconds * 1000 };
}

/** A revocation target for a task that has no real session (fills the deny list cheaply). */
export function fakeTarget(env: Env, ttlMs = 900_000): RevocationTarget {
  const now = env.clock.now();
  const taskId = newId('tsk');
  return {
    leaseId: newId('lse'),
    taskId,
    profileName: 's3',
    revocationData: { role_arn: env.roleArn, task_tag: taskId, issued_at: String(now - 1000), session_expires_at: String(now + ttlMs) },
    credentialExpiresAt: now + ttlMs,
  };
}
