import { describe, expect, it } from 'vitest';
import type { Identity } from '../../src/identity/identity.js';
import type { PolicyAction } from '../../src/policy/policy.js';
import type { Scope } from '../../src/tasks/task.js';
import { CedarPolicy } from '../../src/policy/cedar-policy.js';
import { agent, cedarEngine, policyTestConfig, request, task } from './helpers.js';

const engine = cedarEngine();
/** As in production: requests are not validated again at evaluation time; decisions must be the same. */
const production = new CedarPolicy(engine.active, { profiles: policyTestConfig().profiles, timezone: 'UTC' });
const rw = agent('agent-rw', { tessera_access: 'read-write' });
const ro = agent('agent-ro', { tessera_access: 'read-only' });
const TUE_10 = '2025-06-03T10:00:00Z';
const TUE_19 = '2025-06-03T19:00:00Z';
const SAT_10 = '2025-06-07T10:00:00Z';
const scopes = (...profiles: string[]): Scope[] => profiles.map((profile) => ({ profile }));

interface Row {
  name: string;
  action: PolicyAction;
  who: Identity;
  scopes: Scope[];
  labels?: Record<string, string>;
  depth?: number;
  profile?: string;
  ttl?: number;
  at?: string;
  approval?: 'none' | 'approved';
  expect: 'allow' | 'deny' | 'approval';
  policies: string[];
}

// identity × task × request → decision, against the example policies in config/policies.
const table: Row[] = [
  { name: 'rw agent declares a write profile', action: 'declare_task', who: rw, scopes: scopes('github-comment'), expect: 'allow', policies: ['base-declare'] },
  { name: 'ro agent declares a read profile', action: 'declare_task', who: ro, scopes: scopes('ticket-read'), expect: 'allow', policies: ['base-declare'] },
  { name: 'ro agent declares a write profile', action: 'declare_task', who: ro, scopes: scopes('ticket-read', 'github-comment'), expect: 'deny', policies: ['read-only-no-write-task'] },
  { name: 'ro agent asks for a write credential', action: 'request_credential', who: ro, scopes: scopes('github-comment'), profile: 'github-comment', ttl: 60, expect: 'deny', policies: ['read-only-no-write-credential'] },
  { name: 'ro agent asks for a read credential', action: 'request_credential', who: ro, scopes: scopes('ticket-read'), profile: 'ticket-read', ttl: 60, expect: 'allow', policies: ['base-request-declared-profile'] },
  { name: 'undeclared profile: no permit (default deny)', action: 'request_credential', who: rw, scopes: scopes('ticket-read'), profile: 'github-comment', ttl: 60, expect: 'deny', policies: [] },
  { name: 'deploy in working hours, short TTL', action: 'request_credential', who: rw, scopes: scopes('deploy'), profile: 'deploy', ttl: 300, at: TUE_10, expect: 'allow', policies: ['base-request-declared-profile'] },
  { name: 'deploy in working hours, long TTL', action: 'request_credential', who: rw, scopes: scopes('deploy'), profile: 'deploy', ttl: 600, at: TUE_10, expect: 'approval', policies: ['base-request-declared-profile', 'deploy-long-ttl-needs-approval'] },
  { name: 'deploy long TTL once approved', action: 'request_credential', who: rw, scopes: scopes('deploy'), profile: 'deploy', ttl: 600, at: TUE_10, approval: 'approved', expect: 'allow', policies: ['base-request-declared-profile'] },
  { name: 'deploy in the evening', action: 'request_credential', who: rw, scopes: scopes('deploy'), profile: 'deploy', ttl: 60, at: TUE_19, expect: 'deny', policies: ['deploy-working-hours'] },
  { name: 'deploy on Saturday', action: 'request_credential', who: rw, scopes: scopes('deploy'), profile: 'deploy', ttl: 60, at: SAT_10, expect: 'deny', policies: ['deploy-working-hours'] },
  { name: 'deploy on Saturday, approved: forbid still wins', action: 'request_credential', who: rw, scopes: scopes('deploy'), profile: 'deploy', ttl: 600, at: SAT_10, approval: 'approved', expect: 'deny', policies: ['deploy-working-hours'] },
  { name: 'ro agent, deploy: both forbids named', action: 'request_credential', who: ro, scopes: scopes('deploy'), profile: 'deploy', ttl: 60, at: SAT_10, expect: 'deny', policies: ['deploy-working-hours', 'read-only-no-write-credential'] },
  { name: 'prod-deploy without a change label', action: 'declare_task', who: rw, scopes: scopes('prod-deploy'), expect: 'deny', policies: ['prod-deploy-needs-change-label'] },
  { name: 'prod-deploy with a bad change label', action: 'declare_task', who: rw, scopes: scopes('prod-deploy'), labels: { change: 'soon' }, expect: 'deny', policies: ['prod-deploy-needs-change-label'] },
  { name: 'prod-deploy with a change label', action: 'declare_task', who: rw, scopes: scopes('prod-deploy'), labels: { change: 'CHG-1234' }, expect: 'allow', policies: ['base-declare'] },
  { name: 'prod-deploy credential with a change label', action: 'request_credential', who: rw, scopes: scopes('prod-deploy'), labels: { change: 'CHG-1234' }, profile: 'prod-deploy', ttl: 60, expect: 'allow', policies: ['base-request-declared-profile'] },
  { name: 'prod-deploy in a delegated sub-task', action: 'declare_task', who: rw, scopes: scopes('prod-deploy'), labels: { change: 'CHG-1234' }, depth: 1, expect: 'deny', policies: ['prod-deploy-not-delegated'] },
  { name: 'the owner completes its task', action: 'complete_task', who: rw, scopes: scopes('deploy'), expect: 'allow', policies: ['base-complete'] },
  { name: 'an approver approves', action: 'approve', who: agent('approver'), scopes: scopes('deploy'), profile: 'deploy', ttl: 600, expect: 'allow', policies: ['base-approve'] },
];

