/**
 * Vault benchmark: credential issuance through Tessera with the Vault backend (HTTP, identity, task,
 * policy, audit, lease, BullMQ job, one Vault call) against the Vault double, beside the double's own
 * latency for the same Vault call measured directly in the same run (keep-alive HTTP, no Tessera).
 * A third row times the Vault backend alone (VaultBackend.mint: node-vault + Tessera's own token), to
 * separate the adapter's cost from the rest of the issuance path.
 * As deployed, Vault, Tessera (API and revocation worker) and the caller are separate processes: the
 * double and Tessera are child processes; this process only sends requests and times them.
 * The rows are measured interleaved, one of each per iteration, so drift affects them alike.
 * Tessera's added overhead (p99 through Tessera − p99 of the direct call) should stay under 5 ms.
 * Against a real Vault when VAULT_ADDR and VAULT_TOKEN are set (then the figures are that Vault's).
 * A fourth row is Tessera's own share of each request, from its `Server-Timing` header (everything but
 * the backend's mint), measured inside Tessera; two more split the rest: the backend's mint as Tessera
 * timed it, and the HTTP hop into Tessera and back (what the caller saw minus all Tessera timed).
 * BENCH_VAULT_DB_N sets the number of `database/creds` reads (default n, like the token row: each
 * creates and later drops a real PostgreSQL role; with 300, the p99 was the third-slowest sample and
 * swung by 3 ms between runs).
 * BENCH_CPU_PROFILE=<dir> writes a CPU profile of the Tessera process there; BENCH_TOPOLOGY=split runs
 * the revocation worker in a process of its own (`npm run worker`) instead of inside the API process.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TesseraClient } from '../src/client/tessera-client.js';
import { startDevIssuer } from '../src/demo/dev-issuer.js';
import { startRedisServer } from '../src/demo/local-redis.js';
import { backendFor, createFixture, grantFor } from '../test/backends/vault/support/fixture.js';
import { openTarget, REAL_VAULT } from '../test/backends/vault/support/target.js';
import { e2eProfiles } from '../test/backends/vault/support/vault-stack.js';
import { spawnTessera } from '../test/support/processes.js';
import { ms, summary } from './stats.js';

/** Start the Vault double in a child process; resolves with its address, root token and a stop function. */
async function spawnVaultDouble(): Promise<{ addr: string; adminToken: string; stop(): Promise<void> }> {
  const script = fileURLToPath(new URL('../test/doubles/vault/process.ts', import.meta.url));
  const proc = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const [addr, adminToken] = await new Promise<[string, string]>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+) (\S+)/.exec(out);
      if (m) resolve([m[1]!, m[2]!]);
    });
    proc.once('exit', (code) => reject(new Error(`Vault double exited early (${code})`)));
  });
  proc.stdout!.resume();
  return {
    addr,
    adminToken,
    async stop() {
      proc.stdin!.end();
      await exited;
    },
  };
}

