import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { TesseraConfig } from '../config/schema.js';
import type { Roles } from '../http/roles.js';
import type { IssuanceService } from '../leases/issuance.js';
import type { PolicyEngine } from '../policy/policy.js';
import type { TaskStore } from '../tasks/task-store.js';
import type { Clock } from '../util/clock.js';
import { ApprovalCollector } from './approval-collector.js';
import { ApprovalNotifier } from './approval-notifier.js';
import { ApprovalService } from './approval-service.js';
import { ApprovalStore } from './approval-store.js';

/** The human-approval components of one Tessera process. */
export interface Approvals {
  service: ApprovalService;
  collector: ApprovalCollector;
  notifier: ApprovalNotifier | undefined;
  /** Start the periodic expiry sweep (audits `approval.expired` for approvals nobody looked at). */
  start(): void;
  /** Stop the sweep and wait (up to 2 s) for notifications under way. */
  stop(): Promise<void>;
}

/** Build the approval store, service, collector, notifier and expiry sweep, and attach the issuance gate. */
export function buildApprovals(deps: {
  cfg: TesseraConfig;
  env: NodeJS.ProcessEnv;
  redis: Redis;
  keys: Keys;
  tasks: TaskStore;
  issuance: IssuanceService;
  policy: PolicyEngine;
  audit: AuditLog;
  roles: Roles;
  baseUrl: () => string;
  clock: Clock;
  log: Logger;
}): Approvals {
  const { cfg, log } = deps;
  const store = new ApprovalStore(deps.redis, deps.keys, cfg.audit.task_retention_seconds);
  const notify = cfg.policy.approvals.notify;
  const notifier = notify ? new ApprovalNotifier(notify, deps.env[notify.secret_env] ?? '', deps.clock, log.child({ component: 'approval-notify' })) : undefined;
  const service = new ApprovalService({ ...deps, store, notifier, log: log.child({ component: 'approvals' }) });
  const collector = new ApprovalCollector(service, store, deps.issuance, deps.clock);
  deps.issuance.approvals = service;
  let timer: NodeJS.Timeout | undefined;
  return {
    service,
    collector,
    notifier,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        service.expireDue().catch((err: unknown) => log.warn({ err }, 'approval expiry sweep failed'));
      }, cfg.policy.approvals.sweep_interval_seconds * 1000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      // Give notifications under way a moment, but never hold shutdown for a slow receiver.
      let wait: NodeJS.Timeout | undefined;
      await Promise.race([notifier?.drain(), new Promise((r) => (wait = setTimeout(r, 2000)))]);
      clearTimeout(wait);
    },
  };
}
