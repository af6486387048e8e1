/**
 * PostgreSQL side of the database secrets engine: create, renew and drop dynamic login roles.
 *   website/content/docs/secrets/databases/postgresql.mdx and
 *   website/content/api-docs/secret/databases/postgresql.mdx (connection_url templates
 *   {{username}}/{{password}}; statement templates {{name}}, {{username}}, {{password}}, {{expiration}};
 *   statements split on ";" unless they contain a multi-line body with END).
 *
 * Default revocation (no revocation_statements), like Vault's postgres plugin: revoke table, sequence
 * and schema privileges and CONNECT on the database, then DROP ROLE. Additionally — beyond what
 * Vault's plugin does — the role is first set NOLOGIN and its open sessions are terminated with
 * pg_terminate_backend, and REASSIGN/DROP OWNED clears anything it owns, so a revoked credential
 * stops working immediately and the DROP cannot fail on dependencies.
 *
 * NOTE on authentication: `VALID UNTIL` only limits *password* authentication. On a server whose
 * pg_hba.conf uses `trust` for 127.0.0.1 (as the test machine does), any password — or none — is
 * accepted and VALID UNTIL is ignored. What actually enforces revocation/expiry in tests is that the
 * role no longer exists (and NOLOGIN + terminated sessions during revocation).
 */
import pg from 'pg';
import type { PoolClient } from 'pg';

export interface PgTarget {
  connectionUrl: string;
  username: string;
  password: string;
}

export const DEFAULT_RENEW_STATEMENT = `ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';`;

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Vault's expiration format for statements: "2006-01-02 15:04:05-0700", in UTC. */
export function pgExpiration(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}+0000`;
}

export function renderTemplate(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => vars[key] ?? whole);
}

/** Splits each statement on ";" unless it looks like a multi-line block (contains END). */
export function splitStatements(statements: string[]): string[] {
  const out: string[] = [];
  for (const stmt of statements) {
    const withoutLiterals = stmt.replace(/'[^']*'|"[^"]*"/g, '');
    if (/\bEND\b/.test(withoutLiterals)) out.push(stmt);
    else out.push(...stmt.split(';').map((s) => s.trim()).filter((s) => s !== ''));
  }
  return out;
}

/** One small pool per configured connection. */
export class PgConnections {
  private readonly pools = new Map<string, pg.Pool>();

  pool(key: string, target: PgTarget): pg.Pool {
    let p = this.pools.get(key);
    if (!p) {
      const url = renderTemplate(target.connectionUrl, {
        username: encodeURIComponent(target.username),
        password: encodeURIComponent(target.password),
      });
      p = new pg.Pool({ connectionString: url, max: 3, idleTimeoutMillis: 1000, allowExitOnIdle: true });
      p.on('error', () => undefined);
      this.pools.set(key, p);
    }
    return p;
  }

  async drop(key: string): Promise<void> {
    const p = this.pools.get(key);
    this.pools.delete(key);
    await p?.end().catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.pools.keys()].map((k) => this.drop(k)));
  }
}

async function inTransaction(pool: pg.Pool, work: (c: PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await work(client);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export async function verifyConnection(pool: pg.Pool): Promise<void> {
  await pool.query('SELECT 1');
}

export async function runStatements(pool: pg.Pool, statements: string[], vars: Record<string, string>): Promise<void> {
  await inTransaction(pool, async (c) => {
    for (const q of splitStatements(statements)) await c.query(renderTemplate(q, vars));
  });
}

async function roleExists(pool: pg.Pool, username: string): Promise<boolean> {
  const r = await pool.query<{ exists: boolean }>('SELECT exists (SELECT 1 FROM pg_roles WHERE rolname = $1) AS exists', [username]);
  return r.rows[0]?.exists === true;
}

/** Revokes a dynamic role: NOLOGIN, terminate sessions, then custom statements or the default drop. */
export async function deleteUser(pool: pg.Pool, username: string, revocation: string[]): Promise<void> {
  if (!(await roleExists(pool, username))) return;
  const role = quoteIdent(username);
  await pool.query(`ALTER ROLE ${role} NOLOGIN`).catch(() => undefined);
  await pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()', [username]);
  if (revocation.length > 0) {
    await runStatements(pool, revocation, { name: username, username });
    return;
  }
  const schemas = await pool.query<{ s: string }>(
    `SELECT DISTINCT table_schema AS s FROM information_schema.role_table_grants WHERE grantee = $1
     UNION SELECT DISTINCT table_schema FROM information_schema.role_column_grants WHERE grantee = $1`,
    [username],
  );
  const db = await pool.query<{ d: string }>('SELECT current_database() AS d');
  const stmts: string[] = [];
  for (const { s } of schemas.rows) {
    stmts.push(`REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA ${quoteIdent(s)} FROM ${role}`);
    stmts.push(`REVOKE USAGE ON SCHEMA ${quoteIdent(s)} FROM ${role}`);
  }
  stmts.push(`REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA public FROM ${role}`);
  stmts.push(`REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public FROM ${role}`);
  stmts.push(`REVOKE USAGE ON SCHEMA public FROM ${role}`);
  if (db.rows[0]) stmts.push(`REVOKE CONNECT ON DATABASE ${quoteIdent(db.rows[0].d)} FROM ${role}`);
  stmts.push(`REASSIGN OWNED BY ${role} TO CURRENT_USER`, `DROP OWNED BY ${role}`);
  let lastError: unknown;
  for (const q of stmts) await pool.query(q).catch((e: unknown) => (lastError = e));
  if (lastError !== undefined) {
    throw new Error(`could not perform all revocation statements: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  }
  await pool.query(`DROP ROLE IF EXISTS ${role}`);
}
