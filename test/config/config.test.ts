import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, validateConfig } from '../../src/config/load.js';
import { testConfig } from '../support/stack.js';

const env = { TEST_WEBHOOK_SECRET: 'whsec_abc' };
const ISS = 'https://issuer.example';

function problems(patch: (c: Record<string, any>) => void, e: NodeJS.ProcessEnv = env): string[] {
  try {
    validateConfig(testConfig(ISS, patch), 'test.yaml', e);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}

describe('configuration validation', () => {
  it('accepts the test config and fills defaults', () => {
    const cfg = validateConfig(testConfig(ISS), 'test.yaml', env);
    expect(cfg.issuers[0]!.clock_tolerance_seconds).toBe(30);
    expect(cfg.policy.engine).toBe('builtin');
  });

  it('rejects unknown keys, naming the path', () => {
    expect(problems((c) => (c.profiles['ticket-read'].max_tll_seconds = 5))).toContain('profiles.ticket-read.max_tll_seconds: unknown key');
    expect(problems((c) => (c.surprise = true))).toContain('surprise: unknown key');
  });

  it('checks a profile max TTL against the task maximum', () => {
    expect(problems((c) => (c.profiles['ticket-read'].max_ttl_seconds = 7200))).toContain(
      'profiles.ticket-read.max_ttl_seconds: must be ≤ tasks.max_ttl_seconds (3600)',
    );
  });

  it('requires a configured backend for vault and aws-sts profiles', () => {
    const p = problems((c) => (c.profiles['db'] = { backend: 'vault', kind: 'dynamic', path: 'database/creds/ro', max_ttl_seconds: 60 }));
    expect(p).toContain('profiles.db.backend: backend "vault" is not configured under backends.vault');
  });

  it('requires secrets through *_env references that are set', () => {
    expect(problems(() => undefined, {})).toContain('webhooks.task_complete.secrets_env[0]: environment variable TEST_WEBHOOK_SECRET is not set');
    expect(problems((c) => (c.webhooks.task_complete.secrets_env = ['lower-case']))).toEqual([
      'webhooks.task_complete.secrets_env[0]: must be an environment variable name (A-Z, 0-9, _)',
    ]);
  });

  it('refuses to run without a signing key outside dev mode', () => {
    expect(problems((c) => (c.server.dev_mode = false))).toContain(
      'backends.broker-token.signing_key_env: a signing key is required unless server.dev_mode is true',
    );
  });

  it('rejects a wrong type with its path', () => {
    expect(problems((c) => (c.issuers[0].algorithms = ['HS256']))[0]).toMatch(/^issuers\[0\]\.algorithms\[0\]: /);
    expect(problems((c) => (c.tasks.max_ttl_seconds = 'long'))[0]).toMatch(/^tasks\.max_ttl_seconds: /);
  });

  it('reports YAML syntax errors and duplicate keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-cfg-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'issuers: []\nissuers: []\n');
    expect(() => loadConfig(file, env)).toThrow(/YAML/);
  });

  it('the shipped configs are valid', () => {
    const shippedEnv = { TESSERA_WEBHOOK_SECRET: 'whsec_x', TESSERA_SIGNING_KEY: 'set', TEST_WEBHOOK_SECRET: 'whsec_x' };
    for (const f of ['config/tessera.yaml', 'config/demo.yaml', 'config/test.yaml']) {
      expect(loadConfig(f, shippedEnv).profiles['ticket-read']?.backend, f).toBe('broker-token');
    }
    expect(() => loadConfig('config/tessera.yaml', { TESSERA_WEBHOOK_SECRET: 'whsec_x' })).toThrow(
      'backends.broker-token.signing_key_env: environment variable TESSERA_SIGNING_KEY is not set',
    );
  });

  it('the server exits non-zero and names the path on a bad config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-cfg-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, `issuers: [{ issuer: "${ISS}", audiences: [tessera], algorithms: [ES256] }]\nprofiles:\n  x: { backend: broker-token, audience: a, max_ttl_seconds: 99999 }\nserver: { dev_mode: true }\n`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, TESSERA_CONFIG: file }, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('profiles.x.max_ttl_seconds: must be ≤ tasks.max_ttl_seconds (3600)');
  });

  it('the server exits 2 naming file and line when a Cedar policy is invalid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-cfg-'));
    const policies = join(dir, 'policies');
    mkdirSync(policies);
    writeFileSync(join(policies, 'bad.cedar'), 'permit (principal, action, resource)\nwhen { context.request.ttl_secondz > 3 };\n');
    const file = join(dir, 'tessera.yaml');
    writeFileSync(
      file,
      `issuers: [{ issuer: "${ISS}", audiences: [tessera], algorithms: [ES256] }]\nprofiles:\n  x: { backend: broker-token, audience: a, max_ttl_seconds: 60 }\nserver: { dev_mode: true }\npolicy: { engine: cedar, policies_dir: "${policies}", watch: false }\n`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, TESSERA_CONFIG: file }, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${join(policies, 'bad.cedar')}:2:\\d+: .*ttl_secondz`));
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  });
});
