import type { Server } from 'node:http';
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
import { IssuanceService } from './leases/issuance.js';
import { LeaseStore } from './leases/lease-store.js';
import { createLogger } from './ops/logger.js';
import { Metrics } from './ops/metrics.js';
import { approvalsRouter } from './approvals/approvals-router.js';
import { buildApprovals, type Approvals } from './approvals/build.js';
import { buildPolicy, loadConfiguredPolicies, type PolicyStack } from './policy/build.js';
import { policyRouter } from './policy/explain-router.js';
import type { PolicyEngine } from './policy/policy.js';
import { REVOCATION_QUEUE } from './revocation/jobs.js';
import { createRevocation } from './revocation/compose.js';
import { RevocationQueue, TEARDOWN_JOB_OPTIONS } from './revocation/revocation-queue.js';
import type { WorkerSettings } from './revocation/worker.js';
import { Keys } from './store/keys.js';
import { createAppServer } from './http/app-server.js';
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
    // BullMQ hands a second close(true) the pending graceful close, which can wait forever (seen after
    // Redis restarted without its data): drop the worker's connections and give up waiting after 1 s.
    const abandon = new Promise((resolve) => setTimeout(resolve, 1000).unref());
    await Promise.race([Promise.all([w.close(true), w.disconnect()]).catch(() => undefined), abandon]);
  }
}

/** A running Tessera: the HTTP app, its dependencies, and lifecycle controls. */
export interface Tessera {
  deps: HttpDeps;
  redis: Redis;
  redisUrl: string;
  /** The policy engine and, with Cedar, its reloader. */
  policy: PolicyStack;
  /** Human approvals (service, collector, expiry sweep). */
  approvals: Approvals;
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
  const cedarPolicies = loadConfiguredPolicies(cfg); // invalid policies stop startup here, before any connection
  const clock = opts.clock ?? systemClock;
  const redisUrl = redisUrlOf(cfg, env, opts.redisUrl);
  const redis = connectRedis(redisUrl);
  // Without a listener ioredis prints every failed reconnect to stderr; requests already answer 503.
  redis.on('error', (err: Error) => log.warn({ err: err.message }, 'redis connection error'));
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
    // Teardown jobs never fail for good: retried on Tessera's capped backoff (see revocation/worker.ts).
    defaultJobOptions: TEARDOWN_JOB_OPTIONS,
  });
  queue.on('error', (err: Error) => log.warn({ err: err.message }, 'revocation queue connection error'));
  const revocationQueue = new RevocationQueue(queue, clock);
  const taskStore = new TaskStore(redis, keys);
  const leaseStore = new LeaseStore(redis, keys, cfg.audit.task_retention_seconds);
  const audit = new AuditLog(redis, keys, log.child({ component: 'audit' }), clock, {
    maxLen: cfg.audit.stream_max_len,
    taskRetentionSeconds: cfg.audit.task_retention_seconds,
  });
  const metrics = new Metrics(() => leaseStore.openCount());
  const policyStack = buildPolicy(cfg, { log, audit, registry: metrics.registry, compiled: cedarPolicies });
  const policy = opts.policy ?? policyStack.engine;
  const blocklist = new AgentBlocklist(redis, keys);
  const tasks = new TaskService(cfg, taskStore, policy, audit, revocationQueue, blocklist, clock);
  const issuance = new IssuanceService(cfg, taskStore, leaseStore, backends, policy, audit, revocationQueue, blocklist, metrics, clock, log);
  const verifier = opts.verifier ?? new WorkloadVerifier(cfg.issuers, { clock });
  const revocation = createRevocation({ cfg, env, redis, keys, queue: revocationQueue, leases: leaseStore, tasks: taskStore, audit, metrics, backends, clock, log });

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
    failedRevocations: revocation.failed,
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

  const approvals = buildApprovals({ cfg, env, redis, keys, tasks: taskStore, issuance, policy, audit, roles: deps.roles, baseUrl: () => baseUrl, clock, log });
  const app = createHttpApp(deps, [
    policyRouter({ cfg, verifier, roles: deps.roles, engine: policyStack.engine, cedar: policyStack.cedar, reloader: policyStack.reloader, taskStore, clock }),
    approvalsRouter({ verifier, roles: deps.roles, approvals: approvals.service, collector: approvals.collector }),
  ]);
  policyStack.reloader?.start();
  approvals.start();
  const workers: Worker[] = [];
  let server: Server | undefined;

  return {
    deps,
    redis,
    redisUrl,
    policy: policyStack,
    approvals,
    async listen(port = cfg.server.port, host = cfg.server.host) {
      server = createAppServer(app);
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
      const w = revocation.startWorker(connection, keys.bullPrefix(), revocation.settings(opts.workerSettings));
      workers.push(w);
      return w;
    },
    async close() {
      policyStack.reloader?.stop();
      await approvals.stop();
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
