import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTessera } from '../../src/app.js';
import { TesseraClient } from '../../src/client/tessera-client.js';
import { validateConfig } from '../../src/config/load.js';
import { PolicyLoadError } from '../../src/policy/policy-files.js';
import { startStack, testConfig, type Stack } from '../support/stack.js';
import { policyDir } from './helpers.js';

const dir = policyDir({});
for (const f of ['base.cedar', 'read-only-agents.cedar', 'production-label.cedar']) copyFileSync(join('config/policies', f), join(dir, f));

let s: Stack;
let admin: TesseraClient;
const client = (sub: string, claims?: Record<string, unknown>) => new TesseraClient({ baseUrl: s.url, token: () => s.token(sub, claims) });
const post = (c: TesseraClient, path: string, body: unknown): Promise<any> => c.call<Record<string, any>>('POST', path, body).catch((e: unknown) => e);

beforeAll(async () => {
  s = await startStack({
    patch: (cfg) => {
      cfg.policy = { engine: 'cedar', policies_dir: dir, reload_debounce_ms: 50 };
      cfg.profiles['prod-deploy'] = { backend: 'broker-token', audience: 'https://deploy.example/prod', max_ttl_seconds: 600 };
    },
  });
  admin = client('admin');
});
afterAll(async () => {
  await s?.close();
});

describe('Cedar policy on the request path', () => {
  it('refuses a task declaration with 403 policy_denied naming the policy, and audits why', async () => {
    const ro = client('reader', { tessera_access: 'read-only' });
    const err = await ro.declareTask({ intent: 'post a comment', scopes: [{ profile: 'github-comment' }] }).catch((e) => e);
    expect(err).toMatchObject({ status: 403, code: 'policy_denied', body: { policies: ['read-only-no-write-task'] } });
    const events = (await admin.call<{ events: any[] }>('GET', '/v1/admin/audit?limit=20')).events;
    expect(events.findLast((e) => e.type === 'task.denied')).toMatchObject({
      agent: { subject: 'reader' },
      reason: 'forbidden by read-only-no-write-task: read-only agents may not declare write profiles',
      detail: { policies: ['read-only-no-write-task'] },
    });
    expect((await ro.declareTask({ intent: 'read tickets', scopes: [{ profile: 'ticket-read' }] })).status).toBe('active');
  });

  it('decides each credential request and names the policies in the audit decision', async () => {
    const a = client('writer');
    const task = await a.declareTask({ intent: 'comment', scopes: [{ profile: 'github-comment' }, { profile: 'ticket-read' }] });
    await a.getCredential(task.task_id, { profile: 'ticket-read' });
    const decision = (await a.taskAudit(task.task_id)).find((e) => e.type === 'decision');
    expect(decision).toMatchObject({ outcome: 'allow', detail: { policies: ['builtin:default-allow', 'base-request-declared-profile'] } });
  });

  it('needs the orchestrator label for the production profile', async () => {
    const a = client('deployer');
    await expect(a.declareTask({ intent: 'deploy', scopes: [{ profile: 'prod-deploy' }] })).rejects.toMatchObject({ status: 403, body: { policies: ['prod-deploy-needs-change-label'] } });
    const task = await a.declareTask({ intent: 'deploy', scopes: [{ profile: 'prod-deploy' }], labels: { change: 'CHG-7' } });
    expect((await a.getCredential(task.task_id, { profile: 'prod-deploy' })).profile).toBe('prod-deploy');
  });
});

