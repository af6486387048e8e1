/**
 * The AWS STS/IAM double, exercised with the real SDK clients (`@aws-sdk/client-sts`,
 * `@aws-sdk/client-iam`) pointed at it, plus the SigV4 test-suite vectors for the verifier itself.
 */
import { createHmac } from 'node:crypto';
import {
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  IAMClient,
  LimitExceededException,
  ListRolePoliciesCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  type AssumeRoleCommandInput,
  GetCallerIdentityCommand,
  MalformedPolicyDocumentException,
  PackedPolicyTooLargeException,
  STSClient,
} from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAwsDouble, type AwsDouble } from './aws/index.js';
import { canonicalRequest, signingKey, stringToSign } from './aws/sigv4.js';

const ACCOUNT = '111122223333';
const BROKER = { accessKeyId: 'AKIABROKER0000000001', secretAccessKey: 'broker/Secret/Key/For/The/Double/000000', arn: `arn:aws:iam::${ACCOUNT}:user/tessera` };
const OTHER = { accessKeyId: 'AKIAOTHERUSER0000001', secretAccessKey: 'other/Secret/Key/For/The/Double/0000000', arn: `arn:aws:iam::${ACCOUNT}:user/mallory` };
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/agent-s3`;
const PARTNER_ARN = `arn:aws:iam::${ACCOUNT}:role/partner`;
type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

let double: AwsDouble;
let clock: number;

beforeEach(async () => {
  clock = Date.now();
  double = await startAwsDouble({
    accountId: ACCOUNT,
    users: [BROKER, OTHER],
    roles: [
      { arn: ROLE_ARN, trustedPrincipals: [BROKER.arn] },
      { arn: PARTNER_ARN, trustedPrincipals: [BROKER.arn], externalId: 'ext-1234', maxSessionDuration: 7200 },
    ],
    now: () => clock,
  });
});
afterEach(() => double.close());

const sts = (credentials: Creds, extra: { systemClockOffset?: number } = {}): STSClient =>
  new STSClient({ endpoint: double.url, region: 'us-east-1', credentials, maxAttempts: 1, ...extra });
const iam = (credentials: Creds): IAMClient =>
  new IAMClient({ endpoint: double.url, region: 'us-east-1', credentials, maxAttempts: 1 });
const whoAmI = (c: Creds) => sts(c).send(new GetCallerIdentityCommand({}));

async function assume(input: Partial<AssumeRoleCommandInput> = {}): Promise<Creds> {
  const out = await sts(BROKER).send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'task-1', ...input }));
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error('no credentials');
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

/** The rejection of `p` (fails the test if `p` resolves). */
async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number; code?: string; error: unknown }> {
  try {
    await p;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number }; code?: string };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode, code: e.code, error };
  }
  throw new Error('expected the call to fail');
}

const denyPolicy = (condition: object): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: condition }] });

describe('AWS double: STS', () => {
  it('AssumeRole issues ASIA credentials; GetCallerIdentity shows the assumed-role ARN', async () => {
    const out = await sts(BROKER).send(
      new AssumeRoleCommand({
        RoleArn: ROLE_ARN, RoleSessionName: 'task-1', DurationSeconds: 900, SourceIdentity: 'agent-a',
        Tags: [{ Key: 'tessera-task', Value: 'tsk_1' }], TransitiveTagKeys: ['tessera-task'],
      }),
    );
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(out.Credentials?.Expiration?.getTime()).toBe(Math.floor((clock + 900_000) / 1000) * 1000);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/agent-s3/task-1`);
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z2-7]+:task-1$/);
    expect(out.SourceIdentity).toBe('agent-a');
    expect(out.PackedPolicySize).toBeGreaterThan(0);

    const c = out.Credentials!;
    const me = await whoAmI({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });
    expect(me.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/agent-s3/task-1`);
    expect(me.UserId).toBe(out.AssumedRoleUser?.AssumedRoleId);
    expect(me.Account).toBe(ACCOUNT);
    expect((await whoAmI(BROKER)).Arn).toBe(BROKER.arn);
    expect(double.sessions()).toEqual([
      { accessKeyId: c.AccessKeyId, roleArn: ROLE_ARN, sessionName: 'task-1', tags: { 'tessera-task': 'tsk_1' }, sourceIdentity: 'agent-a', expiresAt: clock + 900_000 },
    ]);
  });

  it('rejects a wrong secret, an unknown key, a wrong session token and a stale signature', async () => {
    const wrongSecret = await failure(whoAmI({ ...BROKER, secretAccessKey: 'not-the-secret' }));
    expect([wrongSecret.name, wrongSecret.status]).toEqual(['SignatureDoesNotMatch', 403]);
    const unknown = await failure(whoAmI({ accessKeyId: 'AKIAUNKNOWN000000001', secretAccessKey: 'x' }));
    expect([unknown.name, unknown.status]).toEqual(['InvalidClientTokenId', 403]);
    const session = await assume();
    const badToken = await failure(whoAmI({ ...session, sessionToken: 'forged' }));
    expect(badToken.name).toBe('InvalidClientTokenId');
    const noToken = await failure(whoAmI({ accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey }));
    expect(noToken.name).toBe('InvalidClientTokenId');
    const stale = await failure(sts(BROKER, { systemClockOffset: -20 * 60_000 }).send(new GetCallerIdentityCommand({})));
    expect(stale.name).toBe('SignatureDoesNotMatch');
    expect(stale.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);
    expect(double.requests().map((r) => r.status)).toEqual([403, 403, 200, 403, 403, 403]);
  });

  it('denies untrusted callers and a wrong ExternalId with AccessDenied', async () => {
    const untrusted = await failure(sts(OTHER).send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'x1' })));
    expect([untrusted.name, untrusted.status]).toEqual(['AccessDenied', 403]);
    expect(untrusted.message).toBe(`User: ${OTHER.arn} is not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN}`);
    const noExt = await failure(assume({ RoleArn: PARTNER_ARN }));
    expect(noExt.name).toBe('AccessDenied');
    await expect(assume({ RoleArn: PARTNER_ARN, ExternalId: 'ext-1234' })).resolves.toHaveProperty('accessKeyId');
  });

  it('validates DurationSeconds, RoleSessionName and tags with ValidationError', async () => {
    const short = await failure(assume({ DurationSeconds: 600 }));
    expect([short.name, short.status]).toEqual(['ValidationError', 400]);
    expect(short.message).toBe(
      "1 validation error detected: Value '600' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    );
    const long = await failure(assume({ DurationSeconds: 3601 }));
    expect(long.message).toBe('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    await expect(assume({ RoleArn: PARTNER_ARN, ExternalId: 'ext-1234', DurationSeconds: 7200 })).resolves.toBeDefined();
    expect((await failure(assume({ RoleSessionName: 'has space' }))).message).toMatch(/regular expression pattern/);
    const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    expect((await failure(assume({ Tags: tags }))).name).toBe('ValidationError');
    expect((await failure(assume({ Tags: [{ Key: 'k', Value: 'v'.repeat(257) }] }))).name).toBe('ValidationError');
  });

  it('answers ExpiredToken once the session is past its expiry', async () => {
    const session = await assume({ DurationSeconds: 900 });
    clock += 899_000;
    await expect(whoAmI(session)).resolves.toHaveProperty('Arn');
    clock += 2_000;
    const expired = await failure(whoAmI(session));
    expect([expired.name, expired.status]).toEqual(['ExpiredToken', 403]);
  });

  it('checks session policies: bad JSON is MalformedPolicyDocument, too large is PackedPolicyTooLarge', async () => {
    const bad = await failure(assume({ Policy: '{"Statement": [' }));
    expect(bad.error).toBeInstanceOf(MalformedPolicyDocumentException);
    const resources = Array.from({ length: 60 }, (_, i) => `arn:aws:s3:::tessera-bucket-${i}/*`);
    const big = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: resources }] });
    expect(big.length).toBeGreaterThan(2048);
    const tooLarge = await failure(assume({ Policy: big }));
    expect(tooLarge.error).toBeInstanceOf(PackedPolicyTooLargeException);
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.message).toMatch(/^Packed policy consumes \d+% of allotted space/);
    const small = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: resources.slice(0, 5) }] });
    await assume({ Policy: small });
    expect(double.sessions()[0]?.policy).toBe(small);
  });
});

describe('AWS double: IAM inline policies and deny', () => {
  it('a deny on aws:PrincipalTag/tessera-task cuts off only the session with that tag', async () => {
    const a = await assume({ RoleSessionName: 'task-a', Tags: [{ Key: 'tessera-task', Value: 'tsk_a' }] });
    const b = await assume({ RoleSessionName: 'task-b', Tags: [{ Key: 'tessera-task', Value: 'tsk_b' }] });
    await iam(BROKER).send(
      new PutRolePolicyCommand({
        RoleName: 'agent-s3', PolicyName: 'tessera-revoke-tsk_a',
        PolicyDocument: denyPolicy({ StringEquals: { 'aws:PrincipalTag/tessera-task': ['tsk_a'] } }),
      }),
    );
    const denied = await failure(whoAmI(a));
    expect([denied.name, denied.status]).toEqual(['AccessDenied', 403]);
    expect(denied.message).toMatch(/with an explicit deny/);
    // IAM calls with the session are denied too (the probe that real AWS also denies).
    const iamDenied = await failure(iam(a).send(new ListRolePoliciesCommand({ RoleName: 'agent-s3' })));
    expect(iamDenied.name).toBe('AccessDenied');
    expect((await whoAmI(b)).Arn).toMatch(/assumed-role\/agent-s3\/task-b$/);
    await expect(iam(b).send(new ListRolePoliciesCommand({ RoleName: 'agent-s3' }))).resolves.toHaveProperty('PolicyNames');
  });

  it('DateLessThan aws:TokenIssueTime revokes sessions issued before the cut-off', async () => {
    const old = await assume({ RoleSessionName: 'old' });
    clock += 60_000;
    const cutOff = new Date(clock - 1_000).toISOString();
    await iam(BROKER).send(
      new PutRolePolicyCommand({ RoleName: 'agent-s3', PolicyName: 'revoke-older', PolicyDocument: denyPolicy({ DateLessThan: { 'aws:TokenIssueTime': cutOff } }) }),
    );
    const fresh = await assume({ RoleSessionName: 'fresh' });
    expect((await failure(whoAmI(old))).name).toBe('AccessDenied');
    expect((await whoAmI(fresh)).Arn).toMatch(/\/fresh$/);
  });

  it('GetRolePolicy returns the document URL-encoded; List and Delete round-trip', async () => {
    const client = iam(BROKER);
    const doc = denyPolicy({ 'ForAnyValue:StringEquals': { 'aws:PrincipalTag/tessera-task': ['tsk_1', 'tsk 2'] } });
    await client.send(new PutRolePolicyCommand({ RoleName: 'agent-s3', PolicyName: 'p1', PolicyDocument: doc }));
    const got = await client.send(new GetRolePolicyCommand({ RoleName: 'agent-s3', PolicyName: 'p1' }));
    expect(got.PolicyDocument).not.toBe(doc);
    expect(got.PolicyDocument).toMatch(/^%7B%22Version%22%3A/);
    expect(decodeURIComponent(got.PolicyDocument ?? '')).toBe(doc);
    expect(double.inlinePolicies('agent-s3')).toEqual({ p1: doc });
    expect((await client.send(new ListRolePoliciesCommand({ RoleName: 'agent-s3' }))).PolicyNames).toEqual(['p1']);
    await client.send(new DeleteRolePolicyCommand({ RoleName: 'agent-s3', PolicyName: 'p1' }));
    const gone = await failure(client.send(new GetRolePolicyCommand({ RoleName: 'agent-s3', PolicyName: 'p1' })));
    expect(gone.error).toBeInstanceOf(NoSuchEntityException);
    expect(gone.status).toBe(404);
    const noRole = await failure(client.send(new PutRolePolicyCommand({ RoleName: 'nope', PolicyName: 'p', PolicyDocument: doc })));
    expect(noRole.error).toBeInstanceOf(NoSuchEntityException);
  });

  it('rejects a role whose inline policies exceed 10,240 characters with LimitExceeded (409)', async () => {
    const client = iam(BROKER);
    const filler = (n: number): string =>
      JSON.stringify({ Statement: [{ Effect: 'Deny', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'x'.repeat(n)}` }] });
    await client.send(new PutRolePolicyCommand({ RoleName: 'agent-s3', PolicyName: 'a', PolicyDocument: filler(5000) }));
    const over = await failure(client.send(new PutRolePolicyCommand({ RoleName: 'agent-s3', PolicyName: 'b', PolicyDocument: filler(5200) })));
    expect(over.error).toBeInstanceOf(LimitExceededException);
    expect(over.status).toBe(409);
    expect(Object.keys(double.inlinePolicies('agent-s3'))).toEqual(['a']);
    const malformed = await failure(client.send(new PutRolePolicyCommand({ RoleName: 'agent-s3', PolicyName: 'c', PolicyDocument: '{nope' })));
    expect(malformed.name).toBe('MalformedPolicyDocumentException');
  });
});

describe('AWS double: faults', () => {
  it("'refuse' closes the port; 'none' serves again on the same URL", async () => {
    const url = double.url;
    await double.setFault('refuse');
    const refused = await failure(whoAmI(BROKER));
    expect(refused.code).toMatch(/^(ECONNREFUSED|ECONNRESET)$/);
    await double.setFault('none');
    expect(double.url).toBe(url);
    expect((await whoAmI(BROKER)).Arn).toBe(BROKER.arn);
  });

  it("'throttle' and 'unavailable' answer Throttling (400) and ServiceUnavailable (503)", async () => {
    await double.setFault('throttle');
    expect(await failure(whoAmI(BROKER))).toMatchObject({ name: 'Throttling', status: 400 });
    await double.setFault('unavailable');
    expect(await failure(whoAmI(BROKER))).toMatchObject({ name: 'ServiceUnavailable', status: 503 });
    await double.setFault('none');
    await expect(whoAmI(BROKER)).resolves.toHaveProperty('Account', ACCOUNT);
    expect(double.requests()).toEqual([
      { action: 'GetCallerIdentity', accessKeyId: BROKER.accessKeyId, status: 400 },
      { action: 'GetCallerIdentity', accessKeyId: BROKER.accessKeyId, status: 503 },
      { action: 'GetCallerIdentity', accessKeyId: BROKER.accessKeyId, status: 200 },
    ]);
  });
});

describe('SigV4 verifier against the AWS signature test suite', () => {
  // "get-vanilla" and "get-vanilla-query-order-key-case" from AWS's SigV4 test suite
  // (AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830T123600Z, us-east-1, service).
  const sign = (url: string): string => {
    const req = { method: 'GET', url, rawHeaders: ['Host', 'example.amazonaws.com', 'X-Amz-Date', '20150830T123600Z'], body: Buffer.alloc(0) };
    const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const toSign = stringToSign('20150830T123600Z', '20150830/us-east-1/service/aws4_request', canonicalRequest(req, ['host', 'x-amz-date'], empty));
    const key = signingKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20150830', 'us-east-1', 'service');
    return createHmac('sha256', key).update(toSign).digest('hex');
  };
  it('reproduces the published signatures', () => {
    expect(sign('/')).toBe('5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
    expect(sign('/?Param2=value2&Param1=value1')).toBe('b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500');
  });
});
