import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/tessera.js';
import { FIXTURE_CONFIG, ISSUER, policyDir } from './helpers.js';

/** Run the CLI in-process; returns exit code, stdout and stderr. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string; json: any }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => void (out += s), stderr: (s) => void (err += s), env: {} });
  let json: any;
  try {
    json = JSON.parse(out);
  } catch {
    json = undefined;
  }
  return { code, out, err, json };
}

const id = (claims: Record<string, unknown> = {}) => JSON.stringify({ issuer: ISSUER, subject: 'agent-1', claims });
const deployTask = JSON.stringify({ intent: 'ship release 42', scopes: [{ profile: 'deploy' }], time_left_seconds: 1800 });
const base = ['policy', 'check', '--config', FIXTURE_CONFIG];

describe('tessera policy check', () => {
  it('allows, with the deciding policies and the evaluated request', async () => {
    const r = await cli(...base, '--identity', id(), '--task', deployTask, '--request', '{"profile":"deploy","ttl_seconds":120}', '--at', '2025-06-03T10:00:00Z');
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ decision: 'allow', action: 'request_credential', policies: ['builtin:default-allow', 'base-request-declared-profile'], would_issue: true });
    expect(r.json.engines[1].evaluated.context.request.ttl_seconds).toBe(120);
  });

  it('denies with exit 1 and names the forbid', async () => {
    const r = await cli(...base, '--identity', id(), '--task', deployTask, '--request', '{"profile":"deploy","ttl_seconds":120}', '--at', '2025-06-07T10:00:00Z');
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ decision: 'deny', policies: ['deploy-working-hours'], reasons: ['forbidden by deploy-working-hours: deploy credentials are issued Mon-Fri 08:00-18:00 only'] });
  });

  it('reports approval required with exit 3, and --expect turns the answer into pass or fail', async () => {
    const args = ['--identity', id(), '--task', deployTask, '--request', '{"profile":"deploy","ttl_seconds":600}', '--at', '2025-06-03T10:00:00Z'];
    const r = await cli(...base, ...args);
    expect(r.code).toBe(3);
    expect(r.json).toMatchObject({ decision: 'approval_required', require_approval: true });
    expect(r.json.engines[1].approval).toEqual([expect.objectContaining({ id: 'deploy-long-ttl-needs-approval', file: 'config/policies/approval-above-ttl.cedar' })]);
    expect((await cli(...base, ...args, '--expect', 'approval_required')).code).toBe(0);
    expect((await cli(...base, ...args, '--expect', 'allow')).code).toBe(1);
  });

  it('reads a whole question from a JSON file and tries a candidate policy directory', async () => {
    const dir = policyDir({ 'p.cedar': '@id("only-declare") permit (principal, action == Tessera::Action::"declare_task", resource);' });
    const input = join(dir, 'question.json');
    writeFileSync(input, JSON.stringify({ identity: JSON.parse(id({ tessera_access: 'read-only' })), task: { intent: 'x', scopes: [{ profile: 'github-comment' }] } }));
    expect((await cli(...base, '--input', input)).json).toMatchObject({ action: 'declare_task', decision: 'deny', policies: ['read-only-no-write-task'] });
    expect((await cli(...base, '--input', input, '--policies', dir)).json).toMatchObject({ decision: 'allow', policies: ['builtin:default-allow', 'only-declare'] });
  });

  it('notes scope problems the real request would meet', async () => {
    const r = await cli(...base, '--identity', id(), '--task', deployTask, '--request', '{"profile":"ticket-read"}', '--at', '2025-06-03T10:00:00Z');
    expect(r.json.checks).toContain('scope_not_declared: the task did not declare ticket-read');
    expect(r.json.would_issue).toBe(false);
  });

  it('exits 2 with a message on bad input or invalid policies', async () => {
    expect(await cli(...base, '--identity', '{nope', '--task', deployTask)).toMatchObject({ code: 2, err: expect.stringContaining('--identity: not valid JSON') });
    expect(await cli(...base, '--identity', id(), '--action', 'request_credential')).toMatchObject({ code: 2, err: expect.stringContaining('request: required') });
    const bad = policyDir({ 'bad.cedar': 'permit (principal, action, resource) when { context.nope };' });
    const r = await cli(...base, '--identity', id(), '--policies', bad);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.cedar:1:\d+: .*nope/);
  });
});

describe('tessera policy validate / schema', () => {
  it('validates a directory', async () => {
    expect(await cli('policy', 'validate', '--policies', 'config/policies')).toMatchObject({ code: 0, out: expect.stringMatching(/policies valid/) });
    expect((await cli('policy', 'validate', '--policies', policyDir({ 'x.cedar': 'permit (' }))).code).toBe(2);
  });

  it('prints the schema', async () => {
    expect((await cli('policy', 'schema')).out).toContain('namespace Tessera');
  });

  it('runs as bin/tessera.mjs', async () => {
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, ['bin/tessera.mjs', 'policy', 'validate', '--policies', 'config/policies']);
    expect(stdout).toMatch(/config\/policies: \d+ policies valid/);
    const denied = await run(process.execPath, ['bin/tessera.mjs', ...base, '--identity', id(), '--task', deployTask, '--request', '{"profile":"deploy"}', '--at', '2025-06-07T10:00:00Z']).catch((e: { code: number; stdout: string }) => e);
    expect((denied as { code: number }).code).toBe(1);
  });
});
