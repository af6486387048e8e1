/**
 * Where the Vault conformance suite runs: the in-repo Vault double by default, or a real Vault when
 * VAULT_ADDR and VAULT_TOKEN are set (VAULT_TOKEN must be able to mount engines, write policies and
 * enable auth methods, e.g. a dev server's root token). Both are driven over Vault's HTTP API only.
 */
import type { VaultDouble } from '../../../doubles/vault/index.js';
import { startVaultDouble } from '../../../doubles/vault/index.js';

/** True when the suite targets a real Vault. */
export const REAL_VAULT = Boolean(process.env.VAULT_ADDR && process.env.VAULT_TOKEN);

/** A Vault answer as the admin helper returns it. */
export interface AdminRes {
  status: number;
  body: Record<string, any> | null;
}

export interface VaultTarget {
  kind: 'double' | 'real';
  /** For test titles: "Vault double" or "real Vault at https://…". */
  title: string;
  addr: string;
  adminToken: string;
  /** The double (fault injection, request log); undefined against real Vault. */
  double: VaultDouble | undefined;
  /** Call Vault's API with the admin token (or `token`, `null` for none). */
  api(method: string, path: string, opts?: { body?: unknown; token?: string | null; headers?: Record<string, string> }): Promise<AdminRes>;
  /** Like `api`, but throws unless the status is 2xx. */
  must(method: string, path: string, body?: unknown): Promise<AdminRes>;
  close(): Promise<void>;
}

/**
 * Open the target for this run. `remote` is a Vault double already running in another process
 * (benchmarks): driven over HTTP like a real Vault, but set up the way the double is.
 */
export async function openTarget(remote?: { addr: string; adminToken: string }): Promise<VaultTarget> {
  const double = REAL_VAULT || remote ? undefined : await startVaultDouble();
  const addr = (remote?.addr ?? double?.url ?? process.env.VAULT_ADDR ?? '').replace(/\/+$/, '');
  const adminToken = remote?.adminToken ?? double?.rootToken ?? process.env.VAULT_TOKEN ?? '';
  const api: VaultTarget['api'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === undefined ? adminToken : opts.token;
    if (token !== null) headers['X-Vault-Token'] = token;
    if (process.env.VAULT_NAMESPACE && REAL_VAULT && !headers['X-Vault-Namespace']) headers['X-Vault-Namespace'] = process.env.VAULT_NAMESPACE;
    const r = await fetch(`${addr}/v1/${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const text = await r.text();
    return { status: r.status, body: text === '' ? null : (JSON.parse(text) as Record<string, any>) };
  };
  return {
    kind: double || remote ? 'double' : 'real',
    title: double ? 'Vault double' : remote ? `Vault double at ${addr}` : `real Vault at ${addr}`,
    addr,
    adminToken,
    double,
    api,
    async must(method, path, body) {
      const r = await api(method, path, { body });
      if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r;
    },
    close: async () => double?.close(),
  };
}
