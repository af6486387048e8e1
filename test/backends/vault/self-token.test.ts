/** Tessera's own Vault token, with no network and controlled time: single-flight login, renewal, re-login. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { VaultCallError } from '../../../src/backends/vault/errors.js';
import type { VaultHttp, VaultRequest } from '../../../src/backends/vault/http.js';
import type { LoginMethod } from '../../../src/backends/vault/login.js';
import { SelfToken } from '../../../src/backends/vault/self-token.js';

const log = pino({ level: 'silent' });
const denied = (path: string) => new VaultCallError('POST', path, 403, ['permission denied']);

/** A fake Vault: tokens t1, t2, … with a TTL, renew-self capped at `maxTtl` after login. */
function fakeVault(opts: { ttl: number; maxTtl?: number; renewable?: boolean }) {
  let n = 0;
  const dead = new Set<string>();
  const issued = new Map<string, number>();
  const calls: string[] = [];
  const http = {
    async send(req: VaultRequest) {
      calls.push(`${req.path} ${req.token ?? ''}`);
      if (req.token && dead.has(req.token)) throw denied(req.path);
      if (req.path === 'auth/token/lookup-self') return { data: { ttl: opts.ttl } };
      if (req.path === 'auth/token/renew-self') {
        const left = opts.maxTtl ? Math.floor((issued.get(req.token!)! + opts.maxTtl * 1000 - Date.now()) / 1000) : opts.ttl;
        return { auth: { client_token: req.token!, accessor: 'a', lease_duration: Math.min(opts.ttl, left), renewable: true } };
      }
      throw new Error(`unexpected ${req.path}`);
    },
  } as unknown as VaultHttp;
  const method: LoginMethod = {
    name: 'approle',
    canRelogin: true,
    async login() {
      await new Promise((r) => setTimeout(r, 10));
      const token = `t${++n}`;
      issued.set(token, Date.now());
      return { token, accessor: `acc-${token}`, ttlSeconds: opts.ttl, renewable: opts.renewable ?? true };
    },
  };
  return { http, method, calls, kill: (t: string) => dead.add(t) };
}

describe('SelfToken', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('logs in once for concurrent callers', async () => {
    const v = fakeVault({ ttl: 60 });
    const s = new SelfToken(v.http, v.method, log);
    const all = Promise.all(Array.from({ length: 10 }, () => s.token()));
    await vi.advanceTimersByTimeAsync(20);
    expect(new Set(await all)).toEqual(new Set(['t1']));
    expect(s.stats.logins).toBe(1);
    s.close();
  });

  it('renews at two thirds of the TTL, and logs in again once renewal is capped by the max TTL', async () => {
    const v = fakeVault({ ttl: 30, maxTtl: 75 });
    const s = new SelfToken(v.http, v.method, log);
    s.start();
    await vi.advanceTimersByTimeAsync(20);
    await vi.advanceTimersByTimeAsync(19_000);
    expect(s.stats.renewals).toBe(0);
    await vi.advanceTimersByTimeAsync(1_100); // 2/3 of 30 s
    expect(s.stats.renewals).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.stats.logins).toBe(2);
    expect(await s.token()).toBe('t2');
    s.close();
  });

  it('logs in again in the background when renewal fails', async () => {
    const v = fakeVault({ ttl: 30 });
    const s = new SelfToken(v.http, v.method, log);
    expect(await Promise.all([s.token(), vi.advanceTimersByTimeAsync(20)]).then(([t]) => t)).toBe('t1');
    v.kill('t1');
    await vi.advanceTimersByTimeAsync(20_100);
    expect(s.stats.failedRenewals).toBe(1);
    expect(s.stats.logins).toBe(2);
    s.close();
  });

  it('recover(): a live token means the 403 was about policy; a dead one is replaced, once', async () => {
    const v = fakeVault({ ttl: 3600 });
    const s = new SelfToken(v.http, v.method, log);
    const first = s.token();
    await vi.advanceTimersByTimeAsync(20);
    expect(await first).toBe('t1');
    expect(await s.recover('t1')).toBeNull();
    v.kill('t1');
    await vi.advanceTimersByTimeAsync(2_000);
    const recovered = Promise.all(Array.from({ length: 5 }, () => s.recover('t1')));
    await vi.advanceTimersByTimeAsync(20);
    expect(await recovered).toEqual(['t2', 't2', 't2', 't2', 't2']);
    expect(s.stats.logins).toBe(2);
    s.close();
  });

  it('never tries to replace a static token', async () => {
    const v = fakeVault({ ttl: 0 });
    const s = new SelfToken(v.http, { ...v.method, name: 'token', canRelogin: false }, log);
    const first = s.token();
    await vi.advanceTimersByTimeAsync(20);
    await first;
    v.kill('t1');
    await expect(s.recover('t1')).resolves.toBeNull();
    expect(s.stats.logins).toBe(1);
    s.close();
  });
});
