import { describe, expect, it } from 'vitest';
import { matchIdentity } from '../../src/identity/match.js';
import { BuiltinPolicy } from '../../src/policy/builtin-policy.js';
import { combine } from '../../src/policy/explain.js';
import { LayeredPolicy } from '../../src/policy/layered-policy.js';
import { compilePolicies } from '../../src/policy/policy-compiler.js';
import { readPolicyDir } from '../../src/policy/policy-files.js';
import { agent, cedarEngine, ISSUER, policyDir, policyTestConfig, request, task } from './helpers.js';

const REQ = 'Tessera::Action::"request_credential"';
const t = task({ scopes: [{ profile: 'ticket-read', resources: ['repo:acme/web'] }], labels: { ticket: '4412' } });
const credential = (ip?: string, who = agent('a1')) => request('request_credential', who, t, { profile: 'ticket-read', resources: ['repo:acme/web'], ttl: 60, ip });

describe('Cedar engine semantics', () => {
  it('denies by default when no policy permits', async () => {
    const e = cedarEngine(policyDir({ 'p.cedar': `permit (principal, action == Tessera::Action::"declare_task", resource);` }));
    expect(await e.decide(credential())).toEqual({ allow: false, reasons: ['no policy permits this request (default deny)'], policies: [] });
  });

  it('lets a matching forbid win over every permit', async () => {
    const e = cedarEngine(policyDir({ 'p.cedar': `@id("all") permit (principal, action, resource);\n@id("no") forbid (principal, action == ${REQ}, resource);` }));
    expect(await e.decide(credential())).toMatchObject({ allow: false, policies: ['no'] });
  });

  it('fails closed: an evaluation error in any policy denies, even a forbid that errors', async () => {
    const e = cedarEngine(
      policyDir({
        'p.cedar': `@id("all") permit (principal, action, resource);\n@id("overflow") forbid (principal, action == ${REQ}, resource) when { context.request.ttl_seconds * 9223372036854775807 > 0 };`,
      }),
    );
    const d = await e.decide(credential());
    expect(d.allow).toBe(false);
    expect(d.policies).toEqual(['overflow']);
    expect(d.reasons[0]).toMatch(/^policy evaluation error in overflow: .*overflow/);
  });

  it('gives policies the caller address as ipaddr (IPv4-mapped IPv6 unmapped)', async () => {
    const e = cedarEngine(
      policyDir({ 'p.cedar': `permit (principal, action, resource);\n@id("no-10") forbid (principal, action, resource) when { context has source_ip && context.source_ip.isInRange(ip("10.0.0.0/8")) };` }),
    );
    expect((await e.decide(credential('10.1.2.3'))).allow).toBe(false);
    expect((await e.decide(credential('::ffff:10.1.2.3'))).allow).toBe(false);
    expect((await e.decide(credential('192.168.1.1'))).allow).toBe(true);
    expect((await e.decide(credential(undefined))).allow).toBe(true);
  });

  it('exposes token claims as principal tags (numbers as text, arrays as JSON; not iss/sub/times) and labels as task tags', async () => {
    const e = cedarEngine(
      policyDir({
        'p.cedar': `@id("claims") permit (principal, action == ${REQ}, resource) when {
          principal.hasTag("repository") && principal.getTag("repository") like "acme/*" &&
          principal.hasTag("run") && principal.getTag("run") == "42" &&
          principal.hasTag("groups") && principal.getTag("groups") == "[\\"ops\\",\\"dev\\"]" &&
          context.task.hasTag("ticket") && context.task.getTag("ticket") == "4412" &&
          context.request.resources.contains(Tessera::Resource::"repo:acme/web") &&
          resource.backend == "broker-token" && resource.max_ttl_seconds == 300 && !resource.approval_required &&
          !principal.hasTag("iss") && !principal.hasTag("exp") && principal.issuer == "${ISSUER}"
        };`,
      }),
    );
    expect((await e.decide(credential(undefined, agent('a1', { repository: 'acme/web', run: 42, groups: ['ops', 'dev'], exp: 1, iat: 0 })))).policies).toEqual(['claims']);
    expect((await e.decide(credential(undefined, agent('a1', { repository: 'evil/web', run: 42, groups: ['ops', 'dev'] })))).allow).toBe(false);
  });

  it('an error in an approval policy denies too', async () => {
    const e = cedarEngine(
      policyDir({
        'p.cedar': `permit (principal, action, resource);\n@approval("required") @id("bad") permit (principal, action == ${REQ}, resource) when { context.request.ttl_seconds * 9223372036854775807 > 0 };`,
      }),
    );
    expect((await e.decide(credential())).allow).toBe(false);
  });

  it('swaps a new set in without touching requests evaluated before', async () => {
    const dirA = policyDir({ 'p.cedar': `@id("a") permit (principal, action, resource);` });
    const dirB = policyDir({ 'p.cedar': `@id("b") forbid (principal, action, resource);` });
    const e = cedarEngine(dirA);
    expect((await e.decide(credential())).policies).toEqual(['a']);
    e.swap(compilePolicies(readPolicyDir(dirB)));
    expect((await e.decide(credential())).policies).toEqual(['b']);
    e.swap(compilePolicies(readPolicyDir(dirA)));
    expect((await e.decide(credential())).policies).toEqual(['a']);
    // Two engines keep their own sets.
    const other = cedarEngine(dirB);
    expect((await e.decide(credential())).allow).toBe(true);
    expect((await other.decide(credential())).allow).toBe(false);
  });

  it('explains with the request exactly as evaluated', async () => {
    const [part] = await cedarEngine().explain(credential('127.0.0.1'));
    expect(part).toMatchObject({ engine: 'cedar', determining: [{ id: 'base-request-declared-profile', effect: 'permit', file: 'config/policies/base.cedar', line: 9 }] });
    expect(part!.evaluated).toMatchObject({
      principal: { type: 'Tessera::Agent', id: `${ISSUER}|a1` },
      resource: { type: 'Tessera::Profile', id: 'ticket-read' },
      context: { time: { hour: 10, minute: 0, weekday: 'Tue' }, approval: 'none', time_left_seconds: 900, depth: 0, source_ip: { __extn: { fn: 'ip', arg: '127.0.0.1' } } },
    });
    // And what evaluation used: the policies that can match a credential request for this profile,
    // sent only what they read (no policy of the shipped examples reads the caller's address).
    const sliced = part!.sliced!;
    expect(sliced.policies).toBeGreaterThan(0);
    expect(sliced.policies).toBeLessThan(sliced.of);
    expect(sliced.sent).toMatchObject({ resource: { type: 'Tessera::Profile', id: 'ticket-read' } });
    expect((sliced.sent as { context: Record<string, unknown> }).context).not.toHaveProperty('source_ip');
  });
});

