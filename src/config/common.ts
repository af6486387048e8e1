import { z } from 'zod';

/** Name of an environment variable that holds a secret (`*_env` fields). */
export const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name (A-Z, 0-9, _)');

/**
 * Startup rule for every outbound URL (JWKS, Vault, STS, webhooks): it must be https, except on
 * loopback or in server.dev_mode. Returns the problem at `path`, or nothing.
 */
export function httpsProblem(path: string, url: string, devMode: boolean): string[] {
  const u = new URL(url);
  const loopback = u.hostname === 'localhost' || u.hostname === '[::1]' || /^127\./.test(u.hostname);
  return u.protocol === 'https:' || loopback || devMode ? [] : [`${path}: must be https (http is accepted for loopback or in server.dev_mode)`];
}

/** The problem at `path` when environment variable `name` is not set, or nothing. */
export function envProblem(path: string, name: string, env: NodeJS.ProcessEnv): string[] {
  return env[name] ? [] : [`${path}: environment variable ${name} is not set`];
}

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
