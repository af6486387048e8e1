/**
 * Policy benchmark: Cedar evaluation p50/p99 with 50 policies, and credential issue latency and
 * throughput with the policy step on (Cedar) and off (built-in) in the same run, against real Redis.
 * Cedar remembers answers by exact request (policy.answer_cache_size), so each figure is given for
 * new requests (every evaluation runs Cedar: a different task each time, or the cache off) and for a
 * task's repeated request (answered from memory).
 * `npx tsx bench/policy.ts`, or `runPolicyBench()` from bench/run.ts.
 */
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { createTessera, type Tessera } from '../src/app.js';
import { validateConfig } from '../src/config/load.js';
import type { Identity } from '../src/identity/identity.js';
import { CedarPolicy } from '../src/policy/cedar-policy.js';
import { compilePolicies } from '../src/policy/policy-compiler.js';
import { readPolicyDir } from '../src/policy/policy-files.js';
import type { PolicyRequest } from '../src/policy/policy.js';
import { startRedis } from '../test/support/redis-server.js';
import { benchPolicyDir } from './policy-fixtures.js';

const ISSUER = 'https://issuer.bench';
const agent: Identity = {
  issuer: ISSUER,
  subject: 'spiffe://acme/agent/bench',
  claims: { iss: ISSUER, sub: 'spiffe://acme/agent/bench', aud: 'tessera', iat: 1_750_000_000, exp: 1_750_000_600, team: 'blue', repository: 'acme/web', tessera_access: 'read-write' },
};
const scopes = [{ profile: 'bench-read', resources: ['repo:acme/web'] }, { profile: 'github-comment' }];
const labels = { ticket: '4412', change: 'CHG-1' };

function config(engine: 'builtin' | 'cedar', dir: string, prefix: string, answerCacheSize = 10_000) {
  return validateConfig(
    {
      server: { dev_mode: true, port: 0 },
      redis: { key_prefix: prefix },
      issuers: [{ issuer: ISSUER, audiences: ['tessera'], algorithms: ['ES256'] }],
      profiles: {
        'bench-read': { backend: 'broker-token', audience: 'https://tools.example/read', max_ttl_seconds: 600 },
        'github-comment': { backend: 'broker-token', audience: 'https://tools.example/github', max_ttl_seconds: 600 },
        deploy: { backend: 'broker-token', audience: 'https://deploy.example', max_ttl_seconds: 600 },
      },
      policy: { engine, policies_dir: dir, watch: false, answer_cache_size: answerCacheSize },
    },
    'bench',
    {},
  );
}

function percentiles(samples: number[]): { min: number; p50: number; p99: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { min: s[0]!, p50: at(0.5), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

const round = (n: number, digits = 3) => Number(n.toFixed(digits));

let taskSeq = 0;
/**
 * Evaluate a realistic credential request `n` times; durations in microseconds. `fresh`: each request
 * is for another task (Cedar runs every time); otherwise the same request repeats.
 */
async function evaluations(engine: { decide(r: PolicyRequest): Promise<unknown> }, n: number, fresh: boolean): Promise<number[]> {
  const now = Date.now();
  const base = { id: 'tsk_benchbenchbenchbench', agent, intent: 'summarise ticket 4412 and post a comment', scopes, labels, status: 'active' as const, createdAt: now, expiresAt: now + 900_000, parentTaskId: null, depth: 0, ttlClampedBy: null, outcome: null, endedAt: null, openLeases: 0 };
  const req = (): PolicyRequest => ({
    action: 'request_credential',
    identity: agent,
    task: fresh ? { ...base, id: `tsk_bench${String(++taskSeq).padStart(15, '0')}` } : base,
    profile: 'bench-read',
    resources: ['repo:acme/web'],
    ttlSeconds: 60,
    context: { ip: '127.0.0.1', now: Date.now() },
  });
  // Steady state: let the JIT settle on this path before timing it.
  for (let i = 0; i < 2000; i++) await engine.decide(req());
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await engine.decide(req());
    out.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  return out;
}

/** Issue `n` credentials one after another on one task; durations in milliseconds. */
async function issueLatency(t: Tessera, n: number): Promise<number[]> {
  const { tasks, issuance } = t.deps;
  const ctx = { requestId: 'req_bench', ip: '127.0.0.1' };
  const task = await tasks.declare(agent, { intent: 'summarise ticket 4412 and post a comment', scopes, labels, ttl_seconds: 3000 }, ctx);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await issuance.issue(agent, task.id, { profile: 'bench-read', resources: ['repo:acme/web'], ttl_seconds: 60 }, ctx);
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return out;
}

/** Issue with `concurrency` requests in flight for `ms`; returns credentials per second. */
async function issueThroughput(t: Tessera, concurrency: number, ms: number): Promise<number> {
  const { tasks, issuance } = t.deps;
  const ctx = { requestId: 'req_bench', ip: '127.0.0.1' };
  const task = await tasks.declare(agent, { intent: 'throughput', scopes, labels, ttl_seconds: 3000 }, ctx);
  const deadline = Date.now() + ms;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        await issuance.issue(agent, task.id, { profile: 'bench-read', ttl_seconds: 60 }, ctx);
        done++;
      }
    }),
  );
  return done / (ms / 1000);
}

