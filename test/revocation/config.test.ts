import { describe, expect, it } from 'vitest';
import { ConfigError, validateConfig } from '../../src/config/load.js';
import { alertConfigProblems, WORKER_DEFAULTS } from '../../src/revocation/config.js';

const base = (worker?: Record<string, unknown>, webhooks?: Record<string, unknown>) => ({
  server: { dev_mode: true, ...(worker ? { worker } : {}) },
  issuers: [{ issuer: 'https://issuer.example', audiences: ['tessera'], algorithms: ['ES256'] }],
  profiles: { p: { backend: 'broker-token', audience: 'https://tool.example', max_ttl_seconds: 60 } },
  ...(webhooks ? { webhooks } : {}),
});

describe('revocation settings (server.worker, webhooks.alerts)', () => {
  it('defaults every key, in a section left out and in a partial one', () => {
    expect(validateConfig(base()).server.worker).toEqual(WORKER_DEFAULTS);
    expect(validateConfig(base({ attempts: 3 })).server.worker).toEqual({ ...WORKER_DEFAULTS, attempts: 3 });
  });

  it('names the path of a bad or inconsistent value', () => {
    const problems = (raw: unknown) => {
      try {
        validateConfig(raw);
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems(base({ backoff_ms: 5000, backoff_max_ms: 1000 }))).toContain('server.worker.backoff_max_ms: must be ≥ server.worker.backoff_ms');
    expect(problems(base({ lock_duration_ms: 2000, stalled_interval_ms: 5000 }))).toContain('server.worker.stalled_interval_ms: must be ≤ server.worker.lock_duration_ms');
    expect(problems(base({ retries: 3 }))).toContain('server.worker.retries: unknown key');
    expect(problems(base(undefined, { alerts: { url: 'not a url', secret_env: 'X' } }))[0]).toMatch(/^webhooks\.alerts\.url: /);
  });

  it('checks the alert secret is set and the URL is https outside loopback and dev mode', () => {
    const alerts = { url: 'http://alerts.example/hook', secret_env: 'ALERT_SECRET', timeout_ms: 5000 };
    expect(alertConfigProblems(alerts, {}, false)).toEqual([
      'webhooks.alerts.secret_env: environment variable ALERT_SECRET is not set',
      'webhooks.alerts.url: must be https (http is accepted for loopback or in server.dev_mode)',
    ]);
    expect(alertConfigProblems({ ...alerts, url: 'http://127.0.0.1:9/hook' }, { ALERT_SECRET: 'whsec_eA==' }, false)).toEqual([]);
    expect(alertConfigProblems(undefined, {}, false)).toEqual([]);
  });
});
