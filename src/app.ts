import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AuditLog } from './audit/audit-log.js';
import { createBackends } from './backends/factory.js';
import { BackendRegistry } from './backends/registry.js';
import type { Backend } from './backends/backend.js';
import type { TesseraConfig } from './config/schema.js';
import type { TokenVerifier } from './http/auth.js';
import type { HttpDeps } from './http/deps.js';
import { Roles } from './http/roles.js';
import { createHttpApp } from './http/server.js';
import { WorkloadVerifier } from './identity/verifier.js';
import { matchIdentity } from './identity/match.js';
import { IssuanceService } from './leases/issuance.js';
import { LeaseStore } from './leases/lease-store.js';
import { createLogger } from './ops/logger.js';
import { Metrics } from './ops/metrics.js';
import { BuiltinPolicy } from './policy/builtin-policy.js';
import type { PolicyEngine } from './policy/policy.js';
import { REVOCATION_QUEUE } from './revocation/jobs.js';
import { RevocationQueue } from './revocation/revocation-queue.js';
import { Revoker } from './revocation/revoker.js';
import { TaskCloser } from './revocation/task-closer.js';
import { startRevocationWorker, type WorkerSettings } from './revocation/worker.js';
import { Keys } from './store/keys.js';
import { bullConnectionOptions, connectRedis, waitReady } from './store/redis.js';
import { AgentBlocklist } from './tasks/agent-blocklist.js';
import { KillSwitch } from './tasks/kill-switch.js';
import { TaskService } from './tasks/task-service.js';
import { TaskStore } from './tasks/task-store.js';
import { systemClock, type Clock } from './util/clock.js';
import { DeliveryLog } from './webhooks/delivery-log.js';

/** Options for building a Tessera instance (tests inject clock, logger, extra backends). */
export interface TesseraOptions {
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  clock?: Clock;
  /** Redis URL; else the config's `redis.url_env` variable, else `redis.url`, else 127.0.0.1:6379. */
  redisUrl?: string;
  /** Backends in addition to (or replacing, by name) the configured ones. */
  backends?: Backend[];
  /** Replace the policy engine. */
  policy?: PolicyEngine;
  /** Replace the workload token verifier. */
  verifier?: TokenVerifier;
  /** Stall detection: how soon a dead worker's job is picked up. */
  workerSettings?: Partial<WorkerSettings>;
  /** How long `close()` waits for running revocation jobs before forcing the worker shut (default 10 s). */
  shutdownTimeoutMs?: number;
}

/**
 * Close a worker gracefully (running jobs finish), but not forever: after `timeoutMs` force it.
 * A forced close is safe: unfinished jobs are picked up again by another worker (at-least-once).
 */
async function closeWorker(w: Worker, timeoutMs: number, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    w.close().then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    log.warn({ timeout_ms: timeoutMs }, 'revocation worker did not stop in time; forcing it (its jobs will be retried)');
    await w.close(true).catch(() => undefined);
  }
}

/** A running Tessera: the HTTP app, its dependencies, and lifecycle controls. */
export interface Tessera {
  deps: HttpDeps;
  redis: Redis;
  redisUrl: string;
  /** Start listening; returns the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Start a revocation worker in this process. */
  startWorker(): Worker;
  /** Graceful stop: HTTP first, then the worker (waits for running jobs), then connections. */
  close(): Promise<void>;
}

/** Resolve the Redis URL from options, env and config. */
export function redisUrlOf(cfg: TesseraConfig, env: NodeJS.ProcessEnv, override?: string): string {
  return override ?? env[cfg.redis.url_env] ?? cfg.redis.url ?? 'redis://127.0.0.1:6379';
}

