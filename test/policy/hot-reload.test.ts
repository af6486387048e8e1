import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditLog } from '../../src/audit/audit-log.js';
import type { AuditEvent } from '../../src/audit/event.js';
import { PolicyMetrics } from '../../src/policy/policy-metrics.js';
import { PolicyReloader } from '../../src/policy/policy-reloader.js';
import { eventually } from '../support/stack.js';
import { agent, cedarEngine, policyDir, request, task } from './helpers.js';

const PERMIT = `@id("open") permit (principal, action, resource);\n`;
const FORBID = `@id("closed") forbid (principal, action == Tessera::Action::"declare_task", resource);\n`;
const BROKEN = `permit (principal, action, resource) when { context.nope };\n`;
const declare = () => request('declare_task', agent('a1'), task());

let reloaders: PolicyReloader[] = [];
afterEach(() => {
  for (const r of reloaders) r.stop();
  reloaders = [];
});

function setup(opts: { watch?: boolean } = {}) {
  const dir = policyDir({ 'main.cedar': PERMIT });
  const engine = cedarEngine(dir);
  const events: AuditEvent[] = [];
  const audit = { recordBestEffort: async (e: AuditEvent) => void events.push(e) } as unknown as AuditLog;
  const registry = new Registry();
  const metrics = new PolicyMetrics(registry);
  const reloader = new PolicyReloader(engine, { dir, watch: opts.watch ?? false, debounceMs: 30, log: pino({ level: 'silent' }), audit, metrics });
  reloaders.push(reloader);
  const count = async (outcome: string) =>
    (await registry.getSingleMetric('tessera_policy_reloads_total')!.get()).values.filter((v) => v.labels.outcome === outcome).reduce((n, v) => n + v.value, 0);
  return { dir, engine, events, reloader, count, write: (name: string, text: string) => writeFileSync(join(dir, name), text) };
}

describe('policy hot reload', () => {
  it('swaps in a valid new set and audits it', async () => {
    const s = setup();
    const before = s.engine.active.sha256;
    expect((await s.engine.decide(declare())).allow).toBe(true);
    s.write('more.cedar', FORBID);
    const r = await s.reloader.reload('manual');
    expect(r).toMatchObject({ status: 'reloaded', policies: 2 });
    expect(await s.engine.decide(declare())).toMatchObject({ allow: false, policies: ['closed'] });
    expect(s.events).toEqual([expect.objectContaining({ type: 'policy.reloaded', outcome: 'success', detail: expect.objectContaining({ previous_version: before, policies: 2 }) })]);
    expect(await s.count('success')).toBe(1);
  });

  it('refuses an invalid set: the old one stays, the error is audited and counted', async () => {
    const s = setup();
    const before = s.engine.active.sha256;
    s.write('broken.cedar', `${FORBID}${BROKEN}`);
    const r = await s.reloader.reload('manual');
    expect(r.status).toBe('failed');
    expect(r.status === 'failed' && r.problems[0]).toMatch(/broken\.cedar:2:\d+: .*nope/);
    expect(s.engine.active.sha256).toBe(before);
    // Not even the valid forbid of the refused set is in force: the swap is all or nothing.
    expect((await s.engine.decide(declare())).allow).toBe(true);
    expect(s.events).toEqual([
      expect.objectContaining({ type: 'policy.reload_failed', outcome: 'failure', reason: expect.stringMatching(/broken\.cedar:2/), detail: expect.objectContaining({ version_kept: before }) }),
    ]);
    expect(await s.count('failure')).toBe(1);
  });

  it('does nothing when the files did not change', async () => {
    const s = setup();
    expect((await s.reloader.reload('manual')).status).toBe('unchanged');
    expect(s.events).toEqual([]);
  });

  it('reloads on a file change (debounced)', async () => {
    const s = setup({ watch: true });
    s.reloader.start();
    s.write('more.cedar', FORBID);
    await eventually(async () => !(await s.engine.decide(declare())).allow, 5000);
    s.write('broken.cedar', BROKEN);
    await eventually(async () => s.events.some((e) => e.type === 'policy.reload_failed'), 5000);
    expect((await s.engine.decide(declare())).policies).toEqual(['closed']);
    // Several quick writes end in one reload each time the directory settles.
    expect(s.events.filter((e) => e.type === 'policy.reloaded')).toHaveLength(1);
  });

  it('reloads on SIGHUP', async () => {
    const s = setup();
    s.reloader.start();
    s.write('more.cedar', FORBID);
    process.kill(process.pid, 'SIGHUP');
    await eventually(async () => !(await s.engine.decide(declare())).allow, 5000);
    expect(s.events[0]).toMatchObject({ type: 'policy.reloaded', actor: 'policy-reload:sighup' });
  });
});
