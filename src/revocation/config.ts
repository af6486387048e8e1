import { z } from 'zod';
import { envName, envProblem, httpsProblem } from '../config/common.js';

/**
 * `server.worker`: the revocation worker, its retry schedule, stall detection and the sweeper.
 * Every process that runs a worker must use the same values (they are read from the shared config file).
 */
export const workerConfigSchema = z
  .strictObject({
    /** Run the revocation worker inside the API process. */
    in_process: z.boolean().default(true),
    concurrency: z.number().int().positive().default(16),
    /** Quick attempts (exponential backoff with jitter) before a lease is marked revoke_failed. */
    attempts: z.number().int().positive().default(8),
    /** Delay before the first quick retry; each further one doubles it. */
    backoff_ms: z.number().int().positive().default(500),
    /** Cap on one quick retry delay. */
    backoff_max_ms: z.number().int().positive().default(30_000),
    /** After the quick attempts, retry every this many seconds (±10 % jitter). */
    slow_retry_seconds: z.number().int().positive().default(60),
    /**
     * Keep retrying until the credential's own expiry plus this grace; then the lease ends `expired`
     * with the revocation recorded as never confirmed (audited, alerted, listed for an admin).
     */
    retry_grace_seconds: z.number().int().nonnegative().default(900),
    /** A lease still `pending` this long after it was written is treated as an interrupted mint and revoked. */
    pending_grace_seconds: z.number().int().positive().default(60),
    /** BullMQ lock duration: a dead worker's job is picked up within about this plus the stalled interval. */
    lock_duration_ms: z.number().int().min(1000).default(5000),
    /** BullMQ stalled-job check interval. */
    stalled_interval_ms: z.number().int().min(250).default(2000),
    /** How often the sweeper looks for leases and tasks that missed their teardown. */
    sweep_interval_seconds: z.number().int().positive().default(15),
  })
  .superRefine((w, ctx) => {
    if (w.backoff_max_ms < w.backoff_ms) ctx.addIssue({ code: 'custom', path: ['backoff_max_ms'], message: 'must be ≥ server.worker.backoff_ms' });
    if (w.stalled_interval_ms > w.lock_duration_ms) {
      ctx.addIssue({ code: 'custom', path: ['stalled_interval_ms'], message: 'must be ≤ server.worker.lock_duration_ms' });
    }
  });

export type WorkerConfig = z.infer<typeof workerConfigSchema>;

/** Defaults of `server.worker` when the section is absent. */
export const WORKER_DEFAULTS: WorkerConfig = {
  in_process: true,
  concurrency: 16,
  attempts: 8,
  backoff_ms: 500,
  backoff_max_ms: 30_000,
  slow_retry_seconds: 60,
  retry_grace_seconds: 900,
  pending_grace_seconds: 60,
  lock_duration_ms: 5000,
  stalled_interval_ms: 2000,
  sweep_interval_seconds: 15,
};

/**
 * `webhooks.alerts`: where failed revocations are announced, signed as Standard Webhooks.
 * WARNING: the receiver must verify the signature; alerts name agents, tasks and leases.
 */
export const alertWebhookSchema = z.strictObject({
  url: z.string().url(),
  /** Environment variable holding the signing secret (`whsec_<base64>`, or raw bytes). */
  secret_env: envName,
  timeout_ms: z.number().int().positive().max(60_000).default(5000),
});

export type AlertWebhookConfig = z.infer<typeof alertWebhookSchema>;

/** Startup checks of `webhooks.alerts` that need the environment; each names its path. */
export function alertConfigProblems(alerts: AlertWebhookConfig | undefined, env: NodeJS.ProcessEnv, devMode: boolean): string[] {
  if (!alerts) return [];
  const problems: string[] = [];
  problems.push(...envProblem('webhooks.alerts.secret_env', alerts.secret_env, env));
  problems.push(...httpsProblem('webhooks.alerts.url', alerts.url, devMode));
  return problems;
}