/** The composition root: builds every component once and wires them together. No singletons. */
export async function createTessera(cfg: TesseraConfig, opts: TesseraOptions = {}): Promise<Tessera> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? createLogger();
  const clock = opts.clock ?? systemClock;
  const redisUrl = redisUrlOf(cfg, env, opts.redisUrl);
  const redis = connectRedis(redisUrl);
  await waitReady(redis);
  const keys = new Keys(cfg.redis.key_prefix);

  let baseUrl = cfg.server.public_url ?? `http://${cfg.server.host}:${cfg.server.port}`;
  const { brokerToken, all } = await createBackends({ cfg, env, log, clock, redis, issuer: () => baseUrl });
  const byName = new Map(all.map((b) => [b.name, b]));
  for (const b of opts.backends ?? []) byName.set(b.name, b);
  const backends = new BackendRegistry([...byName.values()]);

  const connection = bullConnectionOptions(redisUrl);
  const queue = new Queue(REVOCATION_QUEUE, {
    connection,
    prefix: keys.bullPrefix(),
    defaultJobOptions: {
      attempts: cfg.server.worker.attempts,
      backoff: { type: 'exponential', delay: cfg.server.worker.backoff_ms },
      removeOnComplete: { age: 3600, count: 50_000 },
      removeOnFail: { age: 7 * 86_400 },
    },
  });
  const revocationQueue = new RevocationQueue(queue, clock);
  const taskStore = new TaskStore(redis, keys);
  const leaseStore = new LeaseStore(redis, keys, cfg.audit.task_retention_seconds);
  const audit = new AuditLog(redis, keys, log.child({ component: 'audit' }), clock, {
    maxLen: cfg.audit.stream_max_len,
    taskRetentionSeconds: cfg.audit.task_retention_seconds,
  });
  const metrics = new Metrics(() => leaseStore.openCount());
  const policy = opts.policy ?? new BuiltinPolicy(cfg.profiles, matchIdentity);
  const blocklist = new AgentBlocklist(redis, keys);
  const tasks = new TaskService(cfg, taskStore, policy, audit, revocationQueue, blocklist, clock);
  const issuance = new IssuanceService(cfg, taskStore, leaseStore, backends, policy, audit, revocationQueue, blocklist, metrics, clock, log);
  const verifier = opts.verifier ?? new WorkloadVerifier(cfg.issuers, { clock });

  const deps: HttpDeps = {
    cfg,
    env,
    verifier,
    roles: new Roles(cfg.admins, cfg.approvers),
    tasks,
    taskStore,
    issuance,
    leases: leaseStore,
    queue: revocationQueue,
    audit,
    brokerToken,
    killSwitch: new KillSwitch(taskStore, blocklist, revocationQueue, audit, clock),
    deliveries: new DeliveryLog(redis, keys, (cfg.webhooks.task_complete?.tolerance_seconds ?? 300) * 2 + 60),
    metrics,
    clock,
    log,
    readiness: async () => {
      const checks: Record<string, string> = {};
      let ok = true;
      await redis.ping().then(
        () => (checks.redis = 'ok'),
        () => ((checks.redis = 'unreachable'), (ok = false)),
      );
      for (const b of backends.all()) {
        await b.ready().then(
          () => (checks[b.name] = 'ok'),
          () => ((checks[b.name] = 'unreachable'), (ok = false)),
        );
      }
      if (!ok) throw Object.assign(new Error('not ready'), { checks });
      return checks;
    },
  };

  const app = createHttpApp(deps);
  const workers: Worker[] = [];
  let server: Server | undefined;

  return {
    deps,
    redis,
    redisUrl,
    async listen(port = cfg.server.port, host = cfg.server.host) {
      server = createServer(app);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => resolve());
      });
      const addr = server.address() as AddressInfo;
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
      if (!cfg.server.public_url) baseUrl = url;
      return url;
    },
    startWorker() {
      const closer = new TaskCloser(taskStore, leaseStore, revocationQueue, audit, clock, log);
      const revoker = new Revoker(leaseStore, backends, audit, metrics, clock, log);
      const w = startRevocationWorker({
        connection,
        prefix: keys.bullPrefix(),
        revoker,
        closer,
        leases: leaseStore,
        clock,
        log: log.child({ component: 'worker' }),
        settings: { concurrency: cfg.server.worker.concurrency, lockDurationMs: 10_000, stalledIntervalMs: 5_000, ...opts.workerSettings },
      });
      workers.push(w);
      return w;
    },
    async close() {
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections?.();
        });
      }
      await Promise.all(workers.map((w) => closeWorker(w, opts.shutdownTimeoutMs ?? 10_000, log)));
      await queue.close();
      await Promise.all(backends.all().map((b) => b.close()));
      redis.disconnect();
    },
  };
}
