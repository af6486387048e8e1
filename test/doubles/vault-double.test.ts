/**
 * Exercises the Vault test double over real HTTP (and, for the database engine, a real PostgreSQL at
 * 127.0.0.1:5432). pg_hba.conf on the test machine trusts 127.0.0.1, so a wrong password would still
 * log in: the database assertions therefore check that the dynamic role exists / can log in while the
 * lease is live and that the role is GONE (login refused: role does not exist) after revoke or expiry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import nodeVault from 'node-vault';
import type { VaultDouble } from './vault/index.js';
import { startVaultDouble } from './vault/index.js';
import type { AuthBlock, Envelope, WrapInfo } from './vault/http.js';

type VaultBody = Partial<Envelope> & { errors?: string[] };
interface Res { status: number; body: VaultBody | null }

function authOf(res: Res): AuthBlock {
  const auth = res.body?.auth;
  if (!auth) throw new Error(`no auth block in ${res.status} ${JSON.stringify(res.body)}`);
  return auth;
}
function dataOf(res: Res): Record<string, unknown> {
  const data = res.body?.data;
  if (!data) throw new Error(`no data in ${res.status} ${JSON.stringify(res.body)}`);
  return data;
}
function wrapOf(res: Res): WrapInfo {
  const w = res.body?.wrap_info;
  if (!w) throw new Error(`no wrap_info in ${res.status} ${JSON.stringify(res.body)}`);
  return w;
}
function credsOf(res: Res): { username: string; password: string } {
  const d = dataOf(res);
  if (typeof d['username'] !== 'string' || typeof d['password'] !== 'string') throw new Error('no credentials');
  return { username: d['username'], password: d['password'] };
}

async function call(
  v: VaultDouble, method: string, path: string,
  opts: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Res> {
  const headers: Record<string, string> = { ...opts.headers };
  const token = opts.token === undefined ? v.rootToken : opts.token;
  if (token !== null) headers['X-Vault-Token'] = token;
  const r = await fetch(`${v.url}/v1/${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await r.text();
  return { status: r.status, body: text === '' ? null : (JSON.parse(text) as VaultBody) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pgLogin(user: string, password: string): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port: 5432, database: 'postgres', user, password });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

async function roleExists(name: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await c.connect();
  try {
    const r = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
    return r.rowCount === 1;
  } finally {
    await c.end();
  }
}

async function waitFor(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await sleep(100);
  }
  return cond();
}

describe('Vault double: tokens, ACL, wrapping, leases', () => {
  let v: VaultDouble;
  beforeAll(async () => {
    v = await startVaultDouble({ rootToken: 'root-test-token' });
    await call(v, 'POST', 'sys/policies/acl/reader', {
      body: { policy: 'path "database/creds/ro-*" { capabilities = ["read"] }\npath "secret/+/cfg" { capabilities = ["read"] }' },
    });
  });
  afterAll(async () => v.close());

  it('creates, looks up and revokes a token by accessor', async () => {
    const created = await call(v, 'POST', 'auth/token/create', { body: { policies: ['reader'], ttl: '5m', display_name: 'agent 7', meta: { task: 't1' } } });
    expect(created.status).toBe(200);
    const auth = authOf(created);
    expect(auth.policies).toEqual(['default', 'reader']);
    expect(auth.lease_duration).toBe(300);
    expect(auth.orphan).toBe(false);
    expect(created.body).toMatchObject({ lease_id: '', renewable: false, data: null, wrap_info: null });

    const self = await call(v, 'GET', 'auth/token/lookup-self', { token: auth.client_token });
    expect(dataOf(self)).toMatchObject({ display_name: 'token-agent-7', meta: { task: 't1' }, path: 'auth/token/create' });
    const byAcc = await call(v, 'POST', 'auth/token/lookup-accessor', { body: { accessor: auth.accessor } });
    expect(dataOf(byAcc)['id']).toBe('');

    expect((await call(v, 'POST', 'auth/token/revoke-accessor', { body: { accessor: auth.accessor } })).status).toBe(204);
    expect((await call(v, 'GET', 'auth/token/lookup-self', { token: auth.client_token })).status).toBe(403);
    const again = await call(v, 'POST', 'auth/token/revoke-accessor', { body: { accessor: auth.accessor } });
    expect(again).toEqual({ status: 400, body: { errors: ['invalid accessor'] } });
  });

  it('rejects missing tokens, unknown paths and bad policies like Vault', async () => {
    expect(await call(v, 'GET', 'auth/token/lookup-self', { token: null })).toEqual({ status: 403, body: { errors: ['permission denied'] } });
    expect(await call(v, 'GET', 'no/such/path')).toEqual({ status: 404, body: { errors: [] } });
    const bad = await call(v, 'POST', 'sys/policies/acl/broken', { body: { policy: 'path "x" { capabilities = ["fly"] }' } });
    expect(bad.status).toBe(400);
  });

  it('enforces ACL policies for non-root tokens', async () => {
    const t = authOf(await call(v, 'POST', 'auth/token/create', { body: { policies: ['reader'] } })).client_token;
    expect((await call(v, 'GET', 'sys/policies/acl/reader', { token: t })).status).toBe(403);
    expect((await call(v, 'GET', 'database/creds/admin', { token: t })).status).toBe(403);
    expect((await call(v, 'POST', 'auth/token/create', { token: t, body: { policies: ['root'] } })).status).toBe(403);
    // allowed by the policy: reaches the handler (unknown db role -> 400, not 403)
    expect((await call(v, 'GET', 'database/creds/ro-x', { token: t })).body).toEqual({ errors: ['unknown role: ro-x'] });
    // '+' wildcard matches one segment only
    expect((await call(v, 'GET', 'secret/a/cfg', { token: t })).status).toBe(404);
    expect((await call(v, 'GET', 'secret/a/b/cfg', { token: t })).status).toBe(403);
  });

  it('checks child policies against the parent and revokes children with the parent', async () => {
    await call(v, 'POST', 'sys/policies/acl/minter', { body: { policy: 'path "auth/token/create" { capabilities = ["update"] }' } });
    const parent = authOf(await call(v, 'POST', 'auth/token/create', { body: { policies: ['minter', 'reader'] } }));
    const tooMuch = await call(v, 'POST', 'auth/token/create', { token: parent.client_token, body: { policies: ['admin'] } });
    expect(tooMuch).toEqual({ status: 400, body: { errors: ['child policies must be subset of parent'] } });
    const child = authOf(await call(v, 'POST', 'auth/token/create', { token: parent.client_token, body: { policies: ['reader'] } }));
    const orphan = authOf(await call(v, 'POST', 'auth/token/create-orphan', { body: { policies: ['reader'] } }));
    expect(orphan.orphan).toBe(true);
    await call(v, 'POST', 'auth/token/revoke-accessor', { body: { accessor: parent.accessor } });
    expect((await call(v, 'GET', 'auth/token/lookup-self', { token: child.client_token })).status).toBe(403);
    expect((await call(v, 'GET', 'auth/token/lookup-self', { token: orphan.client_token })).status).toBe(200);
  });

  it('counts num_uses down and revokes the token on its last use', async () => {
    const auth = authOf(await call(v, 'POST', 'auth/token/create', { body: { policies: ['reader'], num_uses: 2 } }));
    expect(auth.num_uses).toBe(2);
    expect(dataOf(await call(v, 'GET', 'auth/token/lookup-self', { token: auth.client_token }))['num_uses']).toBe(1);
    expect((await call(v, 'GET', 'auth/token/lookup-self', { token: auth.client_token })).status).toBe(200);
    expect((await call(v, 'GET', 'auth/token/lookup-self', { token: auth.client_token })).status).toBe(403);
    expect((await call(v, 'POST', 'auth/token/lookup-accessor', { body: { accessor: auth.accessor } })).status).toBe(400);
  });

  it('wraps a response behind a single-use token', async () => {
    const wrapped = await call(v, 'POST', 'auth/token/create', { body: { policies: ['reader'] }, headers: { 'X-Vault-Wrap-TTL': '60s' } });
    expect(wrapped.body?.auth).toBeNull();
    const info = wrapOf(wrapped);
    expect(info).toMatchObject({ ttl: 60, creation_path: 'auth/token/create' });
    const first = await call(v, 'POST', 'sys/wrapping/unwrap', { token: info.token });
    expect(first.status).toBe(200);
    expect(authOf(first).accessor).toBe(info.wrapped_accessor);
    expect((await call(v, 'GET', 'auth/token/lookup-self', { token: authOf(first).client_token })).status).toBe(200);
    const second = await call(v, 'POST', 'sys/wrapping/unwrap', { token: info.token });
    expect(second).toEqual({ status: 400, body: { errors: ['wrapping token is not valid or does not exist'] } });

    const other = wrapOf(await call(v, 'POST', 'auth/token/create', { body: {}, headers: { 'X-Vault-Wrap-TTL': '300' } }));
    const caller = authOf(await call(v, 'POST', 'auth/token/create', { body: { policies: ['reader'] } })).client_token;
    expect((await call(v, 'POST', 'sys/wrapping/unwrap', { token: caller, body: { token: other.token } })).status).toBe(200);
    expect((await call(v, 'POST', 'sys/wrapping/unwrap', { token: caller, body: { token: other.token } })).status).toBe(400);
  });

  it('answers lease calls for unknown leases like Vault', async () => {
    expect((await call(v, 'PUT', 'sys/leases/revoke', { body: { lease_id: 'database/creds/x/nope' } })).status).toBe(204);
    expect(await call(v, 'PUT', 'sys/leases/lookup', { body: { lease_id: 'database/creds/x/nope' } })).toEqual({ status: 400, body: { errors: ['invalid lease'] } });
    expect((await call(v, 'PUT', 'sys/leases/renew', { body: { lease_id: 'database/creds/x/nope' } })).status).toBe(400);
  });

  it('keeps namespaces apart', async () => {
    const inA = authOf(await call(v, 'POST', 'auth/token/create', { body: { policies: ['default'] }, headers: { 'X-Vault-Namespace': 'team-a' } }));
    expect(inA.client_token).toMatch(/^hvs\.[A-Za-z0-9]+\.[A-Za-z0-9]+$/);
    const lookupIn = (ns?: string) =>
      call(v, 'GET', 'auth/token/lookup-self', { token: inA.client_token, headers: ns ? { 'X-Vault-Namespace': ns } : {} });
    expect((await lookupIn('team-a')).status).toBe(200);
    expect((await lookupIn('team-b')).status).toBe(403);
    expect((await lookupIn()).status).toBe(403);
    expect(v.stats().requests.some((r) => r.namespace === 'team-b' && r.path === '/v1/auth/token/lookup-self')).toBe(true);
    // a root-namespace token in a child namespace is checked against "<child>/<path>"
    await call(v, 'POST', 'sys/policies/acl/team-a-creds', { body: { policy: 'path "team-a/database/creds/*" { capabilities = ["read"] }' } });
    const rootNs = authOf(await call(v, 'POST', 'auth/token/create', { body: { policies: ['team-a-creds'] } })).client_token;
    const inNs = (ns: string) => call(v, 'GET', 'database/creds/x', { token: rootNs, headers: { 'X-Vault-Namespace': ns } });
    expect((await inNs('team-a')).body).toEqual({ errors: ['unknown role: x'] });
    expect((await inNs('team-b')).status).toBe(403);
  });

  it('logs in with AppRole and honours secret_id_num_uses', async () => {
    await call(v, 'POST', 'auth/approle/role/broker', { body: { token_policies: ['reader'], token_ttl: '10m', secret_id_num_uses: 1 } });
    const roleId = String(dataOf(await call(v, 'GET', 'auth/approle/role/broker/role-id'))['role_id']);
    const secretId = String(dataOf(await call(v, 'POST', 'auth/approle/role/broker/secret-id'))['secret_id']);
    const login = await call(v, 'POST', 'auth/approle/login', { token: null, body: { role_id: roleId, secret_id: secretId } });
    expect(authOf(login)).toMatchObject({ policies: ['default', 'reader'], lease_duration: 600, orphan: true, metadata: { role_name: 'broker' } });
    const again = await call(v, 'POST', 'auth/approle/login', { token: null, body: { role_id: roleId, secret_id: secretId } });
    expect(again).toEqual({ status: 400, body: { errors: ['invalid role or secret ID'] } });
  });

  it('injects faults: sealed, refused, hanging', async () => {
    await v.setFault('unavailable');
    expect(await call(v, 'GET', 'auth/token/lookup-self')).toEqual({ status: 503, body: { errors: ['Vault is sealed'] } });
    expect((await call(v, 'GET', 'sys/health')).status).toBe(503);
    await v.setFault('refuse');
    await expect(fetch(`${v.url}/v1/sys/health`)).rejects.toThrow();
    await v.setFault('hang');
    let settled = false;
    const pending = call(v, 'GET', 'auth/token/lookup-self').then((r) => ((settled = true), r));
    await sleep(300);
    expect(settled).toBe(false);
    await v.setFault('none');
    expect((await pending).status).toBe(200);
    expect((await call(v, 'GET', 'sys/health')).body).toMatchObject({ initialized: true, sealed: false });
  });
});

describe('Vault double: token expiry with a controlled clock', () => {
  let clock = Date.now();
  let v: VaultDouble;
  beforeAll(async () => {
    v = await startVaultDouble({ now: () => clock });
  });
  afterAll(async () => v.close());

  it('invalidates tokens at their TTL and revokes their children', async () => {
    const parent = authOf(await call(v, 'POST', 'auth/token/create', { body: { ttl: '30s', explicit_max_ttl: '60s' } }));
    const child = authOf(await call(v, 'POST', 'auth/token/create', { token: parent.client_token, body: { ttl: '1h' } }));
    expect(child.lease_duration).toBe(3600);
    const renewed = await call(v, 'POST', 'auth/token/renew-self', { token: parent.client_token, body: { increment: '2m' } });
    expect(authOf(renewed).lease_duration).toBe(60);
    clock += 59_000;
    expect(dataOf(await call(v, 'GET', 'auth/token/lookup-self', { token: parent.client_token }))['ttl']).toBe(1);
    clock += 2_000;
    expect((await call(v, 'GET', 'auth/token/lookup-self', { token: parent.client_token })).status).toBe(403);
    expect(await waitFor(async () => (await call(v, 'GET', 'auth/token/lookup-self', { token: child.client_token })).status === 403, 2000)).toBe(true);
  });
});

describe('Vault double: database engine against real PostgreSQL', () => {
  let v: VaultDouble;
  const creation = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`;
  beforeAll(async () => {
    v = await startVaultDouble();
    const cfg = await call(v, 'POST', 'database/config/pg', {
      body: {
        plugin_name: 'postgresql-database-plugin',
        connection_url: 'postgresql://{{username}}:{{password}}@127.0.0.1:5432/postgres',
        username: 'postgres', password: 'unused-with-trust', allowed_roles: ['app-*', 'short'],
      },
    });
    expect(cfg.status).toBe(204);
    await call(v, 'POST', 'database/roles/app-ro', { body: { db_name: 'pg', creation_statements: [creation], default_ttl: '1h', max_ttl: '2h' } });
    await call(v, 'POST', 'database/roles/short', { body: { db_name: 'pg', creation_statements: creation, default_ttl: 2 } });
    await call(v, 'POST', 'database/roles/other', { body: { db_name: 'pg', creation_statements: creation } });
  });
  afterAll(async () => v.close());

  it('creates a real login role and drops it (ending its sessions) on revoke', async () => {
    const creds = await call(v, 'GET', 'database/creds/app-ro');
    expect(creds.status).toBe(200);
    expect(creds.body).toMatchObject({ renewable: true, lease_duration: 3600 });
    const leaseId = creds.body?.lease_id ?? '';
    expect(leaseId).toMatch(/^database\/creds\/app-ro\/[A-Za-z0-9]{24}$/);
    const { username, password } = credsOf(creds);
    expect(username).toMatch(/^v-root-app-ro-[A-Za-z0-9]{20}-\d+$/);
    const session = await pgLogin(username, password);
    expect((await session.query<{ u: string }>('SELECT current_user AS u')).rows[0]?.u).toBe(username);
    expect(v.stats().liveLeases).toBe(1);

    expect((await call(v, 'PUT', 'sys/leases/revoke', { body: { lease_id: leaseId } })).status).toBe(204);
    expect(await roleExists(username)).toBe(false);
    await expect(session.query('SELECT 1')).rejects.toThrow();
    await expect(pgLogin(username, password)).rejects.toThrow(/does not exist/);
    expect(v.stats().liveLeases).toBe(0);
    expect((await call(v, 'PUT', 'sys/leases/revoke', { body: { lease_id: leaseId } })).status).toBe(204);
  });

  it('revokes the role when the lease expires (2 s TTL)', async () => {
    const creds = await call(v, 'GET', 'database/creds/short');
    const { username, password } = credsOf(creds);
    expect(creds.body?.lease_duration).toBe(2);
    await (await pgLogin(username, password)).end();
    expect(await waitFor(async () => !(await roleExists(username)), 5000)).toBe(true);
    await expect(pgLogin(username, password)).rejects.toThrow(/does not exist/);
    expect((await call(v, 'PUT', 'sys/leases/lookup', { body: { lease_id: creds.body?.lease_id } })).status).toBe(400);
  }, 10_000);

  it('refuses roles outside allowed_roles and revokes leases with their token', async () => {
    expect(await call(v, 'GET', 'database/creds/other')).toEqual({ status: 400, body: { errors: ['"other" is not an allowed role'] } });
    const t = authOf(await call(v, 'POST', 'auth/token/create', { body: { policies: ['root'], ttl: '1h' } }));
    const creds = await call(v, 'GET', 'database/creds/app-ro', { token: t.client_token });
    const { username } = credsOf(creds);
    expect(await roleExists(username)).toBe(true);
    await call(v, 'POST', 'auth/token/revoke-accessor', { body: { accessor: t.accessor } });
    expect(await roleExists(username)).toBe(false);
  });

  it('works with node-vault, the client Tessera uses', async () => {
    const client = nodeVault({ endpoint: v.url, token: v.rootToken });
    const health = (await client.health()) as { sealed: boolean };
    expect(health.sealed).toBe(false);
    const created = (await client.tokenCreate({ policies: ['default'], ttl: '10m' })) as { auth: { client_token: string } };
    // NOTE: node-vault's tokenCreate replaces client.token with the new token (tokenSource: true).
    expect(client.token).toBe(created.auth.client_token);
    client.token = v.rootToken;
    const creds = (await client.read('database/creds/app-ro')) as { lease_id: string; data: { username: string } };
    expect(await roleExists(creds.data.username)).toBe(true);
    await client.write('sys/leases/revoke', { lease_id: creds.lease_id });
    expect(await roleExists(creds.data.username)).toBe(false);
    await expect(client.read('database/creds/nope')).rejects.toMatchObject({ response: { statusCode: 400 } });
    // node-vault lists with Vault's custom LIST verb, which Node's own HTTP parser rejects.
    const roles = (await client.list('database/roles')) as { data: { keys: string[] } };
    expect(roles.data.keys).toEqual(['app-ro', 'other', 'short']);
    expect(v.stats().requests.some((r) => r.method === 'LIST' && r.path === '/v1/database/roles')).toBe(true);
  });
});