/** Run the policy benchmark and return its figures (also printed). */
export async function runPolicyBench(opts: { evaluations?: number; issues?: number; rounds?: number; throughputMs?: number } = {}): Promise<Record<string, number>> {
  const load = loadavg()[0] ?? 0;
  const { dir, count } = benchPolicyDir(50);
  const base = config('cedar', dir, 'bench');
  const cedar = new CedarPolicy(compilePolicies(readPolicyDir(dir)), { profiles: base.profiles, timezone: 'UTC' });
  const cpu0 = process.cpuUsage();
  const evalUs = percentiles(await evaluations(cedar, opts.evaluations ?? 5000, true));
  const cpu = process.cpuUsage(cpu0);
  const evalCpuUs = (cpu.user + cpu.system) / ((opts.evaluations ?? 5000) + 2000);
  const repeatUs = percentiles(await evaluations(cedar, opts.evaluations ?? 5000, false));

  const redis = await startRedis();
  const log = pino({ level: 'silent' });
  const off = await createTessera(config('builtin', dir, 'bench-off'), { log, redisUrl: redis.url });
  const on = await createTessera(config('cedar', dir, 'bench-on'), { log, redisUrl: redis.url });
  const uncached = await createTessera(config('cedar', dir, 'bench-nocache', 0), { log, redisUrl: redis.url });
  const layeredUs = percentiles(await evaluations(on.policy.engine, opts.evaluations ?? 5000, true));
  const layeredRepeatUs = percentiles(await evaluations(on.policy.engine, opts.evaluations ?? 5000, false));
  const lat = { off: [] as number[], on: [] as number[], uncached: [] as number[] };
  const rps = { off: [] as number[], on: [] as number[], uncached: [] as number[] };
  try {
    await issueLatency(off, 100);
    await issueLatency(on, 100);
    await issueLatency(uncached, 100);
    // Alternate the modes so machine noise hits them alike.
    for (let r = 0; r < (opts.rounds ?? 4); r++) {
      lat.off.push(...(await issueLatency(off, opts.issues ?? 250)));
      lat.on.push(...(await issueLatency(on, opts.issues ?? 250)));
      lat.uncached.push(...(await issueLatency(uncached, opts.issues ?? 250)));
      rps.off.push(await issueThroughput(off, 16, opts.throughputMs ?? 1500));
      rps.on.push(await issueThroughput(on, 16, opts.throughputMs ?? 1500));
      rps.uncached.push(await issueThroughput(uncached, 16, opts.throughputMs ?? 1500));
    }
  } finally {
    await off.close();
    await on.close();
    await uncached.close();
    await redis.stop();
  }
  const offP = percentiles(lat.off);
  const onP = percentiles(lat.on);
  const uncachedP = percentiles(lat.uncached);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const figures: Record<string, number> = {
    policies: count,
    // Load average when the bench started: the figures are only comparable at similar load.
    load_avg_1m: round(load, 2),
    policy_eval_cpu_us: round(evalCpuUs, 1),
    // The fastest evaluation: the cost without interference from other processes.
    policy_eval_min_us: round(evalUs.min, 1),
    policy_eval_p50_us: round(evalUs.p50, 1),
    policy_eval_p99_us: round(evalUs.p99, 1),
    policy_eval_mean_us: round(evalUs.mean, 1),
    policy_eval_repeat_p50_us: round(repeatUs.p50, 1),
    policy_eval_repeat_p99_us: round(repeatUs.p99, 1),
    policy_step_p50_us: round(layeredUs.p50, 1),
    policy_step_p99_us: round(layeredUs.p99, 1),
    policy_step_repeat_p50_us: round(layeredRepeatUs.p50, 1),
    policy_step_repeat_p99_us: round(layeredRepeatUs.p99, 1),
    issue_off_p50_ms: round(offP.p50),
    issue_off_p99_ms: round(offP.p99),
    issue_on_p50_ms: round(onP.p50),
    issue_on_p99_ms: round(onP.p99),
    issue_uncached_p50_ms: round(uncachedP.p50),
    issue_uncached_p99_ms: round(uncachedP.p99),
    issue_added_p50_ms: round(onP.p50 - offP.p50),
    issue_added_p99_ms: round(onP.p99 - offP.p99),
    issue_added_uncached_p50_ms: round(uncachedP.p50 - offP.p50),
    issue_added_uncached_p99_ms: round(uncachedP.p99 - offP.p99),
    issue_off_per_s: round(mean(rps.off), 1),
    issue_on_per_s: round(mean(rps.on), 1),
    issue_uncached_per_s: round(mean(rps.uncached), 1),
  };
  print(figures);
  return figures;
}

