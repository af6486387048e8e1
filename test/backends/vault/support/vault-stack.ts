/** A full Tessera stack (real Redis, dev OIDC issuer, HTTP) with the Vault backend pointed at a fixture. */
import { signWebhook } from '../../../../src/webhooks/standard-webhooks.js';
import { startStack, WEBHOOK_SECRET, type Stack } from '../../../support/stack.js';
import type { VaultFixture } from './fixture.js';

/** Tessera profiles over the fixture's engine and policies, as a platform team would write them. */
export function e2eProfiles(f: VaultFixture): Record<string, Record<string, unknown>> {
  return {
    'db-readonly': { backend: 'vault', kind: 'dynamic', path: `${f.dbMount}/creds/ro`, max_ttl_seconds: 900 },
    'db-short': { backend: 'vault', kind: 'dynamic', path: `${f.dbMount}/creds/short`, max_ttl_seconds: 900 },
    'vault-token': { backend: 'vault', kind: 'token', policies: [f.agentPolicy], max_ttl_seconds: 600 },
  };
}

/**
 * Start Tessera with `backends.vault` (AppRole as the fixture's least-privilege identity).
 * The AppRole ids go into process.env because config validation checks `*_env` references.
 */
export async function startVaultStack(f: VaultFixture, patch: (cfg: Record<string, any>) => void = () => undefined): Promise<Stack> {
  Object.assign(process.env, f.env);
  return startStack({
    patch: (cfg) => {
      cfg.backends = {
        ...cfg.backends,
        vault: {
          address: f.target.addr,
          request_timeout_ms: 1000,
          auth: { method: 'approle', mount: f.approleMount, role_id_env: 'TESSERA_VAULT_ROLE_ID', secret_id_env: 'TESSERA_VAULT_SECRET_ID' },
        },
      };
      Object.assign(cfg.profiles, e2eProfiles(f));
      patch(cfg);
    },
  });
}

/** Deliver a signed task-complete webhook (Standard Webhooks). */
export async function completeByWebhook(s: Stack, taskId: string): Promise<number> {
  const body = JSON.stringify({ task_id: taskId, outcome: 'succeeded' });
  const id = `msg_${Math.random().toString(36).slice(2)}`;
  const ts = Math.floor(Date.now() / 1000);
  const res = await fetch(`${s.url}/v1/hooks/task-complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signWebhook(WEBHOOK_SECRET, id, ts, body) },
    body,
  });
  await res.text();
  return res.status;
}
