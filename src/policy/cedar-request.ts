import { isIP } from 'node:net';
import type { ProfileConfig } from '../config/schema.js';
import type { Task } from '../tasks/task.js';
import type { CedarRequest, CedarValueJson, EntityJson, Uid } from './cedar-wasm.js';
import { NS } from './cedar-schema.js';
import type { ApprovalState, PolicyRequest } from './policy.js';
import type { TimeZoneClock } from './time-facts.js';
import { identityKey } from '../identity/identity.js';

const uid = (type: string, id: string): Uid => ({ type: `${NS}::${type}`, id });
const ref = (type: string, id: string): CedarValueJson => ({ __entity: { type: `${NS}::${type}`, id } });
function refs(type: string, ids: readonly string[]): CedarValueJson[] {
  const out: CedarValueJson[] = [];
  for (const id of ids) out.push(ref(type, id));
  return out;
}

/** Entity id of an agent: `<issuer>|<subject>`. */
export function agentId(a: { issuer: string; subject: string }): string {
  return identityKey(a);
}

/** A profile as a Cedar entity (built once per configuration). */
export function profileEntity(name: string, p: ProfileConfig): EntityJson {
  return {
    uid: uid('Profile', name),
    attrs: { name, backend: p.backend, max_ttl_seconds: p.max_ttl_seconds, approval_required: p.approval === 'required' },
    parents: [],
  };
}

/**
 * Registered claims left out of the tags: `iss` and `sub` are the Agent's attributes; the token's times
 * and id say nothing about intent (and each tag costs parsing time on every request).
 */
const UNTAGGED = new Set(['iss', 'sub', 'iat', 'exp', 'nbf', 'jti']);

/** Claims as entity tags: strings as they are, numbers and booleans as text, the rest as JSON. */
function claimTags(claims: Record<string, unknown>): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(claims)) {
    if (v === undefined || v === null || UNTAGGED.has(k)) continue;
    tags[k] = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  }
  return tags;
}

function agentEntity(a: { issuer: string; subject: string }, claims: Record<string, unknown>): EntityJson {
  return { uid: uid('Agent', agentId(a)), attrs: { issuer: a.issuer, subject: a.subject }, parents: [], tags: claimTags(claims) };
}

function taskEntity(t: Task): EntityJson {
  return {
    uid: uid('Task', t.id),
    attrs: { intent: t.intent, owner: ref('Agent', agentId(t.agent)), parent_task_id: t.parentTaskId ?? '', delegated: Boolean(t.delegatedBy) },
    parents: [],
    tags: { ...t.labels },
  };
}

/** The caller's address as Cedar `ipaddr`, or undefined when there is none (IPv4-mapped IPv6 is unmapped). */
function sourceIp(ip: string | undefined): CedarValueJson | undefined {
  if (!ip) return undefined;
  const bare = ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '').replace(/%.*$/, '');
  return isIP(bare) ? { __extn: { fn: 'ip', arg: bare } } : undefined;
}

/**
 * Translate a Tessera policy request into a Cedar request following the shipped schema:
 * principal Agent (claims as tags), the action, resource Task (task actions) or Profile (credential
 * actions), and the context of that action. Kept lean on purpose: cedar-wasm parses every value of
 * every request, and entity references cost several times more than strings (see bench/policy.ts).
 * Plain loops on this hot path (see judge() in cedar-policy.ts about Array callbacks and V8).
 */
export function buildCedarRequest(req: PolicyRequest, profiles: ReadonlyMap<string, EntityJson>, clock: TimeZoneClock): CedarRequest {
  const t = req.task;
  const principalAgent = { issuer: req.identity.issuer, subject: req.identity.subject };
  const entities: EntityJson[] = [agentEntity(principalAgent, req.identity.claims), taskEntity(t)];
  if (agentId(t.agent) !== agentId(principalAgent)) entities.push(agentEntity(t.agent, {}));
  const declared: string[] = [];
  const resources: string[] = [];
  for (const s of t.scopes) {
    if (!declared.includes(s.profile)) declared.push(s.profile);
    for (const r of s.resources ?? []) if (!resources.includes(r)) resources.push(r);
  }
  const context: Record<string, CedarValueJson> = {
    task: ref('Task', t.id),
    profiles: declared,
    resources: refs('Resource', resources),
    time_left_seconds: Math.max(0, Math.floor((t.expiresAt - req.context.now) / 1000)),
    depth: t.depth,
    time: { ...clock.facts(req.context.now) },
  };
  const ip = sourceIp(req.context.ip);
  if (ip) context.source_ip = ip;
  const credential = req.action === 'request_credential' || req.action === 'approve';
  if (credential) {
    const profile = req.profile ? profiles.get(req.profile) : undefined;
    if (profile) entities.push(profile);
    context.request = { resources: refs('Resource', req.resources ?? []), ttl_seconds: req.ttlSeconds ?? 0, reason: req.reason ?? '' };
    context.approval = approvalState(req);
  }
  return {
    principal: uid('Agent', agentId(principalAgent)),
    action: { type: `${NS}::Action`, id: req.action },
    resource: credential ? uid('Profile', req.profile ?? '') : uid('Task', t.id),
    context,
    entities,
  };
}

/** The request's approval state (`approved` when collecting an approved request). */
export function approvalState(req: PolicyRequest): ApprovalState {
  return req.context.approval ?? (req.context.approved ? 'approved' : req.action === 'approve' ? 'pending' : 'none');
}
