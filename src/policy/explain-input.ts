import { z } from 'zod';
import type { TesseraConfig } from '../config/schema.js';
import type { Task } from '../tasks/task.js';
import { clampTtl } from '../tasks/ttl.js';
import type { PolicyAction, PolicyRequest } from './policy.js';

const agentRef = z.strictObject({ issuer: z.string().min(1), subject: z.string().min(1) });

/**
 * The question explain answers (HTTP body of `POST /v1/admin/policy/explain`, or the CLI's input file):
 * who asks (`identity` with its token claims), for which task (inline, or `task_id` of a stored task
 * over HTTP), and what (`request`); `context` sets the caller address, the time and the approval state.
 */
export const explainInput = z.strictObject({
  action: z.enum(['declare_task', 'request_credential', 'complete_task', 'approve']).optional(),
  identity: agentRef.extend({ claims: z.record(z.string(), z.unknown()).optional() }),
  task: z
    .strictObject({
      task_id: z.string().min(1).max(100).optional(),
      intent: z.string().max(2000).optional(),
      scopes: z.array(z.strictObject({ profile: z.string().min(1), resources: z.array(z.string().min(1)).optional() })).optional(),
      labels: z.record(z.string(), z.string()).optional(),
      /** Time left on the task (default: tasks.default_ttl_seconds). */
      time_left_seconds: z.number().int().nonnegative().optional(),
      depth: z.number().int().nonnegative().optional(),
      parent_task_id: z.string().optional(),
      /** The task's owner when it is not `identity` (e.g. explaining `approve`: identity is the approver). */
      owner: agentRef.optional(),
    })
    .default({}),
  request: z
    .strictObject({
      profile: z.string().min(1),
      resources: z.array(z.string().min(1)).optional(),
      ttl_seconds: z.number().int().positive().optional(),
      reason: z.string().optional(),
    })
    .optional(),
  context: z
    .strictObject({
      ip: z.string().optional(),
      /** ISO-8601 time to evaluate at (default: now). */
      time: z.string().datetime({ offset: true }).optional(),
      approval: z.enum(['none', 'pending', 'approved']).optional(),
    })
    .default({}),
});

export type ExplainInput = z.infer<typeof explainInput>;

/** A policy request built from explain input, plus the notes of Tessera's own checks (scope, TTL). */
export interface ExplainRequest {
  request: PolicyRequest;
  /** Non-policy checks the real request path would make, with their outcome. */
  checks: string[];
}

/** Build the policy request explain evaluates; `stored` is the task when `task.task_id` named one. */
export function toPolicyRequest(input: ExplainInput, cfg: TesseraConfig, nowMs: number, stored?: Task): ExplainRequest {
  const now = input.context.time ? Date.parse(input.context.time) : nowMs;
  const action: PolicyAction = input.action ?? (input.request ? 'request_credential' : 'declare_task');
  const t = input.task;
  const left = t.time_left_seconds ?? cfg.tasks.default_ttl_seconds;
  const task: Task = stored ?? {
    id: t.task_id ?? 'tsk_explain',
    agent: t.owner ?? { issuer: input.identity.issuer, subject: input.identity.subject },
    intent: t.intent ?? '',
    scopes: t.scopes ?? (input.request ? [{ profile: input.request.profile, resources: input.request.resources }] : []),
    labels: t.labels ?? {},
    status: 'active',
    createdAt: now,
    expiresAt: now + left * 1000,
    parentTaskId: t.parent_task_id ?? null,
    depth: t.depth ?? (t.parent_task_id ? 1 : 0),
    ttlClampedBy: null,
    outcome: null,
    endedAt: null,
    openLeases: 0,
  };
  const checks: string[] = [];
  for (const s of task.scopes) if (!cfg.profiles[s.profile]) checks.push(`profile_unknown: ${s.profile} is not configured`);
  const req: PolicyRequest = {
    action,
    identity: { issuer: input.identity.issuer, subject: input.identity.subject, claims: input.identity.claims ?? {} },
    task,
    context: { ip: input.context.ip, now, approval: input.context.approval, approved: input.context.approval === 'approved' },
  };
  if (action === 'request_credential' || action === 'approve') {
    if (!input.request) throw new TypeError(`request: required for action ${action}`);
    const r = input.request;
    const profile = cfg.profiles[r.profile];
    const scope = task.scopes.find((s) => s.profile === r.profile);
    if (!profile) checks.push(`profile_unknown: ${r.profile} is not configured`);
    if (!scope) checks.push(`scope_not_declared: the task did not declare ${r.profile}`);
    const resources = [...new Set(r.resources ?? scope?.resources ?? [])];
    const undeclared = resources.filter((x) => !(scope?.resources ?? []).includes(x));
    if (scope && undeclared.length > 0) checks.push(`scope_not_declared: resources not declared for ${r.profile}: ${undeclared.join(', ')}`);
    const max = profile?.max_ttl_seconds ?? r.ttl_seconds ?? left;
    const timeLeft = Math.floor((task.expiresAt - now) / 1000);
    const { ttlSeconds, clampedBy } = clampTtl(r.ttl_seconds ?? max, [
      { by: 'profile', seconds: max },
      { by: 'task', seconds: timeLeft },
    ]);
    if (clampedBy) checks.push(`ttl: clamped to ${ttlSeconds} s by ${clampedBy}`);
    Object.assign(req, { profile: r.profile, resources, ttlSeconds, reason: r.reason });
  }
  return { request: req, checks };
}
