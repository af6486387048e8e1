/**
 * The deny-policy cut-off under load and at its limits, over HTTP: many tasks ending at once on one
 * role, the role-wide TokenIssueTime fallback when IAM's size limit is reached, and pruning over time.
 */
import { IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialGrant } from '../../../src/client/tessera-client.js';
import { defaultUser } from '../../doubles/aws/index.js';
import { ACCOUNT, RESOURCES, startAwsStack, type AwsStack } from './e2e-support.js';
import { credsOf, deniedWithin } from './targets.js';

let st: AwsStack;
beforeAll(async () => {
  st = await startAwsStack();
});
afterAll(async () => {
  await st?.close();
});

const whoAmI = (g: CredentialGrant) =>
  new STSClient({ endpoint: st.double.url, region: 'eu-west-1', credentials: credsOf(g.credential), maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
const denyPolicy = (role: string) => st.double.inlinePolicies(role)['tessera-revoked-sessions'] ?? '';

describe('aws-sts deny-policy cut-off over HTTP', () => {
  it('20 tasks on one role completing at once: all 20 sessions denied, no entry lost', async () => {
    const agent = st.s.agent('spiffe://acme/agent/fleet');
    const tasks = await Promise.all(
      Array.from({ length: 20 }, (_, i) => agent.declareTask({ intent: `shard ${i}`, scopes: [{ profile: 's3-reader', resources: RESOURCES }], ttl_seconds: 1800 })),
    );
    const grants = await Promise.all(tasks.map((t) => agent.getCredential(t.task_id, { profile: 's3-reader' })));
    const bystanderTask = await agent.declareTask({ intent: 'keeps going', scopes: [{ profile: 's3-reader', resources: RESOURCES }] });
    const bystander = await agent.getCredential(bystanderTask.task_id, { profile: 's3-reader' });

    await Promise.all(tasks.map((t) => agent.completeTask(t.task_id)));
    await Promise.all(grants.map((g) => deniedWithin(() => whoAmI(g), 5000)));
    const doc = denyPolicy('agent-s3');
    for (const t of tasks) expect(doc).toContain(t.task_id);
    expect(doc).not.toContain(bystanderTask.task_id);
    await expect(whoAmI(bystander)).resolves.toHaveProperty('Arn');
    for (const t of tasks) expect((await agent.waitForTask(t.task_id, ['completed'], 5000)).leases?.[0]?.status).toBe('revoked');
  });

  it("falls back to a role-wide TokenIssueTime deny when IAM's size limit is reached; later sessions work", async () => {
    // Someone else's inline policy leaves Tessera little room on this role (IAM counts all inline policies together).
    // 300 characters left: room for the role-wide cut-off statement (~210), not for 8 task ids (~400).
    const fill = (n: number) => JSON.stringify({ Statement: [{ Effect: 'Deny', Action: 's3:DeleteBucket', Resource: `arn:aws:s3:::${'x'.repeat(n)}` }] });
    const filler = fill(10240 - 300 - fill(0).length);
    const user = defaultUser(ACCOUNT);
    await new IAMClient({ endpoint: st.double.url, region: 'us-east-1', credentials: user, maxAttempts: 1 }).send(
      new PutRolePolicyCommand({ RoleName: 'agent-wide', PolicyName: 'ops-guardrail', PolicyDocument: filler }),
    );
    const agent = st.s.agent('spiffe://acme/agent/wide');
    const declare = (intent: string) => agent.declareTask({ intent, scopes: [{ profile: 's3-wide', resources: RESOURCES }], ttl_seconds: 1800 });
    const bystanderTask = await declare('still running');
    const bystander = await agent.getCredential(bystanderTask.task_id, { profile: 's3-wide' });
    const ending = await Promise.all(Array.from({ length: 8 }, (_, i) => declare(`part ${i}`)));
    const grants = await Promise.all(ending.map((t) => agent.getCredential(t.task_id, { profile: 's3-wide' })));

    await Promise.all(ending.map((t) => agent.completeTask(t.task_id)));
    await Promise.all(grants.map((g) => deniedWithin(() => whoAmI(g), 5000)));
    const doc = denyPolicy('agent-wide');
    expect(doc).toContain('aws:TokenIssueTime');
    // The wider cut-off: a session of a task that did not end is denied too, and the log says so.
    await deniedWithin(() => whoAmI(bystander), 500);
    expect(st.logs.some((l) => l.role_arn === `arn:aws:iam::${ACCOUNT}:role/agent-wide` && /EVERY session of the role/.test(String(l.msg)))).toBe(true);
    for (const t of ending) expect((await agent.waitForTask(t.task_id, ['completed'], 5000)).leases?.[0]?.status).toBe('revoked');
    // ...and the audit trail of at least one ending task records the wider cut-off.
    const warned = await Promise.all(ending.map(async (t) => (await agent.taskAudit(t.task_id)).filter((e) => e.type === 'revocation.warning')));
    expect(warned.flat().length).toBeGreaterThanOrEqual(1);
    expect(String(warned.flat()[0]?.reason)).toMatch(/TokenIssueTime|every session|EVERY session/i);

    const cutoff = /"aws:TokenIssueTime":"([^"]+)"/.exec(doc)![1]!;
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(cutoff) - st.clock.now() + 50)));
    const fresh = await agent.getCredential(bystanderTask.task_id, { profile: 's3-wide' });
    await expect(whoAmI(fresh)).resolves.toHaveProperty('Arn');
  });

  // Last in the file: it moves Tessera's clock (and the double's) forward by hours.
  it('prunes deny entries once every session of their task has expired', async () => {
    const agent = st.agent('spiffe://acme/agent/pruner');
    const old = await agent.declareTask({ intent: 'old job', scopes: [{ profile: 's3-reader', resources: RESOURCES }], ttl_seconds: 1800 });
    const oldGrant = await agent.getCredential(old.task_id, { profile: 's3-reader' });
    await agent.completeTask(old.task_id);
    await deniedWithin(() => whoAmI(oldGrant), 2000);
    expect(denyPolicy('agent-s3')).toContain(old.task_id);

    st.advance(3 * 3600_000);
    const fresh = await agent.declareTask({ intent: 'new job', scopes: [{ profile: 's3-reader', resources: RESOURCES }], ttl_seconds: 1800 });
    const freshGrant = await agent.getCredential(fresh.task_id, { profile: 's3-reader' });
    await agent.completeTask(fresh.task_id);
    await deniedWithin(() => whoAmI(freshGrant), 2000);
    const doc = denyPolicy('agent-s3');
    expect(doc).toContain(fresh.task_id);
    expect(doc).not.toContain(old.task_id);
    const sids = [...doc.matchAll(/"Sid":"TesseraUntil(\d+)"/g)].map((m) => Number(m[1]) * 1000);
    expect(sids.every((until) => until > st.clock.now())).toBe(true);
  });
});
