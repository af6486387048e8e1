/**
 * PostgreSQL helpers for the Vault tests. The test machine's pg_hba.conf trusts 127.0.0.1, so a
 * revoked credential is detected by its role being gone ("role … does not exist"), not by a password.
 * Set TESSERA_TEST_PG_ADMIN_URL to use another server (as seen from the test process).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.TESSERA_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function withAdmin<T>(db: string | undefined, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const url = new URL(PG_ADMIN_URL);
  if (db) url.pathname = `/${db}`;
  const c = new pg.Client({ connectionString: url.toString() });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * A throwaway database `tessera_test_<random>` with a `tickets` table of three rows, readable by the
 * group role `<db>_reader` (dynamic roles join it: creating them then updates no shared catalog row,
 * so concurrent mints do not collide on "tuple concurrently updated").
 */
export async function createTestDatabase(): Promise<string> {
  const name = `tessera_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(undefined, async (c) => {
    await c.query(`CREATE DATABASE ${name}`);
    await c.query(`CREATE ROLE ${name}_reader NOLOGIN`);
  });
  await withAdmin(name, async (c) => {
    await c.query('CREATE TABLE tickets (id int PRIMARY KEY, title text NOT NULL)');
    await c.query("INSERT INTO tickets VALUES (4410, 'printer on fire'), (4411, 'vpn flaps'), (4412, 'summarise me')");
    await c.query(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
    await c.query(`GRANT CONNECT ON DATABASE ${name} TO ${name}_reader`);
    await c.query(`GRANT SELECT ON tickets TO ${name}_reader`);
  });
  return name;
}

/** Drop the database (terminating sessions left in it) and its reader role. */
export async function dropTestDatabase(name: string): Promise<void> {
  await withAdmin(undefined, async (c) => {
    await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    await c.query(`DROP DATABASE IF EXISTS ${name}`);
    await c.query(`DROP ROLE IF EXISTS ${name}_reader`);
  });
}

/** Whether a login role of that name exists. */
export function roleExists(name: string): Promise<boolean> {
  return withAdmin(undefined, async (c) => (await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1);
}

/** Log in as a dynamic user and run a query; rejects when the login is refused. */
export async function queryAs(db: string, user: string, password: string, sql = 'SELECT count(*)::int AS n FROM tickets'): Promise<Record<string, unknown>[]> {
  const admin = new URL(PG_ADMIN_URL);
  const c = new pg.Client({ host: admin.hostname, port: Number(admin.port || 5432), database: db, user, password, connectionTimeoutMillis: 3000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return (await c.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** The creation statement Vault runs for the test roles: a login role in the database's reader group. */
export function creationStatements(db: string): string[] {
  return [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE ${db}_reader;`];
}
