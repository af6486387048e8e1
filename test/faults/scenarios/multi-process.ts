import { FAULT_WORKER, percentile, startFaultEnv, waitFinal, type ScenarioResult } from '../harness.js';

/**
 * Several API processes and several workers against one Redis: agents declare on one API process, get
 * credentials from another and complete through a third; one API process and one worker are SIGKILLed
 * mid-run. Every lease must still end revoked and no credential stay live.
 */
export async function multiProcessScenario(opts: { agents: number; leasesPerTask: number; runMs: number; worker?: Partial<typeof FAULT_WORKER> }): Promise<ScenarioResult> {
  const fe = await startFaultEnv({ workers: 2, ...(opts.worker ? { worker: opts.worker } : {}) });
  try {
    const apis = [await fe.spawn('api'), await fe.spawn('api')];
    const urls = [fe.stack.url, apis[0]!.url, apis[1]!.url];
    const dead = new Set<string>();
    const tokens = await Promise.all(Array.from({ length: opts.agents }, (_, i) => fe.stack.token(`agent-mp-${i}`)));
    const granted = new Set<string>();
    let errors = 0;
    let stop = false;
    let turn = 0;
    const post = async (token: string, path: string, body: unknown): Promise<{ status: number; json: Record<string, any> }> => {
      const alive = urls.filter((u) => !dead.has(u));
      const url = alive[turn++ % alive.length]!;
      try {
        const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
        return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, any> };
      } catch {
        errors++; // the process answering died under the request; an agent retries elsewhere
        return { status: 0, json: {} };
      }
    };
    const loop = async (token: string) => {
      while (!stop) {
        const t = await post(token, '/v1/tasks', { intent: 'spread over processes', scopes: [{ profile: 'fault' }], ttl_seconds: 600 });
        if (t.status !== 201) continue;
        for (let k = 0; k < opts.leasesPerTask; k++) {
          const g = await post(token, `/v1/tasks/${t.json.task_id}/credentials`, { profile: 'fault' });
          if (g.status === 201) granted.add(g.json.lease_id as string);
        }
        await post(token, `/v1/tasks/${t.json.task_id}/complete`, {});
      }
    };
    const t0 = Date.now();
    const loops = tokens.map(loop);
    await new Promise((r) => setTimeout(r, opts.runMs / 3));
    dead.add(apis[0]!.url);
    await Promise.all([apis[0]!.kill(), fe.workers[0]!.kill()]);
    await new Promise((r) => setTimeout(r, (2 * opts.runMs) / 3));
    stop = true;
    await Promise.all(loops);

    // The orchestrator completes whatever its agents still have open.
    const store = fe.stack.tessera.deps.taskStore;
    const taskIds: string[] = [];
    for (let i = 0; i < tokens.length; i++) {
      for (const id of await store.byAgent(fe.stack.issuer.issuer, `agent-mp-${i}`, 100_000)) {
        taskIds.push(id);
        await fetch(`${fe.stack.url}/v1/tasks/${id}/complete`, { method: 'POST', headers: { authorization: `Bearer ${tokens[i]}`, 'content-type': 'application/json' }, body: '{}' }).then((r) => r.arrayBuffer());
      }
    }
    const leases = await waitFinal(fe, taskIds, 60_000);
    const final = leases.filter((l) => l.status === 'revoked' || l.status === 'expired');
    const ids = new Set(leases.map((l) => l.id));
    const live = fe.double.live().length;
    return {
      scenario: '3 API + 2 worker processes, one of each SIGKILLed',
      leases: leases.length,
      lost: [...granted].filter((id) => !ids.has(id)).length + (leases.length - final.length) + live,
      revoked: final.length,
      p99Ms: percentile(leases.filter((l) => l.revokedAt && l.revokeRequestedAt).map((l) => l.revokedAt! - l.revokeRequestedAt!), 99),
      notes: {
        granted_to_clients: granted.size,
        tasks: taskIds.length,
        client_errors: errors,
        interrupted_mints: leases.filter((l) => l.lastError === 'mint did not complete').length,
        live_credentials_after: live,
        run_ms: Date.now() - t0,
      },
    };
  } finally {
    await fe.close();
  }
}
