/** Vault config: schema and startup checks (each naming its path), the shipped examples, and the policy generator. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { VaultProfile } from '../../../src/backends/vault/config.js';
import { tesseraPolicyHcl } from '../../../src/backends/vault/policy-hcl.js';
import { ConfigError, loadConfig, validateConfig } from '../../../src/config/load.js';
import { testConfig } from '../../support/stack.js';

const ISS = 'https://issuer.example';
const env = { TEST_WEBHOOK_SECRET: 'whsec_abc', ROLE_ID: 'r', SECRET_ID: 's', VAULT_TOKEN_X: 't' };
const vaultBackend = { address: 'https://vault.example:8200', auth: { method: 'approle', role_id_env: 'ROLE_ID', secret_id_env: 'SECRET_ID' } };

function problems(patch: (c: Record<string, any>) => void, e: NodeJS.ProcessEnv = env): string[] {
  try {
    validateConfig(testConfig(ISS, (c) => ((c.backends = { vault: structuredClone(vaultBackend) }), patch(c))), 'test.yaml', e);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}
const profile = (p: Record<string, unknown>) => (c: Record<string, any>) => (c.profiles.v = { backend: 'vault', max_ttl_seconds: 300, ...p });
const vaultProfiles = (file: string): Record<string, VaultProfile> => {
  const cfg = loadConfig(file, { TESSERA_VAULT_ROLE_ID: 'r', TESSERA_VAULT_SECRET_ID: 's', TESSERA_WEBHOOK_SECRET: 'w', TESSERA_SIGNING_KEY: 'k' });
  return Object.fromEntries(Object.entries(cfg.profiles).filter(([, p]) => p.backend === 'vault')) as Record<string, VaultProfile>;
};

describe('Vault configuration', () => {
  it('accepts a dynamic and a token profile and fills defaults', () => {
    const cfg = validateConfig(
      testConfig(ISS, (c) => {
        c.backends = { vault: vaultBackend };
        c.profiles.db = { backend: 'vault', kind: 'dynamic', path: 'database/creds/ro', max_ttl_seconds: 300, wrap_ttl_seconds: 60 };
        c.profiles.tok = { backend: 'vault', kind: 'token', token_role: 'agent', num_uses: 3, max_ttl_seconds: 300 };
      }),
      'test.yaml',
      env,
    );
    expect(cfg.backends.vault).toMatchObject({ request_timeout_ms: 5000, auth: { method: 'approle', mount: 'approle' } });
  });

  it.each([
    ['an unset role id variable', (c: Record<string, any>) => (c.backends.vault.auth.role_id_env = 'NOT_SET'), 'backends.vault.auth.role_id_env: environment variable NOT_SET is not set'],
    ['an unset token variable', (c: Record<string, any>) => (c.backends.vault.auth = { method: 'token', token_env: 'NOT_SET' }), 'backends.vault.auth.token_env: environment variable NOT_SET is not set'],
    ['an unreadable JWT file', (c: Record<string, any>) => (c.backends.vault.auth = { method: 'jwt', role: 'r', token_file: '/nope/token' }), 'backends.vault.auth.token_file: cannot read /nope/token'],
    ['an unreadable CA file', (c: Record<string, any>) => (c.backends.vault.ca_file = '/nope/ca.pem'), 'backends.vault.ca_file: cannot read /nope/ca.pem'],
    ['plain http to a remote Vault outside dev mode', (c: Record<string, any>) => ((c.server.dev_mode = false), (c.backends['broker-token'] = { signing_key_env: 'VAULT_TOKEN_X' }), (c.backends.vault.address = 'http://vault.example:8200')), 'backends.vault.address: must be https (http is accepted for loopback or in server.dev_mode)'],
    ['a dynamic profile without path', profile({ kind: 'dynamic' }), 'profiles.v.path: required for kind "dynamic"'],
    ['token options on a dynamic profile', profile({ kind: 'dynamic', path: 'database/creds/ro', num_uses: 2 }), 'profiles.v.num_uses: only for kind "token"'],
    ['a path on a token profile', profile({ kind: 'token', policies: ['p'], path: 'database/creds/ro' }), 'profiles.v.path: only for kind "dynamic"'],
    ['no_parent with a token role', profile({ kind: 'token', token_role: 'agent', no_parent: true }), 'profiles.v.no_parent: not with token_role (set orphan=true on the token role; no_parent there needs sudo)'],
    ['a token profile without policies or role', profile({ kind: 'token' }), 'profiles.v.policies: kind "token" needs policies or token_role'],
    ['an unknown key', profile({ kind: 'token', policies: ['p'], wrap_ttl: 60 }), 'profiles.v.wrap_ttl: unknown key'],
  ])('rejects %s, naming the path', (_name, patch, expected) => {
    expect(problems(patch)).toContain(expected);
  });

  it('ships valid examples: config/examples/vault.yaml and config/compose.yaml', () => {
    expect(Object.keys(vaultProfiles('config/examples/vault.yaml'))).toEqual(['db-readonly', 'db-readonly-wrapped', 'deploy']);
    expect(Object.keys(vaultProfiles('config/compose.yaml'))).toEqual(['db-readonly', 'db-readonly-wrapped', 'vault-token']);
  });

  it('keeps docker/vault/tessera.hcl in sync with the policy generated for config/compose.yaml', () => {
    const file = readFileSync('docker/vault/tessera.hcl', 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('\n');
    expect(file).toBe(tesseraPolicyHcl(vaultProfiles('config/compose.yaml')));
  });

  it('generates the least-privilege policy: only what the profiles use, never sudo', () => {
    const hcl = tesseraPolicyHcl({ t: { backend: 'vault', kind: 'token', token_role: 'agent', max_ttl_seconds: 60, approval: 'none' } });
    expect(hcl).toContain('path "auth/token/create/agent"');
    expect(hcl).toContain('path "auth/token/revoke-accessor"');
    expect(hcl).not.toContain('sys/leases/revoke');
    expect(hcl).not.toContain('"auth/token/create"');
    expect(hcl).not.toMatch(/sudo|\*/);
    const orphan = tesseraPolicyHcl({ o: { backend: 'vault', kind: 'token', policies: ['p'], no_parent: true, max_ttl_seconds: 60, approval: 'none' } });
    expect(orphan).toContain('path "auth/token/create-orphan"');
  });
});
