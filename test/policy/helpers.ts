import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateConfig } from '../../src/config/load.js';
import type { TesseraConfig } from '../../src/config/schema.js';
import type { Identity } from '../../src/identity/identity.js';
import { CedarPolicy } from '../../src/policy/cedar-policy.js';
import { compilePolicies } from '../../src/policy/policy-compiler.js';
import { readPolicyDir } from '../../src/policy/policy-files.js';
import type { PolicyAction, PolicyRequest } from '../../src/policy/policy.js';
import type { Task } from '../../src/tasks/task.js';

export const ISSUER = 'https://issuer.example';
export const FIXTURE_CONFIG = new URL('./fixtures/tessera.yaml', import.meta.url).pathname;

/** The policy test configuration (profiles the example policies name), optionally patched. */
export function policyTestConfig(patch: (c: Record<string, any>) => void = () => undefined): TesseraConfig {
  const raw = parse(readFileSync(FIXTURE_CONFIG, 'utf8')) as Record<string, any>;
  patch(raw);
  return validateConfig(raw, 'test', {});
}

/**
 * A Cedar engine over `dir` (default: the shipped example policies). It validates every request against
 * the schema, so each test also checks that Tessera builds requests the schema accepts.
 */
export function cedarEngine(dir = 'config/policies', timezone = 'UTC', cfg = policyTestConfig()): CedarPolicy {
  return new CedarPolicy(compilePolicies(readPolicyDir(dir)), { profiles: cfg.profiles, timezone, validateRequests: true });
}

/** A temporary policy directory holding `files` (name → text). */
export function policyDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-policies-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export function agent(subject: string, claims: Record<string, unknown> = {}): Identity {
  return { issuer: ISSUER, subject, claims: { iss: ISSUER, sub: subject, ...claims } };
}

/** A task as Tessera would hold it. `now` is the request time; the task has `left` seconds to run. */
export function task(over: Partial<Task> & { left?: number; now?: number } = {}): Task {
  const now = over.now ?? Date.parse('2025-06-03T10:00:00Z');
  const { left = 900, ...rest } = over;
  return {
    id: 'tsk_AAAAAAAAAAAAAAAAAAAAAA',
    agent: { issuer: ISSUER, subject: 'agent' },
    intent: 'test',
    scopes: [],
    labels: {},
    status: 'active',
    createdAt: now,
    expiresAt: now + left * 1000,
    parentTaskId: null,
    depth: 0,
    ttlClampedBy: null,
    outcome: null,
    endedAt: null,
    openLeases: 0,
    ...rest,
  };
}

/** Build a policy request at an ISO time. */
export function request(
  action: PolicyAction,
  identity: Identity,
  t: Task,
  opts: { at?: string; profile?: string; resources?: string[]; ttl?: number; ip?: string; approval?: 'none' | 'pending' | 'approved' } = {},
): PolicyRequest {
  const now = Date.parse(opts.at ?? '2025-06-03T10:00:00Z');
  const owner = action === 'approve' ? t.agent : { issuer: identity.issuer, subject: identity.subject };
  return {
    action,
    identity,
    // The task's time left is kept whatever the request time.
    task: { ...t, agent: owner, createdAt: now, expiresAt: now + (t.expiresAt - t.createdAt) },
    profile: opts.profile,
    resources: opts.resources,
    ttlSeconds: opts.ttl,
    context: { now, ip: opts.ip, approval: opts.approval },
  };
}
