import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TesseraApiError, TesseraClient } from '../../src/client/tessera-client.js';
import { eventually } from '../support/stack.js';
import { startFaultEnv, type FaultEnv } from './harness.js';

let fe: FaultEnv;
beforeAll(async () => {
  fe = await startFaultEnv({ inProcessWorker: true });
});
afterAll(async () => {
  await fe?.close();
});

describe('fault: a crash between mint and "active"', () => {
  it('an API process SIGKILLed mid-mint leaves a pending lease that the sweeper revokes at the backend', async () => {
    const api = await fe.spawn('api');
    const agent = new TesseraClient({ baseUrl: api.url, token: await fe.stack.token('agent-mint-crash') });
    const task = await agent.declareTask({ intent: 'mint, then die', scopes: [{ profile: 'fault' }], ttl_seconds: 600 });
    fe.double.hangMints(true);
    const request = agent.getCredential(task.task_id, { profile: 'fault', ttl_seconds: 600 }).catch((e: unknown) => e);
    const cred = await eventually(async () => [...fe.double.credentials.values()].find((c) => c.taskId === task.task_id));
    await api.kill();
    fe.double.hangMints(false);
    expect(await request).toBeInstanceOf(Error);
    const [pending] = await fe.leases(task.task_id);
    expect(pending?.status).toBe('pending');
    expect(cred.revokedAt).toBeNull(); // the credential works at the backend right now

    const t0 = Date.now();
    await eventually(async () => cred.revokedAt !== null, 10_000);
    const revokedAfterMs = Date.now() - t0;
    const event = await eventually(async () => (await fe.stack.tessera.deps.audit.forTask(task.task_id)).find((e) => e.type === 'lease.revoked'), 5000);
    expect(event).toMatchObject({ lease_id: cred.leaseId, reason: 'mint_not_completed' });
    const [lease] = await fe.leases(task.task_id);
    expect(lease).toMatchObject({ id: cred.leaseId, status: 'revoked', lastError: 'mint did not complete' });
    console.log(`[fault] interrupted mint revoked ${revokedAfterMs} ms after the API process died (pending grace 2 s, sweep every 1 s)`);
  });

  it('a mint that outlasts the pending grace is revoked for real once its data arrives', async () => {
    const agent = await fe.agent('agent-slow-mint');
    const task = await agent.declareTask({ intent: 'slow backend', scopes: [{ profile: 'fault' }], ttl_seconds: 600 });
    fe.double.mintDelay(6000);
    const err = await agent.getCredential(task.task_id, { profile: 'fault' }).catch((e: unknown) => e);
    fe.double.mintDelay(0);
    expect(err).toBeInstanceOf(TesseraApiError);
    expect((err as TesseraApiError).status).toBe(503);
    const cred = [...fe.double.credentials.values()].find((c) => c.taskId === task.task_id)!;
    const lease = await eventually(async () => {
      const [l] = await fe.leases(task.task_id);
      return l?.status === 'revoked' && l.revocationData.credential_id ? l : null;
    }, 10_000);
    expect(lease.revocationData).toEqual({ credential_id: `cred_${cred.leaseId}` });
    expect(cred.revokedAt).not.toBeNull();
    expect(cred.revokeCalls.length).toBeGreaterThanOrEqual(1);
    expect((await fe.stack.tessera.deps.taskStore.get(task.task_id))?.openLeases).toBe(0);
  });
});
