import type { BackendContext } from '../factory.js';
import { VaultBackend } from './backend.js';
import { profileLookup } from '../profile-lookup.js';

/** The Vault backend when `backends.vault` is configured (one per process), already logging in. */
export function createVaultBackend(ctx: BackendContext): VaultBackend | undefined {
  const cfg = ctx.cfg.backends.vault;
  if (!cfg) return undefined;
  return new VaultBackend(cfg, {
    env: ctx.env,
    log: ctx.log,
    profiles: profileLookup(ctx.cfg, 'vault'),
  }).start();
}
