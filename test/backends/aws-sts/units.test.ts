/** Pure parts of the AWS STS backend: names and tags, session policies, the deny document, error classes. No network. */
import { describe, expect, it } from 'vitest';
import { classify, isPolicyInvalid, isPolicyTooLarge } from '../../../src/backends/aws-sts/aws-errors.js';
import { awsStsProfileSchema } from '../../../src/backends/aws-sts/config.js';
import { parseDenyPolicy, policySize, renderDenyPolicy } from '../../../src/backends/aws-sts/deny-document.js';
import { coverage, emptyState, mergeEntry, prune, union, widen } from '../../../src/backends/aws-sts/deny-state.js';
import { agentLabel, roleNameOf, sessionNameFor, tagValue } from '../../../src/backends/aws-sts/names.js';
import { renderSessionPolicy, SessionPolicyError } from '../../../src/backends/aws-sts/session-policy.js';
import { ConfigError, validateConfig } from '../../../src/config/load.js';
import { testConfig } from '../../support/stack.js';

const NAME_RE = /^[\w+=,.@-]{2,64}$/;

describe('aws-sts names', () => {
  it('uses the task id as RoleSessionName, fitted to [\\w+=,.@-]{2,64}', () => {
    expect(sessionNameFor('tsk_AbC-d_0123456789abcdefgh')).toBe('tsk_AbC-d_0123456789abcdefgh');
    expect(sessionNameFor('t')).toMatch(NAME_RE);
    expect(sessionNameFor('x y/z'.repeat(30))).toMatch(NAME_RE);
  });

  it('labels agents deterministically within STS alphabets, with a hash of issuer and subject', () => {
    const a = agentLabel({ issuer: 'https://issuer.example', subject: 'spiffe://acme/agent/summariser' });
    expect(a).toMatch(/^spiffe\.acme\.agent\.summariser-[0-9a-f]{16}$/);
    expect(agentLabel({ issuer: 'https://issuer.example', subject: 'spiffe://acme/agent/summariser' })).toBe(a);
    expect(agentLabel({ issuer: 'https://other.example', subject: 'spiffe://acme/agent/summariser' })).not.toBe(a);
    const long = agentLabel({ issuer: 'i', subject: 'repo:acme/web:ref:refs/heads/main:'.repeat(10) });
    expect(long).toMatch(NAME_RE);
    expect(long).toHaveLength(64);
    expect(agentLabel({ issuer: 'i', subject: '😀' })).toMatch(NAME_RE);
    expect(tagValue('a#b?c'.repeat(100))).toMatch(/^[\w.:/=+\-@ ]{1,256}$/u);
  });

  it('derives the role name from a role ARN with a path', () => {
    expect(roleNameOf('arn:aws:iam::123456789012:role/agent-s3')).toBe('agent-s3');
    expect(roleNameOf('arn:aws:iam::123456789012:role/team/agents/agent-s3')).toBe('agent-s3');
    expect(() => roleNameOf('arn:aws:iam::123456789012:user/bob')).toThrow(TypeError);
  });
});

