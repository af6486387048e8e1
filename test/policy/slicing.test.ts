/** Policy slicing, request trimming and the answer cache never change a Cedar decision. */
import { describe, expect, it, vi } from 'vitest';
import { CedarPolicy } from '../../src/policy/cedar-policy.js';
import { cedar, type AuthorizationAnswer, type CedarRequest } from '../../src/policy/cedar-wasm.js';
import { compilePolicies } from '../../src/policy/policy-compiler.js';
import { readPolicyDir } from '../../src/policy/policy-files.js';
import { admits, policyShape, type PolicyShape } from '../../src/policy/policy-shape.js';
import type { PolicyDecision, PolicyRequest } from '../../src/policy/policy.js';
import type { PreparedPolicySet } from '../../src/policy/prepared-set.js';
import { needsOf, trimRequest } from '../../src/policy/request-trim.js';
import { agent, cedarEngine, policyDir, policyTestConfig, request, task } from './helpers.js';

const ACTION = 'Tessera::Action';
const PROFILE = 'Tessera::Profile';
const TASK = 'Tessera::Task';
const REQ = `${ACTION}::"request_credential"`;
const DECLARE = `${ACTION}::"declare_task"`;

/** The shape of one policy, read from Cedar's JSON form as the compiler does. */
function shapeOf(text: string): PolicyShape {
  const r = cedar.policyToJson(text);
  if (r.type !== 'success') throw new Error(`does not parse: ${text}`);
  return policyShape(r.json);
}

/** The prepared set an engine evaluates against (private on purpose; tests reach into it). */
const setOf = (engine: CedarPolicy): PreparedPolicySet => (engine as any).current as PreparedPolicySet;

/** An engine over a temporary policy directory, validating (differential check) or not (sliced answers only). */
function engineFor(files: Record<string, string>, validateRequests: boolean, answerCacheSize?: number): CedarPolicy {
  const compiled = compilePolicies(readPolicyDir(policyDir(files)));
  return new CedarPolicy(compiled, { profiles: policyTestConfig().profiles, timezone: 'UTC', validateRequests, answerCacheSize });
}

const compiled = (files: Record<string, string>) => compilePolicies(readPolicyDir(policyDir(files)));