describe('example policies: identity × task × request → decision', () => {
  it.each(table)('$name → $expect', async (row) => {
    const t = task({ scopes: row.scopes, labels: row.labels ?? {}, depth: row.depth ?? 0, parentTaskId: row.depth ? 'tsk_parent' : null });
    const req = request(row.action, row.who, t, { profile: row.profile, ttl: row.ttl, at: row.at, approval: row.approval });
    const d = await engine.decide(req);
    expect(await production.decide(req)).toEqual(d);
    expect(d.allow).toBe(row.expect !== 'deny');
    expect(Boolean(d.requireApproval)).toBe(row.expect === 'approval');
    expect([...d.policies].sort()).toEqual([...row.policies].sort());
    if (row.expect === 'deny' && row.policies.length === 0) expect(d.reasons).toEqual(['no policy permits this request (default deny)']);
  });

  it('names the reason annotation of each deciding policy', async () => {
    const d = await engine.decide(request('request_credential', ro, task({ scopes: scopes('github-comment') }), { profile: 'github-comment', ttl: 60 }));
    expect(d.reasons).toEqual(['forbidden by read-only-no-write-credential: read-only agents never receive write credentials']);
  });

  it('reads the time of day in the configured time zone', async () => {
    const ny = cedarEngine('config/policies', 'America/New_York');
    const t = task({ scopes: scopes('deploy') });
    // 13:00 UTC on a Tuesday is 09:00 in New York (summer time); 23:00 UTC is 19:00.
    expect((await ny.decide(request('request_credential', rw, t, { profile: 'deploy', ttl: 60, at: '2025-06-03T13:00:00Z' }))).allow).toBe(true);
    expect((await ny.decide(request('request_credential', rw, t, { profile: 'deploy', ttl: 60, at: '2025-06-03T23:00:00Z' }))).allow).toBe(false);
    // In UTC (the default): 07:59 is before working hours, 08:00 within.
    expect((await engine.decide(request('request_credential', rw, t, { profile: 'deploy', ttl: 60, at: '2025-06-03T07:59:00Z' }))).allow).toBe(false);
    expect((await engine.decide(request('request_credential', rw, t, { profile: 'deploy', ttl: 60, at: '2025-06-03T08:00:00Z' }))).allow).toBe(true);
  });
});
