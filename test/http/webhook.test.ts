import { describe, expect, it } from 'vitest';
import { signWebhook } from '../../src/webhooks/standard-webhooks.js';
import { useStack, WEBHOOK_SECRET } from '../support/stack.js';

const s = useStack();

async function deliver(body: string, opts: { id?: string; ts?: number; secret?: string; signature?: string } = {}) {
  const id = opts.id ?? `msg_${Math.random().toString(36).slice(2)}`;
  const ts = opts.ts ?? Math.floor(Date.now() / 1000);
  const signature = opts.signature ?? signWebhook(opts.secret ?? WEBHOOK_SECRET, id, ts, body);
  const res = await fetch(`${s.url}/v1/hooks/task-complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, type: res.headers.get('content-type') };
}

describe('task-complete webhook', () => {
  it('completes the task and revokes its leases on a valid signature', async () => {
    const agent = s.agent('hooked');
    const task = await agent.declareTask({ intent: 'orchestrated', scopes: [{ profile: 'ticket-read' }] });
    const g = await agent.getCredential(task.task_id, { profile: 'ticket-read' });
    const r = await deliver(JSON.stringify({ task_id: task.task_id, outcome: 'succeeded' }));
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ task_id: task.task_id, status: 'completing' });
    await agent.waitForTask(task.task_id, ['completed']);
    expect((await agent.introspect(g.credential.token as string)).active).toBe(false);
    expect((await agent.taskAudit(task.task_id)).some((e) => e.type === 'webhook.received')).toBe(true);
  });

  it('returns the first result for a repeated webhook-id and does no new work', async () => {
    const agent = s.agent('dup');
    const task = await agent.declareTask({ intent: 'dup', scopes: [{ profile: 'ticket-read' }] });
    const body = JSON.stringify({ task_id: task.task_id });
    const first = await deliver(body, { id: 'msg_dup_1' });
    const again = await Promise.all(Array.from({ length: 5 }, () => deliver(body, { id: 'msg_dup_1' })));
    expect(first.status).toBe(202);
    for (const r of again) expect(r).toMatchObject({ status: 202, body: first.body });
    const received = (await agent.taskAudit(task.task_id)).filter((e) => e.type === 'webhook.received');
    expect(received).toHaveLength(1);
  });

  it('accepts any of several secrets (rotation) and a space-separated signature list', async () => {
    const agent = s.agent('rot');
    const task = await agent.declareTask({ intent: 'rot', scopes: [{ profile: 'ticket-read' }] });
    const body = JSON.stringify({ task_id: task.task_id });
    const id = 'msg_rot';
    const ts = Math.floor(Date.now() / 1000);
    const good = signWebhook(WEBHOOK_SECRET, id, ts, body);
    const bad = signWebhook('whsec_' + Buffer.from('old secret').toString('base64'), id, ts, body);
    const r = await deliver(body, { id, ts, signature: `${bad} ${good}` });
    expect(r.status).toBe(202);
  });

  it.each([
    ['a wrong secret', { secret: 'whsec_' + Buffer.from('nope').toString('base64') }],
    ['a stale timestamp (301 s old)', { tsOffset: -301 }],
    ['a timestamp from the future (302 s)', { tsOffset: 302 }],
    ['a garbage signature', { signature: 'v1,AAAA' }],
    ['an unsupported version', { signature: 'v2,' + Buffer.alloc(32).toString('base64') }],
  ] as Array<[string, { secret?: string; signature?: string; tsOffset?: number }]>)('refuses %s with 401 webhook_signature_invalid', async (_name, opts) => {
    const task = await s.agent('victim').declareTask({ intent: 'keep me', scopes: [{ profile: 'ticket-read' }] });
    const { tsOffset, ...rest } = opts;
    const r = await deliver(JSON.stringify({ task_id: task.task_id }), { ...rest, ...(tsOffset ? { ts: Math.floor(Date.now() / 1000) + tsOffset } : {}) });
    expect(r.status).toBe(401);
    expect(r.type).toContain('application/problem+json');
    expect(r.body.code).toBe('webhook_signature_invalid');
    expect((await s.agent('victim').getTask(task.task_id)).status).toBe('active');
  });

  it('refuses an altered body', async () => {
    const agent = s.agent('tamper');
    const keep = await agent.declareTask({ intent: 'keep', scopes: [{ profile: 'ticket-read' }] });
    const other = await agent.declareTask({ intent: 'other', scopes: [{ profile: 'ticket-read' }] });
    const id = 'msg_tamper';
    const ts = Math.floor(Date.now() / 1000);
    const sig = signWebhook(WEBHOOK_SECRET, id, ts, JSON.stringify({ task_id: other.task_id }));
    const r = await deliver(JSON.stringify({ task_id: keep.task_id }), { id, ts, signature: sig });
    expect(r.status).toBe(401);
    expect((await agent.getTask(keep.task_id)).status).toBe('active');
  });

  it('answers 404 task_not_found for an unknown task, signed correctly', async () => {
    const r = await deliver(JSON.stringify({ task_id: 'tsk_AAAAAAAAAAAAAAAAAAAAAA' }));
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('task_not_found');
  });
});
