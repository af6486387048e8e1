import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { BrokerTokenBackend } from '../backends/broker-token/backend.js';
import type { TesseraConfig } from '../config/schema.js';
import type { IssuanceService } from '../leases/issuance.js';
import type { LeaseStore } from '../leases/lease-store.js';
import type { Metrics } from '../ops/metrics.js';
import type { FailedRevocations } from '../revocation/failed-revocations.js';
import type { RevocationQueue } from '../revocation/revocation-queue.js';
import type { KillSwitch } from '../tasks/kill-switch.js';
import type { TaskService } from '../tasks/task-service.js';
import type { TaskStore } from '../tasks/task-store.js';
import type { Clock } from '../util/clock.js';
import type { DeliveryLog } from '../webhooks/delivery-log.js';
import type { TokenVerifier } from './auth.js';
import type { Roles } from './roles.js';

/** Everything the HTTP layer calls into; built once by the composition root. */
export interface HttpDeps {
  cfg: TesseraConfig;
  env: NodeJS.ProcessEnv;
  verifier: TokenVerifier;
  roles: Roles;
  tasks: TaskService;
  taskStore: TaskStore;
  issuance: IssuanceService;
  leases: LeaseStore;
  queue: RevocationQueue;
  audit: AuditLog;
  brokerToken: BrokerTokenBackend;
  killSwitch: KillSwitch;
  /** Admin operations on failed revocations (list, retry now, resolve by hand). */
  failedRevocations: FailedRevocations;
  deliveries: DeliveryLog;
  metrics: Metrics;
  clock: Clock;
  log: Logger;
  /** Resolves when Redis and every configured backend answer; rejects naming what is down. */
  readiness(): Promise<Record<string, string>>;
}
