/**
 * End to end over HTTP: an agent gets STS credentials through Tessera, uses them with the real SDK,
 * and loses them when its task ends, while another task's session on the same role keeps working.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TesseraApiError } from '../../../src/client/tessera-client.js';
import { eventually } from '../../support/stack.js';
import { ACCOUNT, RESOURCES, startAwsStack, type AwsStack } from './e2e-support.js';
import { credsOf, deniedWithin } from './targets.js';

let st: AwsStack;
beforeAll(async () => {
  st = await startAwsStack();
});
afterAll(async () => {
  await st?.close();
});

const whoAmI = (credential: Record<string, unknown>) =>
  new STSClient({ endpoint: st.double.url, region: credential.region as string, credentials: credsOf(credential), maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));

describe('aws-sts over HTTP', () => {
  it("agent's STS session works, is denied within 2 s of task completion, and another task's session keeps working", async () => {
    const agent = st.s.agent('spiffe://acme/agent/reporter');
    const task = await agent.declareTask({ intent: 'read the 2030 reports', scopes: [{ profile: 's3-reader', resources: RESOURCES }], ttl_seconds: 1800 });
    const other = await agent.declareTask({ intent: 'another job', scopes: [{ profile: 's3-reader', resources: RESOURCES }], ttl_seconds: 1800 });

    const grant = await agent.getCredential(task.task_id, { profile: 's3-reader', ttl_seconds: 300 });
    expect(grant).toMatchObject({ backend: 'aws-sts', ttl_seconds: 900, ttl_clamped_by: 'backend_floor', revocation: 'deny-policy' });
    expect(grant.credential).toMatchObject({ type: 'aws-sts', region: 'eu-west-1' });
    expect(Object.keys(grant.credential).sort()).toEqual(['access_key_id', 'expiration', 'region', 'secret_access_key', 'session_token', 'type']);
    const otherGrant = await agent.getCredential(other.task_id, { profile: 's3-reader' });

    const me = await whoAmI(grant.credential);
    expect(me.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/agent-s3/${task.task_id}`);
    const session = st.double.sessions().find((x) => x.accessKeyId === grant.credential.access_key_id)!;
    expect(session.tags['tessera-task']).toBe(task.task_id);
    expect(session.sourceIdentity).toMatch(/^spiffe\.acme\.agent\.reporter-[0-9a-f]{16}$/);

    const started = Date.now();
    await agent.completeTask(task.task_id);
    const tookMs = await deniedWithin(() => whoAmI(grant.credential), 2000);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(tookMs).toBeLessThan(2000);
    expect((await whoAmI(otherGrant.credential)).Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/agent-s3/${other.task_id}`);

    const done = await agent.waitForTask(task.task_id, ['completed'], 5000);
    expect(done.leases?.[0]).toMatchObject({ lease_id: grant.lease_id, status: 'revoked', revocation: 'deny-policy' });
    const types = (await agent.taskAudit(task.task_id)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['credential.minted', 'lease.revoked']));
    expect(JSON.stringify(await agent.taskAudit(task.task_id))).not.toContain(grant.credential.secret_access_key as string);
  });

  it('answers 422 policy_too_large for a session policy over the STS limit, naming the problem', async () => {
    const agent = st.s.agent('agent-many-buckets');
    const many = Array.from({ length: 60 }, (_, i) => `arn:aws:s3:::acme-reports-archive-bucket-${i}/*`);
    const task = await agent.declareTask({ intent: 'read everything', scopes: [{ profile: 's3-reader', resources: many }] });
    const err = (await agent.getCredential(task.task_id, { profile: 's3-reader' }).catch((e: unknown) => e)) as TesseraApiError;
    expect(err).toBeInstanceOf(TesseraApiError);
    expect([err.status, err.code]).toEqual([422, 'policy_too_large']);
    expect(err.detail).toMatch(/2048/);
    const one = await agent.getCredential(task.task_id, { profile: 's3-reader', resources: many.slice(0, 1) });
    expect(one.revocation).toBe('deny-policy');
  });

  it('expiry-only profiles say honestly that the session outlives the task', async () => {
    const agent = st.s.agent('agent-expiry-only');
    const task = await agent.declareTask({ intent: 'quick look', scopes: [{ profile: 's3-expiry', resources: RESOURCES }], ttl_seconds: 120 });
    const grant = (await agent.getCredential(task.task_id, { profile: 's3-expiry' })) as Awaited<ReturnType<typeof agent.getCredential>> & { warnings?: string[] };
    expect(grant).toMatchObject({ revocation: 'expiry-only', ttl_seconds: 900, ttl_clamped_by: 'backend_floor' });
    expect(grant.warnings?.[0]).toMatch(/expiry-only.*stays valid until .*, \d+ s after the task ends/);
    await agent.completeTask(task.task_id);
    await new Promise((r) => setTimeout(r, 500));
    await expect(whoAmI(grant.credential)).resolves.toHaveProperty('Arn');
    expect((await agent.getTask(task.task_id)).leases?.[0]).toMatchObject({ revocation: 'expiry-only', status: 'active' });
  });

  it('backend down: mint answers 503 backend_unavailable; the revocation is retried and lands when AWS is back', async () => {
    const agent = st.s.agent('agent-outage');
    const task = await agent.declareTask({ intent: 'through an outage', scopes: [{ profile: 's3-reader', resources: RESOURCES }], ttl_seconds: 1800 });
    const grant = await agent.getCredential(task.task_id, { profile: 's3-reader' });
    await st.double.setFault('refuse');
    try {
      const err = (await agent.getCredential(task.task_id, { profile: 's3-reader' }).catch((e: unknown) => e)) as TesseraApiError;
      expect([err.status, err.code]).toEqual([503, 'backend_unavailable']);
      expect(err.detail).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
      await agent.completeTask(task.task_id);
      // Let the worker fail twice (it logs each attempt), then bring AWS back within its quick retries.
      const failures = () => st.logs.filter((l) => l.lease_id === grant.lease_id && l.msg === 'aws-sts: writing the deny policy failed');
      await eventually(async () => failures().length >= 2, 5000, 5);
      expect(failures()[0]).toMatchObject({ aws_code: 'ECONNREFUSED', transient: true });
      expect((await whoAmI(grant.credential).catch(() => null)) ?? 'refused').toBe('refused');
    } finally {
      await st.double.setFault('none');
    }
    const done = await agent.waitForTask(task.task_id, ['completed'], 20_000);
    expect(done.leases?.find((l) => l.lease_id === grant.lease_id)?.status).toBe('revoked');
    await deniedWithin(() => whoAmI(grant.credential), 500);
    const types = (await agent.taskAudit(task.task_id)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['credential.mint_failed', 'lease.revoked']));
  });
});
