import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TesseraClient } from '../../src/client/tessera-client.js';
import { startDevIssuer, type DevIssuer } from '../../src/demo/dev-issuer.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { testConfig } from '../support/stack.js';

let redis: TestRedis;
let issuer: DevIssuer;
beforeAll(async () => {
  redis = await startRedis();
  issuer = await startDevIssuer();
});
afterAll(async () => {
  await issuer?.close();
  await redis?.stop();
});

describe('the tessera process (npm start)', () => {
  it('serves requests, runs its worker in-process, and stops gracefully on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-main-'));
    const file = join(dir, 'tessera.yaml');
    writeFileSync(file, stringify(testConfig(issuer.issuer)));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, TESSERA_CONFIG: file, REDIS_URL: redis.url, TEST_WEBHOOK_SECRET: 'whsec_dGVzdA==', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line:\n${out}`)), 20_000);
      child.stdout.on('data', () => {
        const m = /"url":"(http:\/\/[^"]+)".*tessera listening/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const agent = new TesseraClient({ baseUrl: url, token: () => issuer.mint({ sub: 'proc-agent', aud: 'tessera' }) });
    const task = await agent.declareTask({ intent: 'process test', scopes: [{ profile: 'ticket-read' }] });
    const grant = await agent.getCredential(task.task_id, { profile: 'ticket-read' });
    await agent.completeTask(task.task_id);
    const done = await agent.waitForTask(task.task_id, ['completed'], 10_000);
    expect(done.leases?.[0]).toMatchObject({ lease_id: grant.lease_id, status: 'revoked' });
    // The token never reaches the log.
    expect(out).not.toContain((grant.credential.token as string).split('.')[2]);

    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(out).toContain('shutting down gracefully');
  });
});