interface Row {
  direct: number[];
  adapter: number[];
  tessera: number[];
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

export async function runVaultBench(n = Number(process.env.BENCH_N ?? 1000)): Promise<Record<string, number>> {
  const vault = REAL_VAULT ? undefined : await spawnVaultDouble();
  const f = await createFixture(await openTarget(vault));
  const redis = await startRedisServer();
  const issuer = await startDevIssuer();
  const config = {
    server: { dev_mode: true, port: 0 },
    issuers: [{ issuer: issuer.issuer, audiences: ['tessera'], algorithms: ['ES256'] }],
    profiles: e2eProfiles(f),
    backends: {
      vault: {
        address: f.target.addr,
        ...(REAL_VAULT && process.env.VAULT_NAMESPACE ? { namespace: process.env.VAULT_NAMESPACE } : {}),
        auth: { method: 'approle', mount: f.approleMount, role_id_env: 'TESSERA_VAULT_ROLE_ID', secret_id_env: 'TESSERA_VAULT_SECRET_ID' },
      },
    },
  };
  const profileDir = process.env.BENCH_CPU_PROFILE;
  // BENCH_TOPOLOGY=split: the API and the revocation worker in two processes (`npm start` + `npm run worker`).
  const split = process.env.BENCH_TOPOLOGY === 'split';
  const tessera = await spawnTessera({ mode: split ? 'api' : 'both', config, redisUrl: redis.url, env: { ...f.env, ...(profileDir ? { TESSERA_CPU_PROFILE: profileDir } : {}) } });
  const worker = split ? await spawnTessera({ mode: 'worker', config, redisUrl: redis.url, env: f.env }) : undefined;
  const agentToken = await issuer.mint({ sub: 'bench-agent', aud: 'tessera', ttlSeconds: 3600 });
  const agent = new TesseraClient({ baseUrl: tessera.url, token: agentToken });
  const task = await agent.declareTask({ intent: 'vault benchmark', scopes: [{ profile: 'db-readonly' }, { profile: 'vault-token' }], ttl_seconds: 3600 });
  // The agent's request as TesseraClient sends it (fetch), keeping Tessera's own share from Server-Timing.
  const own: number[] = [];
  const mint: number[] = [];
  const hop: number[] = [];
  const issue = async (profile: string) => {
    const started = performance.now();
    const r = await fetch(`${tessera.url}/v1/tasks/${task.task_id}/credentials`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ profile, ttl_seconds: 600 }),
    });
    if (r.status !== 201) throw new Error(`credential request: ${r.status} ${await r.text()}`);
    await r.json();
    const timing = r.headers.get('server-timing') ?? '';
    const ownMs = Number(/tessera;dur=([\d.]+)/.exec(timing)?.[1] ?? NaN);
    const mintMs = Number(/backend;dur=([\d.]+)/.exec(timing)?.[1] ?? NaN);
    if (Number.isNaN(ownMs) || Number.isNaN(mintMs)) throw new Error(`no Server-Timing in the answer: ${timing}`);
    own.push(ownMs);
    mint.push(mintMs);
    hop.push(performance.now() - started - ownMs - mintMs);
  };

  // The direct caller: a token with the same rights as Tessera's, over keep-alive fetch.
  const direct = await f.staticToken([f.tesseraPolicy, f.agentPolicy]);
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${f.target.addr}/v1/${path}`, { method, headers: { 'X-Vault-Token': direct }, ...(body ? { body: JSON.stringify(body) } : {}) });
    if (!r.ok) throw new Error(`${path}: ${r.status}`);
    return r.json();
  };
  const tokenBody = { policies: [f.agentPolicy], ttl: '600s', explicit_max_ttl: '600s', renewable: false, display_name: `tessera-${task.task_id}`, meta: { tessera_task_id: task.task_id } };
  // The backend alone, in-process (node-vault, Tessera's own token): isolates the adapter's cost.
  const adapter = backendFor(f);
  const cases: Array<[string, () => Promise<unknown>, () => Promise<unknown>, () => Promise<unknown>]> = [
    [
      'vault-token (auth/token/create)',
      () => call('POST', 'auth/token/create', tokenBody),
      () => adapter.mint(grantFor('tok', 600)),
      () => issue('vault-token'),
    ],
    [
      'db-readonly (database/creds: CREATE ROLE in PostgreSQL)',
      () => call('GET', `${f.dbMount}/creds/ro`),
      () => adapter.mint(grantFor('db-ro', 600)),
      () => issue('db-readonly'),
    ],
  ];

  const runs = [n, Number(process.env.BENCH_VAULT_DB_N ?? n)];
  const out: Record<string, number> = {};
  console.log('\nVault backend: credential issuance through Tessera vs the %s called directly, interleaved (Vault, Tessera and this caller in separate processes)', f.target.kind === 'double' ? 'Vault double' : 'real Vault');
  for (const [c, [name, viaVault, viaAdapter, viaTessera]] of cases.entries()) {
    const count = runs[c] ?? n;
    const row: Row = { direct: [], adapter: [], tessera: [] };
    for (let i = 0; i < Math.min(50, count); i++) {
      await viaVault();
      await viaAdapter();
      await viaTessera();
    }
    for (const a of [own, mint, hop]) a.length = 0;
    for (let i = 0; i < count; i++) {
      row.direct.push(await timed(viaVault));
      row.adapter.push(await timed(viaAdapter));
      row.tessera.push(await timed(viaTessera));
    }
    const d = summary(row.direct);
    const t = summary(row.tessera);
    const key = name.startsWith('vault-token') ? 'token' : 'dynamic';
    // label, figure key, samples: printed as one table row and returned under `${key}_${figure}_p50/p99_ms`.
    const rows: Array<[string, string, ReturnType<typeof summary>]> = [
      ['Vault double directly (same call, keep-alive)', 'vault', d],
      ['VaultBackend.mint alone (node-vault)', 'adapter', summary(row.adapter)],
      ['Tessera POST /v1/tasks/{id}/credentials', 'tessera', t],
      ["  of which Tessera's own work (Server-Timing)", 'own', summary(own)],
      ["  of which the backend's mint (Server-Timing)", 'mint_in_tessera', summary(mint)],
      ['  of which the HTTP hop into Tessera and back', 'hop', summary(hop)],
    ];
    console.log('  %s, n=%d', name, count);
    for (const [label, figure, x] of rows) {
      console.log('    %s  p50 %s  p99 %s', label.padEnd(48), ms(x.p50), ms(x.p99));
      Object.assign(out, { [`${key}_${figure}_p50_ms`]: x.p50, [`${key}_${figure}_p99_ms`]: x.p99 });
    }
    console.log('    Tessera overhead: p50 %s, p99 %s (target p99 < 5 ms)', ms(t.p50 - d.p50), ms(t.p99 - d.p99));
    out[`${key}_overhead_p99_ms`] = t.p99 - d.p99;
  }

  const r0 = Date.now();
  await agent.completeTask(task.task_id);
  await agent.waitForTask(task.task_id, ['completed'], 300_000);
  const issued = runs.reduce((a, k) => a + k + Math.min(50, k), 0);
  console.log('  completing the task revoked its %d Vault leases and tokens in %d ms (PostgreSQL DROP ROLEs dominate)', issued, Date.now() - r0);
  out['revoke_all_ms'] = Date.now() - r0;
  await adapter.close();
  await tessera.stop();
  await worker?.stop();
  await issuer.close();
  await redis.stop();
  await f.close();
  await vault?.stop();
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runVaultBench(Number(process.env.BENCH_N ?? 1000));
  process.exit(0);
}
