import { readFile } from 'node:fs/promises';
import type { VaultAuthConfig } from './config.js';
import { VaultCallError } from './errors.js';
import type { VaultHttp } from './http.js';

/** Tessera's own Vault token as a login (or a lookup of a static token) returned it. */
export interface SelfAuth {
  token: string;
  accessor: string;
  /** Seconds the token lives from now; 0 = it does not expire (root-like tokens). */
  ttlSeconds: number;
  renewable: boolean;
}

/** One way for Tessera to obtain its own Vault token. */
export interface LoginMethod {
  readonly name: VaultAuthConfig['method'];
  /** False for a static token: if it dies, nothing can replace it. */
  readonly canRelogin: boolean;
  login(http: VaultHttp): Promise<SelfAuth>;
}

/**
 * Build the configured login method.
 * - token: the token from `token_env`, checked with `auth/token/lookup-self`
 *   (https://developer.hashicorp.com/vault/api-docs/auth/token#lookup-a-token-self);
 * - approle: `POST auth/<mount>/login {role_id, secret_id}` (https://developer.hashicorp.com/vault/api-docs/auth/approle#login-with-approle);
 * - jwt: `POST auth/<mount>/login {role, jwt}`, the JWT re-read from `token_file` at every login
 *   (https://developer.hashicorp.com/vault/api-docs/auth/jwt#jwt-login).
 * Secrets are read from the environment at login time, never kept in config objects.
 */
export function loginMethod(auth: VaultAuthConfig, env: NodeJS.ProcessEnv): LoginMethod {
  switch (auth.method) {
    case 'token':
      return {
        name: 'token',
        canRelogin: false,
        async login(http) {
          const token = env[auth.token_env] ?? '';
          if (!token) throw new VaultCallError('GET', 'auth/token/lookup-self', undefined, [`${auth.token_env} is empty`], 'NO_TOKEN');
          const res = await http.send({ method: 'GET', path: 'auth/token/lookup-self', token });
          const d = (res.data ?? {}) as { accessor?: string; ttl?: number; renewable?: boolean };
          return { token, accessor: d.accessor ?? '', ttlSeconds: d.ttl ?? 0, renewable: d.renewable === true };
        },
      };
    case 'approle':
      return {
        name: 'approle',
        canRelogin: true,
        login: (http) =>
          loginAt(http, `auth/${auth.mount}/login`, auth.namespace, {
            role_id: env[auth.role_id_env] ?? '',
            secret_id: env[auth.secret_id_env] ?? '',
          }),
      };
    case 'jwt':
      return {
        name: 'jwt',
        canRelogin: true,
        async login(http) {
          const jwt = (await readFile(auth.token_file, 'utf8')).trim();
          return loginAt(http, `auth/${auth.mount}/login`, auth.namespace, { role: auth.role, jwt });
        },
      };
  }
}

async function loginAt(http: VaultHttp, path: string, namespace: string | undefined, body: Record<string, unknown>): Promise<SelfAuth> {
  const res = await http.send({ method: 'POST', path, body, namespace });
  const a = res.auth;
  if (!a?.client_token) throw new VaultCallError('POST', path, 200, ['login returned no auth block']);
  return { token: a.client_token, accessor: a.accessor, ttlSeconds: a.lease_duration, renewable: a.renewable };
}
