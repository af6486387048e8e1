/**
 * `npm run chaos`: the fault scenarios of test/faults at larger scale, with real processes, a real
 * Redis and a revocation double, printed as one table. `CHAOS_SCALE` (default 1) multiplies the sizes;
 * `CHAOS_ONLY` runs the scenarios whose name contains that text.
 */
import { backendOutageScenario } from '../test/faults/scenarios/backend-outage.js';
import { bigTaskScenario } from '../test/faults/scenarios/big-task.js';
import { duplicateWebhooksScenario } from '../test/faults/scenarios/duplicate-webhooks.js';
import { expiryWorkerKillScenario } from '../test/faults/scenarios/expiry-worker-kill.js';
import { multiProcessScenario } from '../test/faults/scenarios/multi-process.js';
import { redisRestartScenario } from '../test/faults/scenarios/redis-restart.js';
import { workerKillScenario } from '../test/faults/scenarios/worker-kill.js';
import type { ScenarioResult } from '../test/faults/harness.js';

const scale = Number(process.env.CHAOS_SCALE ?? 1);
const n = (x: number) => Math.max(1, Math.round(x * scale));
const only = process.env.CHAOS_ONLY;

const scenarios: Array<[string, () => Promise<ScenarioResult>]> = [
  ['worker-kill', () => workerKillScenario({ leases: n(2000), revokeDelayMs: 100 })],
  ['expiry-worker-kill', () => expiryWorkerKillScenario({ leases: n(2000), ttlSeconds: 5, revokeDelayMs: 100 })],
  // Production-like slow schedule (60 s): recovery within 60 s relies on the sweeper noticing the backend is back.
  ['backend-outage', () => backendOutageScenario({ leases: n(1000), downMs: 15_000, worker: { slow_retry_seconds: 60, sweep_interval_seconds: 5 } })],
  ['redis-restart', () => redisRestartScenario({ agents: n(8), leasesPerTask: 5, downMs: 5000, afterMs: 3000 })],
  ['duplicate-webhooks', () => duplicateWebhooksScenario({ leases: n(100), deliveries: n(5000), freshIds: n(500), parallel: 100 })],
  ['big-task', () => bigTaskScenario({ leases: n(3000), workers: 2 })],
  ['multi-process', () => multiProcessScenario({ agents: n(8), leasesPerTask: 4, runMs: 6000 })],
];

const rows: ScenarioResult[] = [];
for (const [name, run] of scenarios) {
  if (only && !name.includes(only)) continue;
  process.stderr.write(`chaos: ${name} …\n`);
  const started = Date.now();
  const r = await run();
  rows.push(r);
  process.stderr.write(`chaos: ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s ${JSON.stringify(r.notes)}\n`);
}

const header = ['scenario', 'leases', 'lost', 'revoked', 'p99 to revoked'];
const table = rows.map((r) => [r.scenario, String(r.leases), String(r.lost), String(r.revoked), Number.isFinite(r.p99Ms) ? `${r.p99Ms} ms` : '-']);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(`\nTessera chaos (scale ${scale})\n`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of table) console.log(line(row));
console.log('');
for (const r of rows) console.log(`${r.scenario}: ${Object.entries(r.notes).map(([k, v]) => `${k}=${v}`).join(', ')}`);
process.exit(rows.every((r) => r.lost === 0 && r.revoked === r.leases) ? 0 : 1);
