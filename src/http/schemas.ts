import { z } from 'zod';

const resource = z.string().min(1).max(512);
const label = z.string().min(1).max(63).regex(/^[A-Za-z0-9_./-]+$/);

/** Body of `POST /v1/tasks`. */
export const declareTaskBody = z.strictObject({
  intent: z.string().trim().min(1).max(2000),
  scopes: z
    .array(z.strictObject({ profile: z.string().min(1).max(128), resources: z.array(resource).max(64).optional() }))
    .min(1)
    .max(32),
  ttl_seconds: z.number().int().positive().max(7 * 86_400).optional(),
  parent_task_id: z.string().min(1).max(100).optional(),
  /** Delegation: hand the sub-task (`parent_task_id`) to another agent, which becomes its owner. */
  delegate_to: z.strictObject({ issuer: z.string().min(1).max(1000), subject: z.string().min(1).max(1000) }).optional(),
  labels: z.record(label, z.string().max(256)).refine((l) => Object.keys(l).length <= 32, 'at most 32 labels').optional(),
});

/** Body of `POST /v1/tasks/{id}/credentials`. */
export const credentialBody = z.strictObject({
  profile: z.string().min(1).max(128),
  resources: z.array(resource).max(64).optional(),
  ttl_seconds: z.number().int().positive().max(7 * 86_400).optional(),
  reason: z.string().max(2000).optional(),
});

/** Body of `POST /v1/tasks/{id}/complete` (optional). */
export const completeBody = z.strictObject({
  outcome: z.enum(['succeeded', 'failed', 'cancelled']).optional(),
});

/** Body of the task-complete webhook. */
export const taskCompleteHook = z.object({
  task_id: z.string().min(1).max(100),
  outcome: z.enum(['succeeded', 'failed', 'cancelled']).optional(),
});

/** Identity named by admin calls. */
export const identityBody = z.strictObject({ issuer: z.string().min(1), subject: z.string().min(1) });