describe('POST /v1/admin/policy/explain', () => {
  const question = { identity: { issuer: '', subject: 'reader', claims: { tessera_access: 'read-only' } }, task: { intent: 'x', scopes: [{ profile: 'github-comment' }] } };

  it('answers allow or deny and why, for admins only, minting nothing', async () => {
    question.identity.issuer = s.issuer.issuer;
    const deny = await post(admin, '/v1/admin/policy/explain', question);
    expect(deny).toMatchObject({ decision: 'deny', action: 'declare_task', policies: ['read-only-no-write-task'], would_issue: false });
    const allow = await post(admin, '/v1/admin/policy/explain', { ...question, identity: { ...question.identity, claims: {} }, request: { profile: 'github-comment', ttl_seconds: 60 } });
    expect(allow).toMatchObject({ decision: 'allow', action: 'request_credential', would_issue: true });
    expect(allow.engines[1]).toMatchObject({ engine: 'cedar', determining: [{ id: 'base-request-declared-profile', line: 9 }] });
    expect(await post(client('reader'), '/v1/admin/policy/explain', question)).toMatchObject({ status: 403 });
    expect(await post(admin, '/v1/admin/policy/explain', { identity: {} })).toMatchObject({ status: 400 });
    const leases = await admin.call<{ leases: unknown[] }>('GET', `/v1/admin/leases?issuer=${encodeURIComponent(s.issuer.issuer)}&subject=reader`);
    expect(leases.leases).toEqual([]);
  });

  it('explains a request against a stored task', async () => {
    const a = client('stored');
    const task = await a.declareTask({ intent: 'deploy', scopes: [{ profile: 'prod-deploy' }], labels: { change: 'CHG-9' } });
    const r = await post(admin, '/v1/admin/policy/explain', { identity: { issuer: s.issuer.issuer, subject: 'stored' }, task: { task_id: task.task_id }, request: { profile: 'prod-deploy' } });
    expect(r).toMatchObject({ decision: 'allow', would_issue: true, checks: [expect.stringMatching(/^ttl: clamped to \d+ s by task$/)] });
    expect(r.engines[1].evaluated.entities[1]).toMatchObject({ uid: { id: task.task_id }, tags: { change: 'CHG-9' } });
    expect((await a.taskAudit(task.task_id)).map((e) => e.type)).toEqual(['task.declared']);
  });
});

describe('hot reload over HTTP', () => {
  it('refuses an invalid set, keeps the old one, audits and counts the failure; a fix is picked up', async () => {
    const before = await admin.call<{ version: string; policies: unknown[] }>('GET', '/v1/admin/policy');
    writeFileSync(join(dir, 'zz-broken.cedar'), 'forbid (principal, action, resource) when { context.nope };\n');
    const refused = await post(admin, '/v1/admin/policy/reload', {});
    expect(refused).toMatchObject({ status: 422, body: { status: 'failed', problems: expect.arrayContaining([expect.stringMatching(/zz-broken\.cedar:1:\d+: .*nope/)]) } });
    expect((await admin.call<{ version: string }>('GET', '/v1/admin/policy')).version).toBe(before.version);
    const events = (await admin.call<{ events: any[] }>('GET', '/v1/admin/audit?limit=50')).events;
    expect(events.some((e) => e.type === 'policy.reload_failed' && /zz-broken/.test(e.reason))).toBe(true);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/tessera_policy_reloads_total\{outcome="failure",trigger="manual"\} 1/);

    writeFileSync(join(dir, 'zz-broken.cedar'), '@id("no-tickets") forbid (principal, action == Tessera::Action::"declare_task", resource) when { context.profiles.contains("ticket-read") };\n');
    const ok = await post(admin, '/v1/admin/policy/reload', {});
    expect(ok).toMatchObject({ status: expect.stringMatching(/reloaded|unchanged/) });
    await expect(client('after').declareTask({ intent: 'x', scopes: [{ profile: 'ticket-read' }] })).rejects.toMatchObject({ body: { policies: ['no-tickets'] } });
  });
});

describe('startup', () => {
  it('stops with file, line and message when a policy is invalid, before connecting anywhere', async () => {
    const bad = policyDir({ 'ok.cedar': 'permit (principal, action, resource);\n', 'bad.cedar': '\n\npermit (principal, action, resource) when { principal.nope };\n' });
    const cfg = validateConfig(testConfig('http://127.0.0.1:1', (c) => (c.policy = { engine: 'cedar', policies_dir: bad })), 'test', { TEST_WEBHOOK_SECRET: 'x' });
    const err = await createTessera(cfg, { redisUrl: 'redis://127.0.0.1:1', log: pino({ level: 'silent' }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyLoadError);
    expect((err as Error).message).toMatch(new RegExp(`${join(bad, 'bad.cedar')}:3:\\d+: .*attribute \`nope\``));
  });
});
