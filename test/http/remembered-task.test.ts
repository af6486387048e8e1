import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keys } from '../../src/store/keys.js';
import { AgentBlocklist } from '../../src/tasks/agent-blocklist.js';
import { TaskStore } from '../../src/tasks/task-store.js';
import { useStack } from '../support/stack.js';

const s = useStack();

/**
 * A credential request for a task this process already read skips reading it again. These tests act
 * on the task and the agent through a second connection, as another Tessera process would.
 */
describe('tasks remembered by the credential path', () => {
  let other: Redis;
  let keys: Keys;
  beforeAll(() => {
    other = new Redis(s.redis.url);
    keys = new Keys(s.cfg.redis.key_prefix);
  });
  afterAll(() => {
    other.disconnect();
  });

  const leaseCount = (taskId: string) => other.scard(keys.taskLeases(taskId));

  it("does not read the task again for its later requests (its declared facts don't change)", async () => {
    const agent = s.agent('agent-remembered');
    const task = await agent.declareTask({ intent: 'original intent', scopes: [{ profile: 'ticket-read' }] });
    await agent.getCredential(task.task_id, { profile: 'ticket-read' });
    // Only a direct write can change a declared fact; the next request still sees what was read.
    await other.hset(keys.task(task.task_id), 'intent', 'rewritten behind our back');
    await agent.getCredential(task.task_id, { profile: 'ticket-read' });
    const minted = (await agent.taskAudit(task.task_id)).filter((e) => e.type === 'credential.minted');
    expect(minted.map((e) => e.intent)).toEqual(['original intent', 'original intent']);
  });

  it('refuses a remembered task that another process closed, before anything is minted, and reads it afresh next time', async () => {
    const agent = s.agent('agent-closed-elsewhere');
    const task = await agent.declareTask({ intent: 'closed elsewhere', scopes: [{ profile: 'ticket-read' }] });
    await agent.getCredential(task.task_id, { profile: 'ticket-read' });
    const res = await new TaskStore(other, keys).close(task.task_id, 'completing', Date.now(), 'cancelled');
    expect(res.changed).toBe(true);

    await expect(agent.getCredential(task.task_id, { profile: 'ticket-read' })).rejects.toMatchObject({ status: 409, code: 'task_closed' });
    expect(await leaseCount(task.task_id)).toBe(1);
    // Forgotten after the refusal: the next request is refused by the task check itself, with its status.
    await expect(agent.getCredential(task.task_id, { profile: 'ticket-read' })).rejects.toMatchObject({ status: 409, code: 'task_closed', detail: expect.stringContaining('completing') });
    expect(await leaseCount(task.task_id)).toBe(1);
    const refusals = (await agent.taskAudit(task.task_id)).filter((e) => e.type === 'decision' && e.outcome === 'deny');
    expect(refusals.map((e) => e.reason)).toEqual(['task_closed', 'task_closed']);
  });

  it('refuses an agent that another process blocked, before anything is minted, even for a remembered task', async () => {
    const sub = 'agent-blocked-elsewhere';
    const agent = s.agent(sub);
    const task = await agent.declareTask({ intent: 'blocked elsewhere', scopes: [{ profile: 'ticket-read' }] });
    await agent.getCredential(task.task_id, { profile: 'ticket-read' });
    const blocklist = new AgentBlocklist(other, keys);
    const identity = { issuer: s.issuer.issuer, subject: sub };
    await blocklist.block(identity, 'test');

    await expect(agent.getCredential(task.task_id, { profile: 'ticket-read' })).rejects.toMatchObject({ status: 403, code: 'agent_blocked' });
    expect(await leaseCount(task.task_id)).toBe(1);
    const refusals = (await agent.taskAudit(task.task_id)).filter((e) => e.type === 'decision' && e.outcome === 'deny');
    expect(refusals.map((e) => e.reason)).toEqual(['agent_blocked']);

    await blocklist.unblock(identity);
    await agent.getCredential(task.task_id, { profile: 'ticket-read' });
    expect(await leaseCount(task.task_id)).toBe(2);
  });
});
