import nodeVault from 'node-vault';
import { VaultCallError } from './errors.js';
import { VaultTransport } from './transport.js';

/** Vault's JSON response envelope (https://developer.hashicorp.com/vault/api-docs#http-status-codes). */
export interface VaultEnvelope {
  request_id?: string;
  lease_id?: string;
  lease_duration?: number;
  renewable?: boolean;
  data?: Record<string, unknown> | null;
  warnings?: string[] | null;
  auth?: VaultAuthBlock | null;
  wrap_info?: VaultWrapInfo | null;
}

/** `auth` block of a login, token creation or renewal. */
export interface VaultAuthBlock {
  client_token: string;
  accessor: string;
  policies?: string[];
  token_policies?: string[];
  lease_duration: number;
  renewable: boolean;
  orphan?: boolean;
  num_uses?: number;
}

/** `wrap_info` of a response-wrapped answer (https://developer.hashicorp.com/vault/docs/concepts/response-wrapping). */
export interface VaultWrapInfo {
  token: string;
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor?: string;
}

/** One call to Vault's HTTP API. */
export interface VaultRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** Path after `/v1/`, e.g. `database/creds/readonly`. */
  path: string;
  body?: Record<string, unknown>;
  /** `X-Vault-Token`; absent for unauthenticated calls (logins, health). */
  token?: string | undefined;
  /** `X-Vault-Namespace`; defaults to the configured namespace. */
  namespace?: string | undefined;
  /** `X-Vault-Wrap-TTL` in seconds: wrap the response. */
  wrapTtlSeconds?: number | undefined;
}

/** Connection settings of the one Vault client of this process. */
export interface VaultHttpOptions {
  address: string;
  namespace?: string | undefined;
  /** PEM CA bundle for Vault's TLS certificate. */
  ca?: Buffer | undefined;
  timeoutMs: number;
}

/**
 * Thin, explicit wrapper around node-vault's generic `request`: the token and namespace are passed
 * per call and the client's own `token` stays empty, so nothing can switch its identity (node-vault's
 * `tokenCreate*` helpers replace `client.token` with the created token; they are never used here).
 * Environment defaults node-vault would pick up (VAULT_TOKEN, VAULT_NAMESPACE, VAULT_PREFIX,
 * VAULT_SKIP_VERIFY) are neutralised: only Tessera's config decides.
 */
export class VaultHttp {
  private readonly client: ReturnType<typeof nodeVault>;
  private readonly transport: VaultTransport;

  constructor(private readonly opts: VaultHttpOptions) {
    this.transport = new VaultTransport({ ca: opts.ca, timeoutMs: opts.timeoutMs });
    // node-vault's documented `request-promise` hook: its HTTP layer is Tessera's lean transport
    // (TLS always verified, with the configured CA), so `rpDefaults.strictSSL` and VAULT_SKIP_VERIFY play no part.
    const options = { endpoint: opts.address, apiVersion: 'v1', 'request-promise': this.transport } as nodeVault.VaultOptions;
    this.client = nodeVault(options);
    const c = this.client as unknown as Record<string, unknown>;
    c['token'] = '';
    c['namespace'] = '';
    c['pathPrefix'] = '';
  }

  /** Perform one call; resolves with the envelope (or `{}` for 204), throws VaultCallError. */
  async send(req: VaultRequest): Promise<VaultEnvelope> {
    const headers: Record<string, string> = {};
    if (req.token) headers['X-Vault-Token'] = req.token;
    const ns = req.namespace ?? this.opts.namespace;
    if (ns) headers['X-Vault-Namespace'] = ns;
    if (req.wrapTtlSeconds !== undefined) headers['X-Vault-Wrap-TTL'] = String(req.wrapTtlSeconds);
    const call = this.client.request({
      method: req.method,
      path: `/${req.path}`,
      headers,
      ...(req.body !== undefined ? { json: req.body } : {}),
    });
    try {
      const body: unknown = await call;
      return body && typeof body === 'object' ? (body as VaultEnvelope) : {};
    } catch (err) {
      throw sanitise(req, err);
    }
  }

  /** `sys/health`: resolves when Vault is initialised and unsealed (standbys count as healthy). */
  async health(): Promise<void> {
    const body = await this.send({ method: 'GET', path: 'sys/health?standbyok=true&perfstandbyok=true' });
    const h = body as { initialized?: boolean; sealed?: boolean };
    if (h.initialized !== true || h.sealed !== false) {
      throw new VaultCallError('GET', 'sys/health', 503, [h.sealed ? 'Vault is sealed' : 'Vault is not initialised']);
    }
  }

  close(): void {
    this.transport.destroy();
  }
}

/** Keep only what is safe to log: status, Vault's error strings, the network error code. */
function sanitise(req: VaultRequest, err: unknown): VaultCallError {
  const path = req.path.split('?')[0] ?? req.path;
  const e = err as { response?: { statusCode?: number; body?: { errors?: unknown } }; code?: string; message?: string };
  if (e?.response?.statusCode !== undefined) {
    const raw = e.response.body?.errors;
    const errors = Array.isArray(raw) ? raw.map(String) : [];
    return new VaultCallError(req.method, path, e.response.statusCode, errors);
  }
  const code = e?.code;
  return new VaultCallError(req.method, path, undefined, [], code);
}
