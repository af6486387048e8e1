import { z } from 'zod';
import { envName, envProblem, httpsProblem } from '../config/common.js';

/** True when `tz` is an IANA time zone this Node.js knows (`UTC`, `Europe/Paris`, ...). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * `policy.approvals.notify`: a signed Standard Webhooks call to an external system (chat bot,
 * ticketing tool) when an approval is waiting.
 * WARNING: the receiver must verify the signature; the payload names agents, tasks and intents.
 */
const notifySchema = z.strictObject({
  url: z.string().url(),
  /** Environment variable holding the signing secret (`whsec_<base64>`, or raw bytes). */
  secret_env: envName,
  timeout_ms: z.number().int().positive().max(60_000).default(5000),
  /** Deliveries tried in all (first + retries, exponential backoff); a failure is logged, never blocks. */
  attempts: z.number().int().min(1).max(10).default(3),
});

/** `policy.approvals`: human approval of credential requests. */
const approvalsSchema = z.strictObject({
  /**
   * How long an approval stays open: pending until an approver decides, then (from the approval)
   * approved until the agent collects the credential. Never beyond the task's own expiry.
   */
  ttl_seconds: z.number().int().positive().max(7 * 86_400).default(900),
  /** How often expired approvals are swept (and audited as `approval.expired`). */
  sweep_interval_seconds: z.number().int().positive().default(5),
  notify: notifySchema.optional(),
});

const APPROVAL_DEFAULTS = { ttl_seconds: 900, sweep_interval_seconds: 5 };

/** `policy`: which engine decides each request and where Cedar policies live. */
export const policyConfigSchema = z.strictObject({
  /** `builtin`: profile `agents:` lists only. `cedar`: the Cedar policies in `policies_dir` as well. */
  engine: z.enum(['builtin', 'cedar']).default('builtin'),
  /** Directory of `*.cedar` files (relative to the working directory). */
  policies_dir: z.string().default('config/policies'),
  /** IANA time zone of `context.time` (hour, minute, weekday) in Cedar policies. */
  timezone: z.string().refine(isTimeZone, 'must be an IANA time zone, e.g. UTC or Europe/Paris').default('UTC'),
  /** Reload the policies when a file in `policies_dir` changes (SIGHUP always reloads). */
  watch: z.boolean().default(true),
  /** Quiet period after a file change before reloading (editors write in several steps). */
  reload_debounce_ms: z.number().int().nonnegative().max(60_000).default(250),
  /**
   * How many Cedar answers each loaded policy set remembers by exact request (0: none). Cedar is
   * deterministic, so a repeated request gets the answer it got before; a reload starts afresh.
   */
  answer_cache_size: z.number().int().nonnegative().max(1_000_000).default(10_000),
  approvals: approvalsSchema.default(APPROVAL_DEFAULTS),
});

export type PolicyConfig = z.infer<typeof policyConfigSchema>;

/** Defaults of `policy` when the section is absent. */
export const POLICY_DEFAULTS: PolicyConfig = {
  engine: 'builtin',
  policies_dir: 'config/policies',
  timezone: 'UTC',
  watch: true,
  reload_debounce_ms: 250,
  answer_cache_size: 10_000,
  approvals: APPROVAL_DEFAULTS,
};

/** Startup checks of `policy.approvals` that need the environment or other sections; each names its path. */
export function policyConfigProblems(
  policy: PolicyConfig,
  ctx: { env: NodeJS.ProcessEnv; devMode: boolean; approvers: number; approvalProfiles: string[] },
): string[] {
  const problems: string[] = [];
  const notify = policy.approvals.notify;
  if (notify) {
    problems.push(...envProblem('policy.approvals.notify.secret_env', notify.secret_env, ctx.env));
    problems.push(...httpsProblem('policy.approvals.notify.url', notify.url, ctx.devMode));
  }
  if (ctx.approvers === 0) {
    for (const name of ctx.approvalProfiles) problems.push(`profiles.${name}.approval: "required", but no approvers are configured (approvers:)`);
  }
  return problems;
}
