/**
 * Conformance suite of the aws-sts backend. Runs against the AWS double always, and against real AWS
 * when AWS credentials and TESSERA_TEST_ROLE_ARN are set (see targets.ts for what the role needs).
 * Cases that need a controllable clock or fault injection say so in their title and run on the double.
 */
import { PutRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RevokeError, type RevokeReport } from '../../../src/backends/backend.js';
import { TesseraError } from '../../../src/errors/tessera-error.js';
import { startRedis, type TestRedis } from '../../support/redis-server.js';
import { renderSessionPolicy, SESSION_POLICY_MAX_CHARS } from '../../../src/backends/aws-sts/session-policy.js';
import { captureLog, fakeTarget, grant, makeBackend, targetOf, template, type BackendHandle } from './harness.js';
import { credsOf, deniedWithin, TARGETS, tools, type Env } from './targets.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const rejection = async (p: Promise<unknown>): Promise<unknown> => p.then(() => new Error('expected a rejection'), (e: unknown) => e);

for (const target of TARGETS) {
  describe.runIf(target.enabled)(`aws-sts backend conformance against ${target.title}`, () => {
    const onDouble = target.kind === 'double';
    const slow = onDouble ? 30_000 : 300_000;
    let env: Env;
    let t: ReturnType<typeof tools>;
    let prefix: string;
    const handles: BackendHandle[] = [];
    const backend = (o: Parameters<typeof makeBackend>[3] = {}) => {
      const h = makeBackend(env, redis.url, prefix, o);
      handles.push(h);
      return h.backend;
    };
    const mint = async (b: ReturnType<typeof backend>, o: Parameters<typeof grant>[1] = {}) => {
      const g = grant(env, o);
      const m = await b.mint(g);
      return { g, m, target: targetOf(g, m, env.clock.now()), creds: credsOf(m.credential) };
    };

    beforeEach(async () => {
      env = await target.start();
      t = tools(env);
      prefix = `conf${Math.random().toString(36).slice(2, 10)}`;
    });
    afterEach(async () => {
      await Promise.all(handles.splice(0).map((h) => h.close()));
      await env?.close();
    });

    it('mints a task-scoped session: 900 s floor, session name, tags, source identity; the credentials work', async () => {
      const b = backend();
      const { g, m, creds } = await mint(b, { ttlSeconds: 300 });
      expect(m).toMatchObject({ ttlSeconds: 900, ttlClampedBy: 'backend_floor', revocation: 'deny-policy' });
      expect(m.credential).toMatchObject({ type: 'aws-sts', region: env.region });
      expect(m.credential.access_key_id).toMatch(/^ASIA/);
      expect(Date.parse(m.credential.expiration as string) - env.clock.now()).toBeGreaterThan(890_000);
      expect(m.revocationData).toMatchObject({ role_arn: env.roleArn, task_tag: g.taskId, session_name: g.taskId });
      expect(JSON.stringify(m.revocationData)).not.toContain(creds.secretAccessKey);
      const me = await t.whoAmI(creds);
      expect(me.Arn).toBe(`arn:aws:sts::${env.roleArn.split(':')[4]}:assumed-role/${t.roleName}/${g.taskId}`);
      await expect(t.probe(creds)).resolves.toBeDefined();
      if (env.double) {
        const session = env.double.sessions().find((s) => s.accessKeyId === creds.accessKeyId)!;
        expect(session.tags).toEqual({ 'tessera-task': g.taskId, 'tessera-agent': session.sourceIdentity, 'tessera-profile': 's3' });
        expect(session.sourceIdentity).toMatch(/^spiffe\.acme\.agent\.conformance-[0-9a-f]{16}$/);
        expect(JSON.parse(session.policy!).Statement[0].Resource).toEqual(['arn:aws:s3:::tessera-conformance/*']);
      }
      const longer = await mint(b, { ttlSeconds: 1200, profileName: 'plain' });
      expect([longer.m.ttlSeconds, longer.m.ttlClampedBy]).toEqual([1200, undefined]);
    }, slow);

    it("revoke denies the task's sessions and no other; repeating it changes nothing", async () => {
      const b = backend();
      const a = await mint(b);
      const other = await mint(b);
      expect(await b.revoke(a.target)).toBeUndefined();
      await deniedWithin(() => t.probe(a.creds), env.propagationMs);
      if (onDouble) await deniedWithin(() => t.whoAmI(a.creds), 100);
      await expect(t.probe(other.creds)).resolves.toBeDefined();
      const doc = await t.policy();
      expect(doc).toContain(a.g.taskId);
      expect(doc).not.toContain(other.g.taskId);
      const writes = env.double?.requests().filter((r) => r.action === 'PutRolePolicy').length;
      await b.revoke(a.target);
      await backend().revoke(a.target);
      expect(await t.policy()).toBe(doc);
      if (env.double) expect(env.double.requests().filter((r) => r.action === 'PutRolePolicy').length).toBe(writes);
    }, slow);

    it('a lease whose mint was interrupted (no revocation data) is cut off by its task tag on the profile role', async () => {
      const b = backend();
      const a = await mint(b);
      const interrupted = { ...a.target, revocationData: {} };
      expect(await b.revoke(interrupted)).toBeUndefined();
      await deniedWithin(() => t.probe(a.creds), env.propagationMs);
      const expiryOnly = await b.revoke({ ...interrupted, profileName: 'expiry-only', taskId: 'tsk_interrupted_expiry_only1' });
      expect(expiryOnly?.warnings?.[0]).toMatch(/interrupted.*stays valid until it expires/);
      expect(await t.policy()).not.toContain('tsk_interrupted_expiry_only1');
    }, slow);

    it('a revoke after the session expired writes nothing', async () => {
      const b = backend();
      expect(await b.revoke(fakeTarget(env, -1000))).toBeUndefined();
      expect(await t.policy()).toBeNull();
    }, slow);

    it('expiry-only profiles say so and are never cut off', async () => {
      const { m } = await mint(backend(), { profileName: 'expiry-only', notAfter: env.clock.now() + 60_000 });
      expect(m.revocation).toBe('expiry-only');
      expect(m.warnings?.[0]).toMatch(/expiry-only: STS sessions cannot be revoked, so this one stays valid until .*, \d+ s after the task ends/);
    }, slow);

    it('refuses bad session policies with 422 before calling STS', async () => {
      const b = backend();
      const none = await rejection(b.mint(grant(env, { resources: [] })));
      expect(none).toMatchObject({ status: 422, code: 'session_policy_invalid' });
      const many = Array.from({ length: 80 }, (_, i) => `arn:aws:s3:::tessera-conformance-${i}/*`);
      expect(await rejection(b.mint(grant(env, { resources: many })))).toMatchObject({ status: 422, code: 'policy_too_large' });
      if (env.double) expect(env.double.requests().filter((r) => r.action === 'AssumeRole')).toHaveLength(0);
    }, slow);

    it.runIf(onDouble)('maps STS PackedPolicyTooLarge to 422 policy_too_large (double only: AWS compresses, so the size differs)', async () => {
      // Just under STS's 2,048-character plaintext limit, so only the packed size (policy + tags) is over.
      const resources = ['arn:aws:s3:::tc/*'];
      const size = () => renderSessionPolicy(template(env.roleArn), { resources, taskId: 't', profile: 's3' }).length;
      while (size() < SESSION_POLICY_MAX_CHARS - 40) resources.push(`arn:aws:s3:::tc-${resources.length}/*`);
      const err = await rejection(backend().mint(grant(env, { resources })));
      expect(err).toMatchObject({ status: 422, code: 'policy_too_large' });
      expect(env.double!.requests().at(-1)).toMatchObject({ action: 'AssumeRole', status: 400 });
    });

    it('an untrusted role is 500 backend_misconfigured, the AWS detail only in the log', async () => {
      const { log, lines } = captureLog();
      const err = await rejection(backend({ log }).mint(grant(env, { profileName: 'untrusted' })));
      expect(err).toBeInstanceOf(TesseraError);
      expect(err).toMatchObject({ status: 500, code: 'backend_misconfigured', expose: false });
      expect((err as Error).message).not.toMatch(/AccessDenied|arn:/);
      expect(lines.find((l) => l.aws_code === 'AccessDenied')).toMatchObject({ level: 50, role_arn: env.untrustedRoleArn });
      const revokeErr = await rejection(backend().revoke({ ...fakeTarget(env), revocationData: { ...fakeTarget(env).revocationData, role_arn: env.untrustedRoleArn } }));
      expect(revokeErr).toBeInstanceOf(RevokeError);
      expect((revokeErr as RevokeError).permanent).toBe(true);
    }, slow);

    it('20 concurrent revocations from two processes on one role all land', async () => {
      const [b1, b2] = [backend(), backend()];
      const leases = await Promise.all(Array.from({ length: 20 }, (_, i) => mint(i % 2 ? b1 : b2)));
      await Promise.all(leases.map((l, i) => (i % 2 ? b2 : b1).revoke(l.target)));
      const doc = (await t.policy())!;
      for (const l of leases) expect(doc).toContain(l.g.taskId);
      await Promise.all(leases.map((l) => deniedWithin(() => t.probe(l.creds), env.propagationMs)));
      if (env.double) {
        const writes = env.double.requests().filter((r) => r.action === 'PutRolePolicy').length;
        expect(writes).toBeLessThanOrEqual(20);
      }
    }, slow);

    it("the role's policy stays the authority when Tessera's Redis copy is lost", async () => {
      const h = makeBackend(env, redis.url, prefix);
      handles.push(h);
      const a = await mint(h.backend);
      await h.backend.revoke(a.target);
      await h.redis.flushdb();
      const b = await mint(h.backend);
      await h.backend.revoke(b.target);
      const doc = (await t.policy())!;
      expect(doc).toContain(a.g.taskId);
      expect(doc).toContain(b.g.taskId);
    }, slow);

    it.runIf(onDouble)('prunes entries once their sessions have expired (double only: needs clock control)', async () => {
      const b = backend();
      const a = await mint(b);
      await b.revoke(a.target);
      env.advance!(2 * 3600_000);
      const c = await mint(b);
      await b.revoke(c.target);
      const doc = (await t.policy())!;
      expect(doc).not.toContain(a.g.taskId);
      expect(doc).toContain(c.g.taskId);
      env.advance!(2 * 3600_000);
      await b.revoke(fakeTarget(env));
      expect(await t.policy()).not.toContain(c.g.taskId);
    });

    it.runIf(onDouble)('maps throttling, 5xx and refused connections to 503 / transient revoke errors, and recovers (double only: fault injection)', async () => {
      const b = backend();
      const a = await mint(b);
      for (const fault of ['refuse', 'throttle', 'unavailable'] as const) {
        await env.double!.setFault(fault);
        expect(await rejection(b.mint(grant(env)))).toMatchObject({ status: 503, code: 'backend_unavailable' });
        const err = await rejection(b.revoke(a.target));
        expect(err).toBeInstanceOf(RevokeError);
        expect((err as RevokeError).permanent).toBe(false);
        await expect(b.ready()).rejects.toBeDefined();
      }
      await env.double!.setFault('none');
      await b.revoke(a.target);
      await deniedWithin(() => t.whoAmI(a.creds), env.propagationMs);
      await expect(b.ready()).resolves.toBeUndefined();
    });

    it.runIf(onDouble)("falls back to a TokenIssueTime cut-off when IAM's limit is hit by other inline policies (double only: writes a filler policy)", async () => {
      const filler = JSON.stringify({ Statement: [{ Effect: 'Deny', Action: 's3:DeleteBucket', Resource: `arn:aws:s3:::${'x'.repeat(9900)}` }] });
      await new IAMClient({ region: 'us-east-1', endpoint: env.iamEndpoint, credentials: env.credentials, maxAttempts: 1 }).send(
        new PutRolePolicyCommand({ RoleName: t.roleName, PolicyName: 'someone-elses', PolicyDocument: filler }),
      );
      const b = backend();
      const reports: Array<RevokeReport | void> = [];
      for (let i = 0; i < 4; i++) reports.push(await b.revoke(fakeTarget(env)));
      expect(reports.some((r) => r?.detail?.cut_off === 'aws:TokenIssueTime')).toBe(true);
      expect(await t.policy()).toContain('aws:TokenIssueTime');
    });

    // Last: on real AWS the role-wide cut-off also stops sessions issued before it, for its lifetime.
    it('falls back to a role-wide TokenIssueTime cut-off past the size budget, reports it, and new sessions work', async () => {
      const { log, lines } = captureLog();
      const b = backend({ config: { deny_policy_max_chars: 1024 }, log });
      const bystander = await mint(b);
      const revoked = await mint(b);
      await b.revoke(revoked.target);
      let report: RevokeReport | void = undefined;
      for (let i = 0; i < 60 && !report; i++) report = await b.revoke(fakeTarget(env));
      expect(report?.warnings?.[0]).toMatch(/^Cut off by a role-wide deny: every session of .* issued before .* is denied until/);
      expect(report?.detail).toMatchObject({ cut_off: 'aws:TokenIssueTime', role_arn: env.roleArn });
      expect(lines.some((l) => l.level === 40 && /EVERY session of the role/.test(String(l.msg)))).toBe(true);
      const doc = (await t.policy())!;
      expect(doc.replace(/\s/g, '').length).toBeLessThanOrEqual(1024);
      await deniedWithin(() => t.probe(revoked.creds), env.propagationMs);
      await deniedWithin(() => t.probe(bystander.creds), env.propagationMs);
      const before = Date.parse(report!.detail!.issued_before as string);
      await new Promise((r) => setTimeout(r, Math.max(0, before - env.clock.now() + 50)));
      const fresh = await mint(b);
      await expect(t.probe(fresh.creds)).resolves.toBeDefined();
      expect(await b.revoke(revoked.target)).toMatchObject({ detail: { cut_off: 'aws:TokenIssueTime' } });
    }, slow);
  });
}