function print(f: Record<string, number>): void {
  console.log(`\n== policy (Cedar, ${f.policies} policies; machine load average ${f.load_avg_1m}: figures are only comparable at similar load)`);
  console.log(`evaluation of a new request (Cedar runs): min ${f.policy_eval_min_us} µs, p50 ${f.policy_eval_p50_us} µs, p99 ${f.policy_eval_p99_us} µs (${f.policy_eval_cpu_us} µs CPU each, GC threads included)`);
  console.log(`evaluation of a repeated request (answer remembered): p50 ${f.policy_eval_repeat_p50_us} µs, p99 ${f.policy_eval_repeat_p99_us} µs`);
  console.log(`policy step as issued (built-in rules + Cedar), new requests: p50 ${f.policy_step_p50_us} µs, p99 ${f.policy_step_p99_us} µs (target p99 < 1000 µs)`);
  console.log(`policy step as issued, repeated request: p50 ${f.policy_step_repeat_p50_us} µs, p99 ${f.policy_step_repeat_p99_us} µs`);
  console.log(`issue, policy off:             p50 ${f.issue_off_p50_ms} ms, p99 ${f.issue_off_p99_ms} ms, ${f.issue_off_per_s}/s with 16 in flight`);
  console.log(`issue, policy on:              p50 ${f.issue_on_p50_ms} ms, p99 ${f.issue_on_p99_ms} ms, ${f.issue_on_per_s}/s with 16 in flight`);
  console.log(`issue, policy on, cache off:   p50 ${f.issue_uncached_p50_ms} ms, p99 ${f.issue_uncached_p99_ms} ms, ${f.issue_uncached_per_s}/s with 16 in flight`);
  console.log(`added by the policy step: p50 ${f.issue_added_p50_ms} ms, p99 ${f.issue_added_p99_ms} ms; with the cache off: p50 ${f.issue_added_uncached_p50_ms} ms, p99 ${f.issue_added_uncached_p99_ms} ms`);
  console.log(JSON.stringify(f));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runPolicyBench();
}


