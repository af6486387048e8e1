import { percentile, startFaultEnv, waitFinal, type FaultEnv, type ScenarioResult } from '../harness.js';

/** One HTTP answer as a client saw it. */
interface Answer {
  status: number;
  code?: string;
  problemJson: boolean;
  retryAfter: string | null;
  body: Record<string, any>;
}

/**
 * Agents keep declaring tasks, obtaining credentials and completing tasks while Redis (append-only, as
 * in production) is SIGKILLed and restarted. Afterwards every task the agents own is completed (as an
 * orchestrator retrying its calls would). No lease may be lost, no credential may stay live past its
 * task, and every refusal while Redis was away must be a clear 503 problem+json with Retry-After.
 */
export async function redisRestartScenario(opts: { agents: number; leasesPerTask: number; downMs: number; afterMs: number }): Promise<ScenarioResult> {
  const fe = await startFaultEnv({ appendonly: true, workers: 1 });
  try {
    const tokens = await Promise.all(Array.from({ length: opts.agents }, (_, i) => fe.stack.token(`agent-redis-${i}`)));
    const granted = new Map<string, string>();
    const answers: Answer[] = [];
    let outage = false;
    const duringOutage: Answer[] = [];
    let stop = false;
    const call = async (token: string, method: string, path: string, body?: unknown): Promise<Answer> => {
      const res = await fetch(`${fe.stack.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
      const text = await res.text();
      const json = (text ? JSON.parse(text) : {}) as Record<string, any>;
      const a: Answer = { status: res.status, code: json.code, problemJson: (res.headers.get('content-type') ?? '').includes('application/problem+json'), retryAfter: res.headers.get('retry-after'), body: json };
      answers.push(a);
      if (outage) duringOutage.push(a);
      return a;
    };
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const loop = async (token: string) => {
      while (!stop) {
        const t = await call(token, 'POST', '/v1/tasks', { intent: 'work through a Redis restart', scopes: [{ profile: 'fault' }], ttl_seconds: 300 });
        if (t.status !== 201) {
          await pause(50);
          continue;
        }
        for (let k = 0; k < opts.leasesPerTask && !stop; k++) {
          const g = await call(token, 'POST', `/v1/tasks/${t.body.task_id}/credentials`, { profile: 'fault' });
          if (g.status === 201) granted.set(g.body.lease_id as string, t.body.task_id as string);
          else await pause(50);
        }
        await call(token, 'POST', `/v1/tasks/${t.body.task_id}/complete`, {});
      }
    };
    const loops = tokens.map(loop);
    await pause(1000);
    outage = true;
    await fe.redis.kill();
    await pause(opts.downMs);
    await fe.redis.restart();
    outage = false;
    await pause(opts.afterMs);
    stop = true;
    await Promise.all(loops);

    // The orchestrator finishes its job: every task of every agent is completed (retrying until Redis answers).
    const taskIds = await completeAll(fe, tokens);
    const leases = await waitFinal(fe, taskIds, 60_000);
    const final = leases.filter((l) => l.status === 'revoked' || l.status === 'expired');
    const inRedis = new Set(leases.map((l) => l.id));
    const missing = [...granted.keys()].filter((id) => !inRedis.has(id)).length;
    const live = fe.double.live().length;
    const unavailable = duringOutage.filter((a) => a.status === 503);
    const clear = unavailable.filter((a) => a.problemJson && a.retryAfter && ['store_unavailable', 'audit_unavailable'].includes(a.code ?? ''));
    const otherErrors = answers.filter((a) => a.status >= 500 && a.status !== 503);
    return {
      scenario: `Redis SIGKILL + restart (${Math.round(opts.downMs / 1000)} s away)`,
      leases: leases.length,
      lost: missing + (leases.length - final.length) + live,
      revoked: final.length,
      p99Ms: percentile(
        leases.filter((l) => l.revokedAt && l.revokeRequestedAt).map((l) => l.revokedAt! - l.revokeRequestedAt!),
        99,
      ),
      notes: {
        granted_to_clients: granted.size,
        minted_in_backend: fe.double.credentials.size,
        missing_in_redis: missing,
        live_credentials_after: live,
        tasks: taskIds.length,
        answers_while_down: duringOutage.length,
        http_503_while_down: unavailable.length,
        http_503_clear: clear.length,
        store_unavailable: unavailable.filter((a) => a.code === 'store_unavailable').length,
        other_5xx: otherErrors.length,
        other_5xx_codes: [...new Set(otherErrors.map((a) => `${a.status}:${a.code}`))].join(' ') || '-',
        interrupted_mints: leases.filter((l) => l.lastError === 'mint did not complete').length,
      },
    };
  } finally {
    await fe.close();
  }
}

/** Complete every task each agent owns, retrying while Redis is still coming back. */
async function completeAll(fe: FaultEnv, tokens: string[]): Promise<string[]> {
  const store = fe.stack.tessera.deps.taskStore;
  const ids: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const own = await retry(() => store.byAgent(fe.stack.issuer.issuer, `agent-redis-${i}`, 100_000));
    for (const id of own) {
      ids.push(id);
      await retry(async () => {
        const res = await fetch(`${fe.stack.url}/v1/tasks/${id}/complete`, { method: 'POST', headers: { authorization: `Bearer ${tokens[i]}`, 'content-type': 'application/json' }, body: '{}' });
        await res.arrayBuffer();
        if (res.status >= 500) throw new Error(`complete answered ${res.status}`);
      });
    }
  }
  return ids;
}

async function retry<T>(fn: () => Promise<T>, attempts = 100): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
