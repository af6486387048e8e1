import { iso, isoOrNull } from '../util/clock.js';
import type { Task } from './task.js';

/** The API representation of a task (api.md field names). */
export function taskView(t: Task): Record<string, unknown> {
  return {
    task_id: t.id,
    agent: { issuer: t.agent.issuer, subject: t.agent.subject },
    intent: t.intent,
    scopes: t.scopes,
    labels: t.labels,
    status: t.status,
    created_at: iso(t.createdAt),
    expires_at: iso(t.expiresAt),
    ended_at: isoOrNull(t.endedAt),
    outcome: t.outcome,
    parent_task_id: t.parentTaskId,
    depth: t.depth,
    delegated_by: t.delegatedBy ?? null,
    principal: t.principal ?? t.agent,
    act: t.act ?? null,
    ttl_clamped_by: t.ttlClampedBy,
  };
}
