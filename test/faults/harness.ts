import { TesseraClient, type CredentialGrant } from '../../src/client/tessera-client.js';
import type { Lease } from '../../src/leases/lease.js';
import { startAlertReceiver, type AlertReceiver } from '../support/alert-receiver.js';
import { FlakyBackend } from '../support/flaky-backend.js';
import { spawnTessera, type TesseraProcess } from '../support/processes.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { startRevocationDouble, type RevocationDouble } from '../support/revocation-double.js';
import { WEBHOOK_SECRET, startStack, testConfig, type Stack } from '../support/stack.js';

/** Signing secret of failed-revocation alerts in fault tests. */
export const ALERT_SECRET = 'whsec_' + Buffer.from('tessera-test-alert-secret-0123456789').toString('base64');

/** Worker settings for fault tests: fast retries, a dead worker's jobs picked up within ~4 s. */
export const FAULT_WORKER = {
  in_process: false,
  concurrency: 16,
  attempts: 3,
  backoff_ms: 100,
  backoff_max_ms: 1000,
  slow_retry_seconds: 2,
  retry_grace_seconds: 60,
  pending_grace_seconds: 2,
  lock_duration_ms: 3000,
  stalled_interval_ms: 1000,
  sweep_interval_seconds: 1,
};

/** Everything a fault scenario runs against. */
export interface FaultEnv {
  redis: TestRedis;
  double: RevocationDouble;
  stack: Stack;
  alerts: AlertReceiver;
  /** The config object given to child processes (same as the in-process stack's). */
  config: Record<string, any>;
  workers: TesseraProcess[];
  spawn(mode: 'worker' | 'api' | 'both'): Promise<TesseraProcess>;
  agent(sub: string): Promise<TesseraClient>;
  leases(taskId: string): Promise<Lease[]>;
  close(): Promise<void>;
}

/** Start Redis, the revocation double, an alert receiver, the API in this process and `workers` worker processes. */
export async function startFaultEnv(
  opts: { appendonly?: boolean; inProcessWorker?: boolean; workers?: number; worker?: Partial<typeof FAULT_WORKER>; taskMaxTtl?: number } = {},
): Promise<FaultEnv> {
  const redis = await startRedis({ appendonly: opts.appendonly ?? false });
  const double = await startRevocationDouble();
  const alerts = await startAlertReceiver(ALERT_SECRET);
  const worker = { ...FAULT_WORKER, ...opts.worker };
  const patch = (cfg: Record<string, any>) => {
    cfg.server.worker = worker;
    cfg.tasks = { max_ttl_seconds: opts.taskMaxTtl ?? 3600, default_ttl_seconds: 600, max_delegation_depth: 3 };
    cfg.profiles.fault = { backend: 'broker-token', audience: 'https://tools.example/fault', max_ttl_seconds: opts.taskMaxTtl ?? 3600 };
    cfg.webhooks.alerts = { url: alerts.url, secret_env: 'TEST_ALERT_SECRET' };
  };
  const env = { TEST_ALERT_SECRET: ALERT_SECRET, TEST_WEBHOOK_SECRET: WEBHOOK_SECRET };
  Object.assign(process.env, env);
  const stack = await startStack({
    redis,
    patch,
    worker: opts.inProcessWorker ?? false,
    tessera: {
      backends: [new FlakyBackend(double.url, 'broker-token', `api-${process.pid}`)],
      workerSettings: { lockDurationMs: worker.lock_duration_ms, stalledIntervalMs: worker.stalled_interval_ms },
    },
  });
  const config = testConfig(stack.issuer.issuer, patch);
  const workers: TesseraProcess[] = [];
  const fe: FaultEnv = {
    redis,
    double,
    stack,
    alerts,
    config,
    workers,
    async spawn(mode) {
      const p = await spawnTessera({ mode, config, redisUrl: redis.url, doubleUrl: double.url, env });
      workers.push(p);
      return p;
    },
    async agent(sub) {
      // One workload token per agent (as a real agent caches it), not one per call.
      return new TesseraClient({ baseUrl: stack.url, token: await stack.token(sub) });
    },
    leases: (taskId) => stack.tessera.deps.leases.listByTask(taskId),
    async close() {
      await Promise.all(workers.map((w) => w.kill()));
      await stack.close();
      await double.close();
      await alerts.close();
      await redis.stop();
    },
  };
  await Promise.all(Array.from({ length: opts.workers ?? 0 }, () => fe.spawn('worker')));
  return fe;
}

/** Issue `n` credentials under one task, `parallel` at a time. */
export async function issueMany(agent: TesseraClient, taskId: string, n: number, parallel = 20, ttlSeconds?: number): Promise<CredentialGrant[]> {
  const out: CredentialGrant[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, n) }, async () => {
      while (next < n) {
        next++;
        out.push(await agent.getCredential(taskId, { profile: 'fault', ...(ttlSeconds ? { ttl_seconds: ttlSeconds } : {}) }));
      }
    }),
  );
  return out;
}

/**
 * Poll (cheaply: the tasks' open-lease counters) until every lease of the tasks is final, then until
 * what the final transitions owe (audit, failed list) is written, or the timeout passes; returns the
 * leases as then read.
 */
export async function waitFinal(fe: FaultEnv, taskIds: string[], timeoutMs: number): Promise<Lease[]> {
  const deadline = Date.now() + timeoutMs;
  const store = fe.stack.tessera.deps.taskStore;
  for (;;) {
    const open = await Promise.all(taskIds.map(async (t) => (await store.get(t))?.openLeases ?? 0));
    if (open.every((n) => n <= 0) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  for (;;) {
    const leases = (await Promise.all(taskIds.map((t) => fe.leases(t)))).flat();
    if (leases.every((l) => !l.pendingNotice) || Date.now() > deadline) return leases;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** How many audit events of `type` each lease of the task has. */
export async function auditPerLease(fe: FaultEnv, taskId: string, type: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const e of await fe.stack.tessera.deps.audit.forTask(taskId, 1_000_000)) {
    if (e.type === type && e.lease_id) counts.set(e.lease_id, (counts.get(e.lease_id) ?? 0) + 1);
  }
  return counts;
}

/** One row of the chaos table. */
export interface ScenarioResult {
  scenario: string;
  leases: number;
  lost: number;
  revoked: number;
  p99Ms: number;
  notes: Record<string, number | string>;
}