describe('policyShape', () => {
  it('reads the action scope: ==, in [..], in E, and any', () => {
    expect(shapeOf(`permit (principal, action == ${DECLARE}, resource);`).actions).toEqual(new Set(['declare_task']));
    expect(shapeOf(`permit (principal, action in [${DECLARE}, ${ACTION}::"approve"], resource);`).actions).toEqual(new Set(['declare_task', 'approve']));
    expect(shapeOf(`permit (principal, action in ${ACTION}::"approve", resource);`).actions).toEqual(new Set(['approve']));
    expect(shapeOf(`permit (principal, action, resource);`).actions).toBeUndefined();
  });

  it('admits only the actions of the scope', () => {
    const two = shapeOf(`permit (principal, action in [${DECLARE}, ${ACTION}::"approve"], resource);`);
    expect(admits(two, 'declare_task', TASK, undefined)).toBe(true);
    expect(admits(two, 'approve', PROFILE, 'deploy')).toBe(true);
    expect(admits(two, 'request_credential', PROFILE, 'deploy')).toBe(false);
    expect(admits(shapeOf(`permit (principal, action, resource);`), 'complete_task', TASK, undefined)).toBe(true);
  });

  it('reads resource == and resource in as one entity', () => {
    for (const op of ['==', 'in']) {
      const s = shapeOf(`permit (principal, action, resource ${op} ${PROFILE}::"a");`);
      expect(s.resource).toEqual({ kind: 'entity', ref: { type: PROFILE, id: 'a' } });
      expect(admits(s, 'request_credential', PROFILE, 'a')).toBe(true);
      expect(admits(s, 'request_credential', PROFILE, 'b')).toBe(false);
      expect(admits(s, 'request_credential', PROFILE, undefined)).toBe(true);
      expect(admits(s, 'declare_task', TASK, undefined)).toBe(false);
      expect(admits(s, 'declare_task', TASK, 'a')).toBe(false);
    }
  });

  it('reads resource is T and is T in E', () => {
    const is = shapeOf(`permit (principal, action, resource is ${PROFILE});`);
    expect(is.resource).toEqual({ kind: 'type', type: PROFILE });
    expect(admits(is, 'approve', PROFILE, 'anything')).toBe(true);
    expect(admits(is, 'declare_task', TASK, undefined)).toBe(false);

    const isIn = shapeOf(`permit (principal, action, resource is ${PROFILE} in ${PROFILE}::"a");`);
    expect(isIn.resource).toEqual({ kind: 'type', type: PROFILE, in: { type: PROFILE, id: 'a' } });
    expect(admits(isIn, 'approve', PROFILE, 'a')).toBe(true);
    expect(admits(isIn, 'approve', PROFILE, 'b')).toBe(false);
    expect(admits(isIn, 'approve', PROFILE, undefined)).toBe(true);
    expect(admits(isIn, 'declare_task', TASK, undefined)).toBe(false);
  });

  it('reads an unconstrained resource, and widens what it does not know', () => {
    const any = shapeOf(`permit (principal, action, resource);`);
    expect(any.resource).toEqual({ kind: 'any' });
    expect(admits(any, 'declare_task', TASK, 't')).toBe(true);
    const unknown = policyShape({ action: { op: 'weird' }, resource: { op: 'weird' } });
    expect(unknown.actions).toBeUndefined();
    expect(unknown.resource).toEqual({ kind: 'any' });
  });

  it('collects attribute names from reads and from has, in when and unless', () => {
    const s = shapeOf(`permit (principal, action, resource) when { principal.subject == "x" && context.task.owner.issuer == "i" } unless { resource has name };`);
    expect(s.attributes).toEqual(new Set(['subject', 'task', 'owner', 'issuer', 'name']));
    expect(s.opaque).toBe(false);
  });

  it('collects every name of a nested has path (an array attr in the JSON form)', () => {
    const text = `permit (principal, action, resource) when { context has request.ttl_seconds };`;
    const json = cedar.policyToJson(text);
    expect(json.type === 'success' && JSON.stringify(json.json.conditions)).toContain('"attr":["request","ttl_seconds"]');
    const s = shapeOf(text);
    expect(s.attributes).toEqual(new Set(['request', 'ttl_seconds']));
    expect(s.wholeContext).toBe(false);
    expect(s.opaque).toBe(false);
    expect(shapeOf(`permit (principal, action, resource) when { principal has a.b.c };`).attributes).toEqual(new Set(['a', 'b', 'c']));
  });

  it('collects literal tag names, and gives up the names for a computed tag', () => {
    const none = shapeOf(`permit (principal, action, resource) when { principal.subject == "x" };`);
    expect(none.tags).toBe(false);

    const literal = shapeOf(`permit (principal, action, resource) when { principal.hasTag("team") && context.task.hasTag("ticket") && context.task.getTag("ticket") == "T" };`);
    expect(literal.tags).toBe(true);
    expect(literal.tagNames).toEqual(new Set(['team', 'ticket']));

    const dynamic = shapeOf(
      `permit (principal, action, resource) when { principal.hasTag("team") && principal.hasTag(context.task.intent) && principal.getTag(context.task.intent) == "yes" };`,
    );
    expect(dynamic.tags).toBe(true);
    expect(dynamic.tagNames).toBeUndefined();
    // The tag's key expression is still walked: its attribute reads count.
    expect(dynamic.attributes).toEqual(new Set(['task', 'intent']));
  });

  it('sees context used whole, but not context read by attribute', () => {
    const whole = [
      `permit (principal, action, resource) when { context == {depth: 0} };`,
      `permit (principal, action, resource) when { [context].contains(context) };`,
      `permit (principal, action, resource) when { {c: context}.c.depth == 0 };`,
      `permit (principal, action, resource) when { context.depth == 0 && context != {} };`,
    ];
    for (const text of whole) expect(shapeOf(text).wholeContext, text).toBe(true);
    const byAttribute = [
      `permit (principal, action, resource) when { context.depth == 0 };`,
      `permit (principal, action, resource) when { context has source_ip };`,
      `permit (principal, action, resource) when { context has request.ttl_seconds && context.request.ttl_seconds > 0 };`,
      `permit (principal, action, resource) when { principal.hasTag(context.task.intent) };`,
    ];
    for (const text of byAttribute) expect(shapeOf(text).wholeContext, text).toBe(false);
  });

  it('marks an attribute access it cannot read as opaque, and needsOf then trims nothing', () => {
    const s = policyShape({ conditions: [{ kind: 'when', body: { '.': { left: { Var: 'principal' }, attr: 5 } } }] });
    expect(s.opaque).toBe(true);
    const needs = needsOf([shapeOf(`permit (principal, action, resource) when { context.depth == 0 };`), s]);
    expect(needs).toEqual({ attributes: undefined, wholeAttributes: new Set<string>(), tags: true, tagNames: undefined, wholeContext: true });
  });

  it('needsOf unions what the shapes read', () => {
    const needs = needsOf([
      shapeOf(`permit (principal, action, resource) when { principal.subject == "x" && principal.hasTag("team") };`),
      shapeOf(`permit (principal, action, resource) when { context.task.hasTag("ticket") };`),
      shapeOf(`permit (principal, action, resource);`),
    ]);
    expect(needs).toEqual({ attributes: new Set(['subject', 'task']), wholeAttributes: new Set(['subject', 'task']), tags: true, tagNames: new Set(['team', 'ticket']), wholeContext: false });
    const dynamic = needsOf([
      shapeOf(`permit (principal, action, resource) when { principal.hasTag("team") };`),
      shapeOf(`permit (principal, action, resource) when { principal.hasTag(context.task.intent) };`),
    ]);
    expect(dynamic.tagNames).toBeUndefined();
    expect(needsOf([]).tags).toBe(false);
  });
});

