import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Backend, Grant, MintResult, RevocationTarget } from '../backend.js';
import type { VaultBackendConfig, VaultProfile } from './config.js';
import { mintDynamic, mintDynamicWrapped } from './dynamic-mint.js';
import { toMintError } from './errors.js';
import { VaultHttp } from './http.js';
import { loginMethod } from './login.js';
import { revokeVault } from './revoke.js';
import { SelfToken, type SelfTokenOptions } from './self-token.js';
import { VaultSession } from './session.js';
import { mintToken } from './token-mint.js';

/** What the Vault backend needs besides its config section. */
export interface VaultBackendDeps {
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** The Vault profile of that name (throws for other profiles). */
  profiles: (name: string) => VaultProfile;
  /** Tuning of Tessera's own token upkeep (tests shorten it). */
  selfToken?: SelfTokenOptions;
}

/**
 * HashiCorp Vault through node-vault: dynamic secrets (`kind: dynamic`) and Vault tokens
 * (`kind: token`), optionally response-wrapped; revoked by lease id or token accessor.
 * One instance (one HTTP client, one Tessera token) per process.
 * Errors are mapped here, at the boundary: Vault unreachable/5xx/timeout → 503 `backend_unavailable`;
 * any other refusal on mint → 500 `backend_misconfigured` with the detail only in the log.
 */
export class VaultBackend implements Backend {
  readonly name = 'vault';
  /** Tessera's own token (exposed for tests and diagnostics: counters, never the token). */
  readonly self: SelfToken;
  private readonly http: VaultHttp;
  private readonly session: VaultSession;
  private readonly namespace: string;

  constructor(
    cfg: VaultBackendConfig,
    private readonly deps: VaultBackendDeps,
  ) {
    this.http = new VaultHttp({
      address: cfg.address,
      namespace: cfg.namespace,
      ca: cfg.ca_file ? readFileSync(cfg.ca_file) : undefined,
      timeoutMs: cfg.request_timeout_ms,
    });
    this.self = new SelfToken(this.http, loginMethod(cfg.auth, deps.env), deps.log.child({ component: 'vault' }), deps.selfToken);
    this.session = new VaultSession(this.http, this.self);
    this.namespace = cfg.namespace ?? '';
  }

  /** Begin logging in (in the background: Tessera starts even while Vault is down). */
  start(): this {
    this.self.start();
    return this;
  }

  async mint(grant: Grant): Promise<MintResult> {
    const p = this.deps.profiles(grant.profileName);
    try {
      if (p.kind === 'token') return await mintToken(this.session.call, p, grant, this.namespace);
      if (p.wrap_ttl_seconds !== undefined) return await mintDynamicWrapped(this.session.call, this.http, p, grant, this.namespace);
      return await mintDynamic(this.session.call, p, grant, this.namespace);
    } catch (err) {
      throw toMintError(err);
    }
  }

  revoke(target: RevocationTarget): Promise<void> {
    return revokeVault(this.session.call, target.revocationData);
  }

  /** Vault is unsealed and Tessera holds a valid token. */
  async ready(): Promise<void> {
    await this.http.health();
    await this.self.token();
  }

  async close(): Promise<void> {
    this.self.close();
    this.http.close();
  }
}