describe('layered with the built-in profile rules', () => {
  const cfg = policyTestConfig((c) => {
    c.profiles['ticket-read'].agents = [{ issuer: ISSUER, subject: 'allowed' }];
  });
  const layered = new LayeredPolicy([
    { name: 'builtin', engine: new BuiltinPolicy(cfg.profiles, matchIdentity) },
    { name: 'cedar', engine: cedarEngine('config/policies', 'UTC', cfg) },
  ]);

  it('keeps profile agents: lists in force under Cedar', async () => {
    expect(await layered.decide(credential(undefined, agent('stranger')))).toMatchObject({ allow: false, policies: ['builtin:profiles.ticket-read.agents'] });
    expect((await layered.decide(credential(undefined, agent('allowed')))).allow).toBe(true);
  });

  it('asks for approval for a profile with approval: required', async () => {
    const tk = task({ scopes: [{ profile: 'change-admin' }] });
    const d = await layered.decide(request('request_credential', agent('a1'), tk, { profile: 'change-admin', ttl: 60 }));
    expect(d).toMatchObject({ allow: true, requireApproval: true });
    expect(d.policies).toContain('builtin:profiles.change-admin.approval');
    const e = combine(await layered.explain(request('request_credential', agent('a1'), tk, { profile: 'change-admin', ttl: 60 })));
    expect(e.decision).toBe('approval_required');
    expect(e.engines.map((p) => p.engine)).toEqual(['builtin', 'cedar']);
  });
});