describe('trimRequest', () => {
  const agentUid = { type: 'Tessera::Agent', id: 'iss|a1' };
  const taskUid = { type: TASK, id: 't1' };
  const profileUid = { type: PROFILE, id: 'deploy' };
  const group = { type: 'Tessera::Group', id: 'g' };
  const full = (): CedarRequest => ({
    principal: agentUid,
    action: { type: ACTION, id: 'request_credential' },
    resource: profileUid,
    context: {
      task: { __entity: taskUid },
      depth: 0,
      time: { hour: 9, minute: 0, weekday: 'Tue', unix: 1 },
      source_ip: { __extn: { fn: 'ip', arg: '10.0.0.1' } },
      request: { resources: [], ttl_seconds: 60, reason: '' },
    },
    entities: [
      { uid: agentUid, attrs: { issuer: 'iss', subject: 'a1' }, parents: [group], tags: { team: 'ops', repository: 'acme/web' } },
      { uid: taskUid, attrs: { intent: 'ship', owner: { __entity: agentUid }, parent_task_id: '', delegated: false }, parents: [], tags: { ticket: 'T-1', change: 'C-1' } },
      { uid: profileUid, attrs: { name: 'deploy', backend: 'b', max_ttl_seconds: 900, approval_required: false }, parents: [] },
    ],
  });
  const needsFor = (...texts: string[]) => needsOf(texts.map(shapeOf));

  it('drops unread context keys and entity attributes, keeps uids, parents and the scope', () => {
    const req = full();
    const before = JSON.stringify(req);
    const out = trimRequest(req, needsFor(`permit (principal, action, resource) when { principal.subject == "a1" && context.task.intent == "ship" };`));
    expect(out.principal).toEqual(agentUid);
    expect(out.action).toEqual(req.action);
    expect(out.resource).toEqual(profileUid);
    expect(out.context).toEqual({ task: { __entity: taskUid } });
    expect(out.entities).toEqual([
      { uid: agentUid, attrs: { subject: 'a1' }, parents: [group] },
      { uid: taskUid, attrs: { intent: 'ship' }, parents: [] },
      { uid: profileUid, attrs: {}, parents: [] },
    ]);
    expect(JSON.stringify(req)).toBe(before); // the full request (validated, explained) is untouched
  });

  it('trims a context record to the fields read (nested has), and keeps it whole when it is used whole', () => {
    const out = trimRequest(full(), needsFor(`permit (principal, action, resource) when { context has request.ttl_seconds };`));
    expect(out.context).toEqual({ request: { ttl_seconds: 60 } });
    const whole = trimRequest(full(), needsFor(`permit (principal, action, resource) when { [context.request].contains(context.request) && context.request.ttl_seconds > 0 };`));
    expect(whole.context).toEqual({ request: { resources: [], ttl_seconds: 60, reason: '' } });
  });

  it('keeps only the tags named literally, on every entity', () => {
    const out = trimRequest(full(), needsFor(`permit (principal, action, resource) when { principal.hasTag("team") && context.task.hasTag("ticket") };`));
    expect(out.entities.map((e) => e.tags)).toEqual([{ team: 'ops' }, { ticket: 'T-1' }, undefined]);
  });

  it('keeps every tag when a tag name is computed', () => {
    const out = trimRequest(full(), needsFor(`permit (principal, action, resource) when { principal.hasTag("team") };`, `permit (principal, action, resource) when { principal.hasTag(context.task.intent) };`));
    expect(out.entities.map((e) => e.tags)).toEqual([{ team: 'ops', repository: 'acme/web' }, { ticket: 'T-1', change: 'C-1' }, undefined]);
    expect(out.entities[1]!.attrs).toEqual({ intent: 'ship' });
  });

  it('drops tags altogether when no policy reads a tag', () => {
    const out = trimRequest(full(), needsFor(`permit (principal, action, resource) when { context.depth == 0 };`));
    expect(out.entities.every((e) => e.tags === undefined)).toBe(true);
    expect(out.context).toEqual({ depth: 0 });
  });

  it('keeps the whole context when a policy uses it whole (entity attributes are still trimmed)', () => {
    const out = trimRequest(full(), needsFor(`permit (principal, action, resource) when { [context].contains(context) && principal.subject == "a1" };`));
    expect(out.context).toEqual(full().context);
    expect(out.entities[0]!.attrs).toEqual({ subject: 'a1' });
  });

  it('keeps everything when the attributes read are unknown (opaque)', () => {
    const req = full();
    expect(trimRequest(req, { attributes: undefined, wholeAttributes: new Set<string>(), tags: true, tagNames: undefined, wholeContext: true })).toEqual(full());
  });
});

