import type { Logger } from 'pino';
import { VaultCallError } from './errors.js';
import type { VaultHttp } from './http.js';
import type { LoginMethod } from './login.js';

interface Current {
  token: string;
  accessor: string;
  /** When the token stops working (ms), or null when it does not expire. */
  expiresAt: number | null;
  renewable: boolean;
  /** The TTL the login granted (s): a renewal answering less means the token hit its max TTL. */
  loginTtl: number;
}

/** Tuning of SelfToken (defaults suit production; tests shorten them). */
export interface SelfTokenOptions {
  now?: () => number;
  /** Act (renew or log in again) when this fraction of the remaining TTL has passed. Default 2/3. */
  renewFraction?: number;
  /** Backoff of failed renewals/logins: first and largest delay (ms). Defaults 500 and 30 000. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

/**
 * Tessera's own Vault token: one per process, never one login per request.
 *
 * - `token()` returns the current token; when there is none (or it expired) every caller waits for
 *   one single login (single-flight).
 * - Before expiry the token is renewed with `auth/token/renew-self`
 *   (https://developer.hashicorp.com/vault/api-docs/auth/token#renew-a-token-self). When renewal fails,
 *   the token is not renewable, or renewal hits the token's max TTL, Tessera logs in again in the
 *   background while the old token keeps serving.
 * - `recover(token)` after a 403: checks the token with `lookup-self`; a dead token (revoked, expired)
 *   is replaced by a new login, a live one means the 403 is about policy and is not retried.
 */
export class SelfToken {
  /** Counters for tests and logs. */
  readonly stats = { logins: 0, renewals: 0, failedLogins: 0, failedRenewals: 0 };
  private current: Current | undefined;
  private inflight: Promise<Current> | undefined;
  private readonly verifying = new Map<string, Promise<string | null>>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private lastRecoveryLogin = 0;
  private retryMs: number;
  private readonly now: () => number;
  private readonly fraction: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;

  constructor(
    private readonly http: VaultHttp,
    private readonly method: LoginMethod,
    private readonly log: Logger,
    opts: SelfTokenOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.fraction = opts.renewFraction ?? 2 / 3;
    this.retryMinMs = opts.retryMinMs ?? 500;
    this.retryMaxMs = opts.retryMaxMs ?? 30_000;
    this.retryMs = this.retryMinMs;
  }

  /** Log in in the background (Tessera starts even while Vault is down; /readyz tells). */
  start(): void {
    this.login().catch((err: unknown) => this.log.warn({ err: String(err) }, 'vault: initial login failed; will retry on demand'));
  }

  /** Accessor of the current token ('' before the first login): safe to log, lets an admin revoke it. */
  get accessor(): string {
    return this.current?.accessor ?? '';
  }

  /** The current token, logging in first when needed. */
  async token(): Promise<string> {
    const c = this.current;
    if (c && !this.expired(c)) return c.token;
    return (await this.login()).token;
  }

  /**
   * After a 403 on a call made with `used`: a replacement token, or null when `used` is still valid
   * (the 403 is about policy) or cannot be replaced. Concurrent callers share one check and one login.
   */
  recover(used: string): Promise<string | null> {
    const c = this.current;
    if (c && c.token !== used && !this.expired(c)) return Promise.resolve(c.token);
    let p = this.verifying.get(used);
    if (!p) {
      p = this.doRecover(used).finally(() => this.verifying.delete(used));
      this.verifying.set(used, p);
    }
    return p;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private async doRecover(used: string): Promise<string | null> {
    try {
      await this.http.send({ method: 'GET', path: 'auth/token/lookup-self', token: used });
      return null;
    } catch (err) {
      if (!(err instanceof VaultCallError) || err.failure !== 'denied') throw err;
    }
    if (!this.method.canRelogin) {
      this.log.error('vault: Tessera\'s static Vault token is no longer valid; configure a new one (backends.vault.auth.token_env)');
      return null;
    }
    // A token replaced through here a moment ago and already "dead" again means lookup-self itself is
    // denied (a policy without `default`): do not turn every 403 into a login.
    if (this.now() - this.lastRecoveryLogin < 1000) return null;
    if (this.current?.token === used) this.current = undefined;
    this.lastRecoveryLogin = this.now();
    this.log.warn('vault: Tessera\'s Vault token was revoked or expired; logging in again');
    return (await this.login()).token;
  }

  private expired(c: Current): boolean {
    if (c.expiresAt === null) return false;
    const margin = Math.min(1000, (c.loginTtl * 1000) / 10);
    return this.now() >= c.expiresAt - margin;
  }

  /** Single-flight login: concurrent callers share one. */
  private login(): Promise<Current> {
    if (this.inflight) return this.inflight;
    const p = (async () => {
      try {
        const a = await this.method.login(this.http);
        const now = this.now();
        const cur: Current = {
          token: a.token,
          accessor: a.accessor,
          expiresAt: a.ttlSeconds > 0 ? now + a.ttlSeconds * 1000 : null,
          renewable: a.renewable,
          loginTtl: a.ttlSeconds,
        };
        this.current = cur;
        this.stats.logins++;
        this.retryMs = this.retryMinMs;
        this.log.info({ method: this.method.name, accessor: a.accessor, ttl_seconds: a.ttlSeconds, renewable: a.renewable }, 'vault: logged in');
        this.schedule(cur, false);
        return cur;
      } catch (err) {
        this.stats.failedLogins++;
        throw err;
      } finally {
        this.inflight = undefined;
      }
    })();
    this.inflight = p;
    return p;
  }

  /** Plan the next renewal (or re-login when `capped` or not renewable). */
  private schedule(cur: Current, capped: boolean): void {
    clearTimeout(this.timer);
    if (this.closed || cur.expiresAt === null) return;
    const relogin = (capped || !cur.renewable) && this.method.canRelogin;
    if (!cur.renewable && !relogin) return;
    const delay = Math.max(50, (cur.expiresAt - this.now()) * this.fraction);
    this.timer = setTimeout(() => void (relogin ? this.backgroundLogin() : this.renew(cur)), delay);
    this.timer.unref();
  }

  private async renew(cur: Current): Promise<void> {
    if (this.closed || this.current !== cur) return;
    try {
      const res = await this.http.send({ method: 'POST', path: 'auth/token/renew-self', token: cur.token, body: {} });
      const ttl = res.auth?.lease_duration ?? 0;
      cur.expiresAt = ttl > 0 ? this.now() + ttl * 1000 : null;
      cur.renewable = res.auth?.renewable ?? cur.renewable;
      this.stats.renewals++;
      this.retryMs = this.retryMinMs;
      this.schedule(cur, ttl < cur.loginTtl);
    } catch (err) {
      this.stats.failedRenewals++;
      this.log.warn({ err: String(err) }, 'vault: renewing Tessera\'s token failed');
      if (this.method.canRelogin) await this.backgroundLogin();
      else this.retryLater(() => this.renew(cur));
    }
  }

  private async backgroundLogin(): Promise<void> {
    if (this.closed) return;
    try {
      await this.login();
    } catch (err) {
      this.log.warn({ err: String(err), retry_ms: this.retryMs }, 'vault: logging in again failed; will retry');
      this.retryLater(() => this.backgroundLogin());
    }
  }

  private retryLater(fn: () => Promise<void>): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => void fn(), this.retryMs);
    this.timer.unref();
    this.retryMs = Math.min(this.retryMaxMs, this.retryMs * 2);
  }
}