describe('aws-sts session policy templates', () => {
  const tpl = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource": {{resources}} }]}';

  it('renders resources as a JSON array, minified', () => {
    const out = renderSessionPolicy(tpl, { resources: ['arn:aws:s3:::b/k1', 'arn:aws:s3:::b/"k2"'], taskId: 'tsk_1', profile: 'p' });
    expect(JSON.parse(out).Statement[0].Resource).toEqual(['arn:aws:s3:::b/k1', 'arn:aws:s3:::b/"k2"']);
    expect(out).not.toMatch(/\s/);
  });

  it('refuses invalid renders and oversize policies with a typed error', () => {
    const kind = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        return e instanceof SessionPolicyError ? e.kind : 'other';
      }
      return 'none';
    };
    expect(kind(() => renderSessionPolicy(tpl, { resources: [], taskId: 't', profile: 'p' }))).toBe('invalid');
    expect(kind(() => renderSessionPolicy('{"Statement": {{resources}', { resources: ['x'], taskId: 't', profile: 'p' }))).toBe('invalid');
    expect(kind(() => renderSessionPolicy('{"Version":"2012-10-17"}', { resources: ['x'], taskId: 't', profile: 'p' }))).toBe('invalid');
    expect(kind(() => renderSessionPolicy(tpl, { resources: ['arn:aws:s3:::b/ключ'], taskId: 't', profile: 'p' }))).toBe('invalid');
    const many = Array.from({ length: 80 }, (_, i) => `arn:aws:s3:::bucket-${i}/*`);
    expect(kind(() => renderSessionPolicy(tpl, { resources: many, taskId: 't', profile: 'p' }))).toBe('too_large');
  });

  it('is checked when the config is loaded, naming the path', () => {
    const base = { backend: 'aws-sts', role_arn: 'arn:aws:iam::123456789012:role/r', max_ttl_seconds: 900 };
    expect(awsStsProfileSchema.safeParse({ ...base, session_policy: tpl }).success).toBe(true);
    const bad = awsStsProfileSchema.safeParse({ ...base, session_policy: '{"Statement": [' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['session_policy']);
    expect(awsStsProfileSchema.safeParse({ ...base, role_arn: 'arn:aws:iam::123456789012:user/u' }).success).toBe(false);
  });
});

describe('aws-sts configuration', () => {
  const problems = (patch: (cfg: Record<string, any>) => void): string[] => {
    try {
      validateConfig(testConfig('https://issuer.example', patch), 'test', { TEST_WEBHOOK_SECRET: 'x' });
      return [];
    } catch (err) {
      return err instanceof ConfigError ? err.problems : [String(err)];
    }
  };
  const profile = { backend: 'aws-sts', role_arn: 'arn:aws:iam::123456789012:role/agent-s3', max_ttl_seconds: 900 };

  it('accepts a profile with defaults and names the path of each problem', () => {
    expect(problems((c) => ((c.profiles.s3 = profile), (c.backends = { 'broker-token': {}, 'aws-sts': {} })))).toEqual([]);
    expect(problems((c) => (c.profiles.s3 = profile))).toEqual(['profiles.s3.backend: backend "aws-sts" is not configured under backends.aws-sts']);
    expect(problems((c) => ((c.profiles.s3 = { ...profile, session_policy: '{"Statement": {{resources}}' }), (c.backends = { 'broker-token': {}, 'aws-sts': {} })))).toEqual([
      'profiles.s3.session_policy: The session policy does not render to valid JSON with these resources',
    ]);
    const bad = problems((c) => {
      c.profiles.s3 = { ...profile, revocation: 'never' };
      c.backends = { 'broker-token': {}, 'aws-sts': { deny_policy_max_chars: 20_000, bogus: 1 } };
    });
    expect(bad).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^profiles\.s3\.revocation: /),
        expect.stringMatching(/^backends\.aws-sts\.deny_policy_max_chars: /),
        'backends.aws-sts.bogus: unknown key',
      ]),
    );
  });

  it('wants https endpoints except on loopback or in dev mode', () => {
    const remote = (dev: boolean) =>
      problems((c) => {
        c.server.dev_mode = dev;
        c.backends = { 'broker-token': {}, 'aws-sts': { endpoint: 'http://sts.internal.example', iam_endpoint: 'http://127.0.0.1:9' } };
      }).filter((p) => p.startsWith('backends.aws-sts'));
    expect(remote(false)).toEqual(['backends.aws-sts.endpoint: must be https (http is accepted for loopback or in server.dev_mode)']);
    expect(remote(true)).toEqual([]);
  });
});