/**
 * An adversarial set: scopes of every kind, nested has paths, computed tag names, time, address,
 * approval, whole-context use. Each policy id says what it is about.
 */
const ADVERSARIAL = `
@id("declare") permit (principal, action == ${DECLARE}, resource is Tessera::Task);
@id("complete-or-approve") permit (principal, action in [${ACTION}::"complete_task", ${ACTION}::"approve"], resource);
@id("complete-whole-context") permit (principal, action == ${ACTION}::"complete_task", resource) when { [context].contains(context) && context.depth == 0 };
@id("cred-declared") permit (principal, action == ${REQ}, resource is Tessera::Profile) when { context.profiles.contains(resource.name) };
@id("intent-claim") permit (principal, action == ${REQ}, resource == Tessera::Profile::"github-comment")
  when { principal.hasTag(context.task.intent) && principal.getTag(context.task.intent) == "yes" };
@id("admin-needs-approval") @approval("required") permit (principal, action == ${REQ}, resource is Tessera::Profile) when { resource.approval_required };
@id("ttl-cap") forbid (principal, action, resource) when { context has request.ttl_seconds && context.request.ttl_seconds > 600 };
@id("ticket-label") forbid (principal, action == ${REQ}, resource == Tessera::Profile::"ticket-read")
  unless { context.task.hasTag("ticket") && context.task.getTag("ticket") like "T-*" };
@id("deploy-afternoon-only") forbid (principal, action == ${REQ}, resource == Tessera::Profile::"deploy") when { context.time.hour < 12 };
@id("no-delegated-deploy") forbid (principal, action == ${REQ}, resource in Tessera::Profile::"deploy") when { context.depth > 0 };
@id("prod-needs-change") forbid (principal, action, resource is Tessera::Profile in Tessera::Profile::"prod-deploy") unless { context.task.hasTag("change") };
@id("enough-time") forbid (principal, action == ${REQ}, resource is Tessera::Profile) when { context.time_left_seconds < 60 };
@id("no-10-net") forbid (principal, action, resource) when { context has source_ip && context.source_ip.isInRange(ip("10.0.0.0/8")) };
@id("no-mallory") forbid (principal, action in [${DECLARE}, ${REQ}], resource) when { principal.subject == "mallory" };
@id("blocked-claim") forbid (principal, action, resource) when { principal.hasTag("blocked") && principal.getTag("blocked") == "true" };
@id("no-self-approve") forbid (principal, action == ${ACTION}::"approve", resource) when { context.task.owner == principal };
`;

