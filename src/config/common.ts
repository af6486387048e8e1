import { z } from 'zod';

/** Name of an environment variable that holds a secret (`*_env` fields). */
export const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name (A-Z, 0-9, _)');

/** A positive whole number of seconds. */
export const seconds = z.number().int().positive();

/** An identity match used by `admins:`, `approvers:` and profile `agents:` lists. */
export const identityMatch = z
  .strictObject({
    issuer: z.string().min(1),
    /** Exact subject, or an anchored pattern when it contains `*`. */
    subject: z.string().min(1).optional(),
    /** Claim constraints (exact or `*` patterns, anchored). */
    claims: z.record(z.string(), z.string()).optional(),
  })
  .refine((m) => m.subject !== undefined || m.claims !== undefined, {
    message: 'needs a subject or claims to match',
  });
export type IdentityMatch = z.infer<typeof identityMatch>;

/** Fields every profile has, whatever its backend. */
export const profileBase = {
  max_ttl_seconds: seconds,
  description: z.string().optional(),
  /** `required`: every credential of this profile waits for a human approver. */
  approval: z.enum(['required', 'none']).default('none'),
  /** Who may request this profile (any trusted identity when absent). */
  agents: z.array(identityMatch).optional(),
};
