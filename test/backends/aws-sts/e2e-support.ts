/**
 * A full Tessera stack (real Redis, dev OIDC issuer, HTTP) with the aws-sts backend pointed at the AWS
 * double. Tessera's own AWS credentials reach it the production way: the SDK default provider chain,
 * here fed by AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in the environment.
 */
import { vi } from 'vitest';
import { TesseraClient } from '../../../src/client/tessera-client.js';
import type { Clock } from '../../../src/util/clock.js';
import { defaultUser, startAwsDouble, type AwsDouble } from '../../doubles/aws/index.js';
import { startStack, type Stack } from '../../support/stack.js';
import { captureLog, template } from './harness.js';

export const ACCOUNT = '123456789012';
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/agent-s3`;
/** A second role, for the size-limit fallback (its role-wide cut-off must not disturb other tests). */
export const WIDE_ROLE = `arn:aws:iam::${ACCOUNT}:role/agent-wide`;

export interface AwsStack {
  s: Stack;
  /** Tessera's log lines (warn and above), parsed. */
  logs: Array<Record<string, unknown>>;
  double: AwsDouble;
  clock: Clock;
  /** Move Tessera's and the double's clock forward. */
  advance(ms: number): void;
  /** An agent whose workload tokens are issued at the (possibly advanced) clock. */
  agent(sub: string): TesseraClient;
  close(): Promise<void>;
}

export async function startAwsStack(backend: Record<string, unknown> = {}): Promise<AwsStack> {
  let offset = 0;
  const clock: Clock = { now: () => Date.now() + offset };
  const user = defaultUser(ACCOUNT);
  const double = await startAwsDouble({
    accountId: ACCOUNT,
    now: clock.now,
    roles: [ROLE, WIDE_ROLE].map((arn) => ({ arn, trustedPrincipals: [user.arn] })),
  });
  vi.stubEnv('AWS_ACCESS_KEY_ID', user.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', user.secretAccessKey);
  vi.stubEnv('AWS_SESSION_TOKEN', undefined);
  vi.stubEnv('AWS_PROFILE', undefined);
  const profile = (roleArn: string, extra: Record<string, unknown> = {}) => ({
    backend: 'aws-sts',
    role_arn: roleArn,
    max_ttl_seconds: 900,
    session_policy: template(roleArn),
    ...extra,
  });
  const { log, lines } = captureLog('warn');
  const s = await startStack({
    tessera: { clock, log },
    patch: (cfg) => {
      cfg.profiles['s3-reader'] = profile(ROLE);
      cfg.profiles['s3-expiry'] = profile(ROLE, { revocation: 'expiry-only' });
      cfg.profiles['s3-wide'] = profile(WIDE_ROLE);
      cfg.backends = { 'broker-token': {}, 'aws-sts': { region: 'eu-west-1', endpoint: double.url, iam_endpoint: double.url, max_attempts: 1, ...backend } };
    },
  });
  return {
    s,
    logs: lines,
    double,
    clock,
    advance: (ms) => (offset += ms),
    agent: (sub) =>
      new TesseraClient({ baseUrl: s.url, token: () => s.issuer.mint({ sub, aud: 'tessera', iat: Math.floor(clock.now() / 1000), ttlSeconds: 600 }) }),
    async close() {
      await s.close();
      await double.close();
      vi.unstubAllEnvs();
    },
  };
}

/** The resources a task declares for the s3 profiles. */
export const RESOURCES = ['arn:aws:s3:::acme-reports/2030/*'];