describe('aws-sts deny document', () => {
  const T0 = Date.UTC(2030, 0, 1);

  it('groups tasks by prune time into Deny statements and reads them back', () => {
    const s = emptyState();
    mergeEntry(s, 'tsk_b', { until: T0 + 600_000, issued: T0 });
    mergeEntry(s, 'tsk_a', { until: T0 + 600_000, issued: T0 });
    mergeEntry(s, 'tsk_c', { until: T0 + 900_000, issued: T0 });
    const doc = renderDenyPolicy(s)!;
    const json = JSON.parse(doc);
    expect(json.Statement).toHaveLength(2);
    expect(json.Statement[0]).toEqual({
      Sid: `TesseraUntil${(T0 + 600_000) / 1000}`,
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalTag/tessera-task': ['tsk_a', 'tsk_b'] } },
    });
    const back = parseDenyPolicy(doc);
    expect([...back.tasks.keys()].sort()).toEqual(['tsk_a', 'tsk_b', 'tsk_c']);
    expect(back.tasks.get('tsk_c')).toEqual({ until: T0 + 900_000, issued: 0 });
    expect(renderDenyPolicy(emptyState())).toBeNull();
  });

  it('keeps statements it did not write, and round-trips the TokenIssueTime cut-off', () => {
    const foreign = { Sid: 'Ops', Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' };
    const s = parseDenyPolicy(JSON.stringify({ Version: '2012-10-17', Statement: [foreign] }));
    mergeEntry(s, 'tsk_a', { until: T0 + 600_000, issued: T0 - 5000 });
    const wide = widen(s, T0);
    expect(wide.tasks.size).toBe(0);
    expect(wide.cutoff).toEqual({ before: T0 + 1000, until: T0 + 600_000 });
    const doc = renderDenyPolicy(wide)!;
    expect(JSON.parse(doc).Statement[1].Condition).toEqual({ DateLessThan: { 'aws:TokenIssueTime': '2030-01-01T00:00:01Z' } });
    const back = parseDenyPolicy(doc);
    expect(back.foreign).toEqual([foreign]);
    expect(back.cutoff).toEqual(wide.cutoff);
    expect(policySize('{ "a" : 1 }')).toBe(7);
  });

  it('prunes, unions and decides coverage', () => {
    const a = emptyState();
    mergeEntry(a, 'tsk_old', { until: T0, issued: 1 });
    mergeEntry(a, 'tsk_new', { until: T0 + 1000, issued: 1 });
    const b = emptyState();
    mergeEntry(b, 'tsk_new', { until: T0 + 5000, issued: 2 });
    b.cutoff = { before: T0 - 10_000, until: T0 + 5000 };
    const u = prune(union(a, b), T0);
    expect([...u.tasks.keys()]).toEqual(['tsk_new']);
    expect(u.tasks.get('tsk_new')).toEqual({ until: T0 + 5000, issued: 2 });
    expect(coverage(u, 'tsk_new', { until: T0 + 5000, issued: 0 })).toBe('task');
    expect(coverage(u, 'tsk_x', { until: T0 + 5000, issued: T0 - 20_000 })).toBe('cutoff');
    expect(coverage(u, 'tsk_x', { until: T0 + 5000, issued: T0 - 10_500 })).toBeUndefined();
    expect(coverage(u, 'tsk_x', { until: T0 + 6000, issued: T0 - 20_000 })).toBeUndefined();
  });
});

describe('aws-sts error classification', () => {
  it('separates transient failures from misconfiguration and policy refusals', () => {
    const sdk = (name: string, status: number, message = 'm') => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
    expect(classify(sdk('Throttling', 400)).transient).toBe(true);
    expect(classify(sdk('ServiceUnavailable', 503)).transient).toBe(true);
    expect(classify(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toMatchObject({ code: 'ECONNREFUSED', transient: true });
    expect(classify(sdk('AccessDenied', 403)).transient).toBe(false);
    expect(classify(sdk('LimitExceededException', 409))).toMatchObject({ code: 'LimitExceeded', transient: false });
    expect(isPolicyTooLarge(classify(sdk('PackedPolicyTooLargeException', 400)))).toBe(true);
    const tooLong = sdk('ValidationError', 400, "1 validation error detected: Value '{...}' at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048");
    expect(isPolicyTooLarge(classify(tooLong))).toBe(true);
    expect(isPolicyInvalid(classify(tooLong))).toBe(false);
    expect(isPolicyInvalid(classify(sdk('MalformedPolicyDocumentException', 400)))).toBe(true);
    expect(isPolicyInvalid(classify(sdk('ValidationError', 400, 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.')))).toBe(false);
  });
});
