import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { parse } from 'yaml';
import { afterAll, beforeAll } from 'vitest';
import { createTessera, type Tessera, type TesseraOptions } from '../../src/app.js';
import { TesseraClient } from '../../src/client/tessera-client.js';
import { validateConfig } from '../../src/config/load.js';
import type { TesseraConfig } from '../../src/config/schema.js';
import { startDevIssuer, type DevIssuer } from '../../src/demo/dev-issuer.js';
import { startRedis, type TestRedis } from './redis-server.js';

/** Webhook secret used by test stacks (Standard Webhooks format). */
export const WEBHOOK_SECRET = 'whsec_' + Buffer.from('tessera-test-webhook-secret-0123456789').toString('base64');

/** A running test stack: real Redis, a dev OIDC issuer, Tessera over real HTTP. */
export interface Stack {
  url: string;
  cfg: TesseraConfig;
  issuer: DevIssuer;
  redis: TestRedis;
  tessera: Tessera;
  env: NodeJS.ProcessEnv;
  /** A workload token for `sub` from the dev issuer. */
  token(sub: string, extra?: Record<string, unknown>): Promise<string>;
  /** A client acting as agent `sub`. */
  agent(sub: string): TesseraClient;
  close(): Promise<void>;
}

/**
 * The test config (config/test.yaml) with the dev issuer's URL filled in; `patch` may change anything.
 */
export function testConfig(issuer: string, patch: (cfg: Record<string, any>) => void = () => undefined): Record<string, any> {
  const cfg = parse(readFileSync(new URL('../../config/test.yaml', import.meta.url), 'utf8')) as Record<string, any>;
  cfg.issuers[0].issuer = issuer;
  for (const list of [cfg.admins, cfg.approvers]) for (const m of list) m.issuer = issuer;
  patch(cfg);
  return cfg;
}

/** Start Redis, the dev issuer and Tessera (API + in-process worker unless `worker: false`). */
export async function startStack(
  opts: { patch?: (cfg: Record<string, any>) => void; worker?: boolean; redis?: TestRedis; tessera?: TesseraOptions } = {},
): Promise<Stack> {
  const redis = opts.redis ?? (await startRedis());
  const issuer = await startDevIssuer();
  const env = { ...process.env, TEST_WEBHOOK_SECRET: WEBHOOK_SECRET };
  const cfg = validateConfig(testConfig(issuer.issuer, opts.patch), 'test', env);
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const tessera = await createTessera(cfg, { env, log, redisUrl: redis.url, workerSettings: { lockDurationMs: 3000, stalledIntervalMs: 1000 }, shutdownTimeoutMs: 2000, ...opts.tessera });
  const url = await tessera.listen(0, '127.0.0.1');
  if (opts.worker !== false) tessera.startWorker();
  const token = (sub: string, extra?: Record<string, unknown>) => issuer.mint({ sub, aud: 'tessera', ttlSeconds: 600, ...(extra ? { extra } : {}) });
  return {
    url,
    cfg,
    issuer,
    redis,
    tessera,
    env,
    token,
    agent: (sub) => new TesseraClient({ baseUrl: url, token: () => token(sub) }),
    async close() {
      await tessera.close();
      await issuer.close();
      if (!opts.redis) await redis.stop();
    },
  };
}

/**
 * One stack for a whole test file: started before its first test, closed after its last. Returns the
 * stack object itself, filled in once it is up (use it inside tests, not at module level).
 */
export function useStack(opts?: Parameters<typeof startStack>[0]): Stack {
  const s = {} as Stack;
  beforeAll(async () => {
    Object.assign(s, await startStack(opts));
  });
  afterAll(async () => {
    await s.close?.();
  });
  return s;
}

/** Poll `fn` until it returns a truthy value or the timeout passes. */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 5000, stepMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
