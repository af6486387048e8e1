import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { TesseraConfig } from '../config/schema.js';
import type { Clock } from '../util/clock.js';
import type { Backend } from './backend.js';
import { createAwsStsBackend } from './aws-sts/create.js';
import { BrokerTokenBackend } from './broker-token/backend.js';
import { loadSigningKey } from './broker-token/signing-key.js';
import { createVaultBackend } from './vault/create.js';
import { profileLookup } from './profile-lookup.js';

/** What backend constructors may use. */
export interface BackendContext {
  cfg: TesseraConfig;
  env: NodeJS.ProcessEnv;
  log: Logger;
  clock: Clock;
  redis: Redis;
  /** The broker's public issuer URL (known once the server listens). */
  issuer: () => string;
}

/** Build every configured backend. The broker-token backend always exists. */
export async function createBackends(ctx: BackendContext): Promise<{ brokerToken: BrokerTokenBackend; all: Backend[] }> {
  const { cfg } = ctx;
  const key = await loadSigningKey(cfg.backends['broker-token'], { env: ctx.env, devMode: cfg.server.dev_mode, log: ctx.log });
  const brokerToken = new BrokerTokenBackend(
    key,
    ctx.issuer,
    profileLookup(cfg, 'broker-token'),
    ctx.clock,
  );
  const all: Backend[] = [brokerToken];
  const awsSts = createAwsStsBackend(ctx);
  if (awsSts) all.push(awsSts);
  const vault = createVaultBackend(ctx);
  if (vault) all.push(vault);
  return { brokerToken, all };
}