interface Case {
  name: string;
  req: PolicyRequest;
  allow: boolean;
  policies: string[];
  approval?: boolean;
}

const AFTERNOON = '2025-06-03T14:00:00Z';
const MORNING = '2025-06-03T09:00:00Z';
const declared = (over: Parameters<typeof task>[0] = {}) =>
  task({ intent: 'ship', scopes: [{ profile: 'ticket-read' }, { profile: 'deploy' }, { profile: 'change-admin' }], labels: { ticket: 'T-1' }, ...over });
const prod = (labels: Record<string, string>) => task({ intent: 'ship', scopes: [{ profile: 'prod-deploy' }], labels });
const cred = (profile: string, t = declared(), opts: Parameters<typeof request>[3] = {}, who = agent('a1')) =>
  request('request_credential', who, t, { profile, ttl: 60, ...opts });

const CASES: Case[] = [
  { name: 'declare', req: request('declare_task', agent('a1'), declared()), allow: true, policies: ['declare'] },
  { name: 'declare by mallory (principal.subject)', req: request('declare_task', agent('mallory'), declared()), allow: false, policies: ['no-mallory'] },
  { name: 'declare from 10/8', req: request('declare_task', agent('a1'), declared(), { ip: '10.1.2.3' }), allow: false, policies: ['no-10-net'] },
  { name: 'declare from another address', req: request('declare_task', agent('a1'), declared(), { ip: '192.168.1.1' }), allow: true, policies: ['declare'] },
  { name: 'declare with a blocked claim', req: request('declare_task', agent('a1', { blocked: true }), declared()), allow: false, policies: ['blocked-claim'] },
  { name: 'declare with blocked=false', req: request('declare_task', agent('a1', { blocked: false }), declared()), allow: true, policies: ['declare'] },
  { name: 'complete (context used whole)', req: request('complete_task', agent('a1'), declared()), allow: true, policies: ['complete-or-approve', 'complete-whole-context'] },
  { name: 'complete by mallory (forbid not scoped to it)', req: request('complete_task', agent('mallory'), declared()), allow: true, policies: ['complete-or-approve', 'complete-whole-context'] },
  { name: 'complete a delegated task', req: request('complete_task', agent('a1'), declared({ depth: 1 })), allow: true, policies: ['complete-or-approve'] },
  { name: 'ticket-read', req: cred('ticket-read'), allow: true, policies: ['cred-declared'] },
  { name: 'ticket-read from ::ffff:10.0.0.1', req: cred('ticket-read', declared(), { ip: '::ffff:10.0.0.1' }), allow: false, policies: ['no-10-net'] },
  { name: 'ticket-read without a ticket label', req: cred('ticket-read', declared({ labels: {} })), allow: false, policies: ['ticket-label'] },
  { name: 'ticket-read with a bad ticket label', req: cred('ticket-read', declared({ labels: { ticket: 'X-1' } })), allow: false, policies: ['ticket-label'] },
  { name: 'ticket-read with a long TTL (nested has)', req: cred('ticket-read', declared(), { ttl: 900 }), allow: false, policies: ['ttl-cap'] },
  { name: 'ticket-read by mallory', req: cred('ticket-read', declared(), {}, agent('mallory')), allow: false, policies: ['no-mallory'] },
  { name: 'deploy in the morning', req: cred('deploy', declared(), { at: MORNING }), allow: false, policies: ['deploy-afternoon-only'] },
  { name: 'deploy in the afternoon', req: cred('deploy', declared(), { at: AFTERNOON }), allow: true, policies: ['cred-declared'] },
  { name: 'deploy from a delegated task', req: cred('deploy', declared({ depth: 1 }), { at: AFTERNOON }), allow: false, policies: ['no-delegated-deploy'] },
  { name: 'deploy with 30 s left', req: cred('deploy', declared({ left: 30 }), { at: AFTERNOON }), allow: false, policies: ['enough-time'] },
  {
    name: 'deploy breaking four forbids',
    req: cred('deploy', declared({ depth: 1, left: 30 }), { at: MORNING, ttl: 900 }),
    allow: false,
    policies: ['deploy-afternoon-only', 'enough-time', 'no-delegated-deploy', 'ttl-cap'],
  },
  { name: 'undeclared github-comment, claim named by the intent = yes', req: cred('github-comment', declared(), {}, agent('a1', { ship: 'yes' })), allow: true, policies: ['intent-claim'] },
  { name: 'undeclared github-comment, claim named by the intent = no', req: cred('github-comment', declared(), {}, agent('a1', { ship: 'no' })), allow: false, policies: [] },
  { name: 'undeclared github-comment, another claim = yes', req: cred('github-comment', declared(), {}, agent('a1', { other: 'yes' })), allow: false, policies: [] },
  { name: 'github-comment, intent claim but blocked', req: cred('github-comment', declared(), {}, agent('a1', { ship: 'yes', blocked: 'true' })), allow: false, policies: ['blocked-claim'] },
  { name: 'prod-deploy without a change label (is T in E)', req: cred('prod-deploy', prod({})), allow: false, policies: ['prod-needs-change'] },
  { name: 'prod-deploy with a change label', req: cred('prod-deploy', prod({ change: 'CHG-1' })), allow: true, policies: ['cred-declared'] },
  { name: 'change-admin asks for approval', req: cred('change-admin'), allow: true, policies: ['admin-needs-approval', 'cred-declared'], approval: true },
  { name: 'change-admin once approved', req: cred('change-admin', declared(), { approval: 'approved' }), allow: true, policies: ['cred-declared'] },
  { name: 'approve by an approver', req: request('approve', agent('approver'), declared(), { profile: 'change-admin', ttl: 60 }), allow: true, policies: ['complete-or-approve'] },
  { name: 'approve by the task owner', req: request('approve', agent('agent'), declared(), { profile: 'change-admin', ttl: 60 }), allow: false, policies: ['no-self-approve'] },
  { name: 'approve by mallory (forbid not scoped to it)', req: request('approve', agent('mallory'), declared(), { profile: 'change-admin', ttl: 60 }), allow: true, policies: ['complete-or-approve'] },
  { name: 'approve prod-deploy without a change label', req: request('approve', agent('approver'), prod({}), { profile: 'prod-deploy', ttl: 60 }), allow: false, policies: ['prod-needs-change'] },
  { name: 'approve a long TTL', req: request('approve', agent('approver'), declared(), { profile: 'change-admin', ttl: 900 }), allow: false, policies: ['ttl-cap'] },
];

const summary = (d: PolicyDecision) => ({ allow: d.allow, policies: [...d.policies].sort(), approval: d.requireApproval ?? false });

describe('sliced and trimmed evaluation decides as the whole set', () => {
  const files = { 'adversarial.cedar': ADVERSARIAL };
  const checked = cedarEngine(policyDir(files)); // validateRequests: every decide() also runs the whole set and throws on a difference
  const sliced = engineFor(files, false); // the sliced, trimmed, cached answer as production sees it

  it.each(CASES)('$name', async (c) => {
    const expected = { allow: c.allow, policies: [...c.policies].sort(), approval: c.approval ?? false };
    expect(summary(await checked.decide(c.req))).toEqual(expected);
    expect(summary(await sliced.decide(c.req))).toEqual(expected);
    expect(summary(await sliced.decide(c.req))).toEqual(expected); // again, from the answer cache
    // Reasons too (Cedar lists satisfied policies in no set order, so compare them as sets).
    const same = (d: PolicyDecision) => ({ ...d, policies: [...d.policies].sort(), reasons: [...d.reasons].sort() });
    expect(same(await sliced.decide(c.req))).toEqual(same(await checked.decide(c.req)));
  });

  it('really slices: a profile slice leaves out other profiles and other actions, and sends only the tags it names', () => {
    const set = setOf(checked);
    const ticket = set.slice('request_credential', PROFILE, 'ticket-read');
    const github = set.slice('request_credential', PROFILE, 'github-comment');
    const declare = set.slice('declare_task', TASK, 'tsk_1');
    expect(ticket.size).toBeLessThan(set.all.size);
    // cred-declared, admin-needs-approval, ttl-cap, ticket-label, enough-time, no-10-net, no-mallory, blocked-claim
    expect(ticket.size).toBe(8);
    expect(ticket.needs.tagNames).toEqual(new Set(['ticket', 'blocked']));
    expect(github.needs.tagNames).toBeUndefined(); // intent-claim computes its tag name
    // declare, ttl-cap, no-10-net, no-mallory, blocked-claim
    expect(declare.size).toBe(5);
    expect(declare.needs.attributes?.has('time')).toBe(false);
    expect(set.slice('request_credential', PROFILE, 'deploy').needs.attributes?.has('time')).toBe(true);
  });

  it('denies with the errors of the whole set for an unconfigured profile', async () => {
    const req = cred('nope', task({ scopes: [{ profile: 'nope' }] }));
    const d = await checked.decide(req);
    expect(d.allow).toBe(false);
    expect([...d.policies].sort()).toEqual(['admin-needs-approval', 'cred-declared']);
    // Listed in the set's file order, whatever order Cedar reported them in.
    const order = setOf(checked).compiled.policies.map((p) => p.id);
    expect(d.policies).toEqual([...d.policies].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
    expect(await sliced.decide(req)).toEqual(d);
  });
});

describe('slices', () => {
  const cfg = policyTestConfig((c) => {
    c.profiles.a = { ...c.profiles['ticket-read'] };
    c.profiles.b = { ...c.profiles['ticket-read'] };
  });
  const dir = policyDir({
    'p.cedar': `@id("all") permit (principal, action == ${REQ}, resource);\n@id("not-a") forbid (principal, action, resource == Tessera::Profile::"a");`,
  });
  const e = cedarEngine(dir, 'UTC', cfg);
  const t = task({ scopes: [{ profile: 'a' }, { profile: 'b' }] });

  it('a forbid scoped to one profile denies that profile only', async () => {
    const set = setOf(e);
    expect(set.slice('request_credential', PROFILE, 'b').size).toBe(1);
    expect(set.slice('request_credential', PROFILE, 'a').size).toBe(2);
    expect(await e.decide(cred('b', t))).toMatchObject({ allow: true, policies: ['all'] });
    expect(await e.decide(cred('a', t))).toMatchObject({ allow: false, policies: ['not-a'], reasons: ['forbidden by not-a'] });
  });

  it('a slice with no policy is a default deny without an error', async () => {
    const slice = setOf(e).slice('declare_task', TASK, 'tsk_1');
    expect(slice).toMatchObject({ setId: undefined, size: 0 });
    const remembered = setOf(e).answers.size;
    const req = request('declare_task', agent('a1'), t);
    expect(await e.decide(req)).toEqual({ allow: false, reasons: ['no policy permits this request (default deny)'], policies: [] });
    const [part] = await e.explain(req);
    expect(part).toMatchObject({ decision: { allow: false }, determining: [], approval: [], errors: [] });
    expect(setOf(e).answers.size).toBe(remembered); // nothing was asked of Cedar, so nothing remembered
  });
});

describe('answer cache', () => {
  const permitAll = { 'p.cedar': `@id("all") permit (principal, action, resource);` };
  const req = cred('ticket-read', task({ scopes: [{ profile: 'ticket-read' }] }));

  it('serves a repeated request from the cache with the same decision', async () => {
    for (const validate of [true, false]) {
      const e = engineFor(permitAll, validate);
      const answers = setOf(e).answers;
      const set = vi.spyOn(answers, 'set');
      const first = await e.decide(req);
      expect(answers.size).toBe(1);
      expect(set).toHaveBeenCalledTimes(1);
      const second = await e.decide(req);
      expect(second).toEqual(first);
      expect(first).toMatchObject({ allow: true, policies: ['all'] });
      expect(answers.size).toBe(1);
      expect(set).toHaveBeenCalledTimes(1); // not evaluated again
    }
  });

  it('really answers from the cache: a forged entry decides, and the differential check catches it', async () => {
    const forged: AuthorizationAnswer = { type: 'success', response: { decision: 'deny', diagnostics: { reason: ['forged'], errors: [] } }, warnings: [] };
    const plain = engineFor(permitAll, false);
    const spy = vi.spyOn(setOf(plain).answers, 'set');
    expect((await plain.decide(req)).allow).toBe(true);
    setOf(plain).answers.set(spy.mock.calls[0]![0], forged);
    expect(await plain.decide(req)).toMatchObject({ allow: false, policies: ['forged'] });

    const checked = engineFor(permitAll, true);
    const spy2 = vi.spyOn(setOf(checked).answers, 'set');
    expect((await checked.decide(req)).allow).toBe(true);
    setOf(checked).answers.set(spy2.mock.calls[0]![0], forged);
    await expect(checked.decide(req)).rejects.toThrow(/policy slicing changed a decision/);
  });

  it('remembers nothing with answerCacheSize 0', async () => {
    const e = engineFor(permitAll, false, 0);
    await e.decide(req);
    await e.decide(req);
    expect(setOf(e).answers.size).toBe(0);
    expect((await e.decide(req)).allow).toBe(true);
  });

  it('does not leak across reloads, even when a later set reuses the slot', async () => {
    const forbidAll = compiled({ 'p.cedar': `@id("all") permit (principal, action, resource);\n@id("none") forbid (principal, action, resource);` });
    const forbidTicket = compiled({ 'p.cedar': `@id("all") permit (principal, action, resource);\n@id("no-ticket") forbid (principal, action, resource == Tessera::Profile::"ticket-read");` });
    for (const validate of [true, false]) {
      const e = engineFor(permitAll, validate);
      expect(await e.decide(req)).toMatchObject({ allow: true, policies: ['all'] });
      const before = setOf(e);
      e.swap(forbidAll);
      expect(setOf(e)).not.toBe(before);
      expect(await e.decide(req)).toMatchObject({ allow: false, policies: ['none'] });
      // The third set goes into the first set's slot, with the same slice names.
      e.swap(forbidTicket);
      expect(await e.decide(req)).toMatchObject({ allow: false, policies: ['no-ticket'] });
      expect(setOf(e).answers.size).toBe(1);
      e.swap(compiled(permitAll));
      expect(await e.decide(req)).toMatchObject({ allow: true, policies: ['all'] });
    }
  });

  it('keys on the time when a policy reads it, and only then', async () => {
    const files = {
      'p.cedar': `@id("all") permit (principal, action, resource);\n@id("mornings-off") forbid (principal, action == ${REQ}, resource) when { context.time.hour < 12 };`,
    };
    const t = task({ scopes: [{ profile: 'ticket-read' }] });
    for (const validate of [true, false]) {
      const e = engineFor(files, validate);
      const answers = setOf(e).answers;
      // Same request but for its time: afternoon first, so a cache keyed without the time would allow the morning.
      expect(await e.decide(cred('ticket-read', t, { at: AFTERNOON }))).toMatchObject({ allow: true, policies: ['all'] });
      expect(await e.decide(cred('ticket-read', t, { at: MORNING }))).toMatchObject({ allow: false, policies: ['mornings-off'] });
      expect(await e.decide(cred('ticket-read', t, { at: AFTERNOON }))).toMatchObject({ allow: true, policies: ['all'] });
      expect(await e.decide(cred('ticket-read', t, { at: MORNING }))).toMatchObject({ allow: false, policies: ['mornings-off'] });
      expect(answers.size).toBe(2);
      // declare_task's slice does not read the time: one answer serves both times.
      expect((await e.decide(request('declare_task', agent('a1'), t, { at: AFTERNOON }))).allow).toBe(true);
      expect((await e.decide(request('declare_task', agent('a1'), t, { at: MORNING }))).allow).toBe(true);
      expect(answers.size).toBe(3);
    }
  });
});
