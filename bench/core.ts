/**
 * Core benchmark: credential issuance through Tessera (HTTP, identity, task, audit, lease, BullMQ job,
 * broker-token mint) against an in-process floor measured in the same run: the floor is the same
 * cryptography (verify one ES256 workload JWT, sign one ES256 broker token) plus one loopback HTTP
 * round trip, with no Redis and no queue.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, createLocalJWKSet, generateKeyPair, exportJWK, jwtVerify } from 'jose';
import { pino } from 'pino';
import { createTessera } from '../src/app.js';
import { TesseraClient } from '../src/client/tessera-client.js';
import { validateConfig } from '../src/config/load.js';
import { startDevIssuer } from '../src/demo/dev-issuer.js';
import { startRedisServer } from '../src/demo/local-redis.js';
import { ms, summary, timeEach } from './stats.js';

export async function runCoreBench(n = 1000): Promise<Record<string, number>> {
  const redis = await startRedisServer();
  const issuer = await startDevIssuer();
  const env = { ...process.env, BENCH_WEBHOOK_SECRET: 'whsec_YmVuY2g=' };
  const cfg = validateConfig(
    {
      server: { dev_mode: true, port: 0 },
      issuers: [{ issuer: issuer.issuer, audiences: ['tessera'], algorithms: ['ES256'] }],
      profiles: { tool: { backend: 'broker-token', audience: 'https://tool.example', max_ttl_seconds: 600 } },
    },
    'bench',
    env,
  );
  const tessera = await createTessera(cfg, { env, log: pino({ level: 'silent' }), redisUrl: redis.url });
  const url = await tessera.listen(0, '127.0.0.1');
  tessera.startWorker();
  const workload = await issuer.mint({ sub: 'bench-agent', aud: 'tessera', ttlSeconds: 3600 });
  const agent = new TesseraClient({ baseUrl: url, token: workload });
  const task = await agent.declareTask({ intent: 'benchmark', scopes: [{ profile: 'tool' }], ttl_seconds: 3600 });

  // Floor: the same crypto and one loopback HTTP round trip, in-process, no Redis.
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256' }] });
  const wlKey = await generateKeyPair('ES256');
  const wlJwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(wlKey.publicKey)), kid: 'w', alg: 'ES256' }] });
  const wl = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'w' }).setIssuer('i').setAudience('tessera').setSubject('s').setExpirationTime('1h').sign(wlKey.privateKey);
  const floorServer = createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      await jwtVerify(wl, wlJwks, { algorithms: ['ES256'], issuer: 'i', audience: 'tessera' });
      const t = await new SignJWT({ task_id: 't' }).setProtectedHeader({ alg: 'ES256', kid: 'k' }).setAudience('a').setExpirationTime('5m').sign(privateKey);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ credential: { token: t } }));
    });
  });
  await new Promise<void>((r) => floorServer.listen(0, '127.0.0.1', () => r()));
  const floorUrl = `http://127.0.0.1:${(floorServer.address() as AddressInfo).port}/`;
  void jwks;

  const floor = await timeEach(n, () => fetch(floorUrl, { method: 'POST', body: '{}' }).then((r) => r.json()));
  const issue = await timeEach(n, () => agent.getCredential(task.task_id, { profile: 'tool', ttl_seconds: 600 }));

  // Throughput with 16 requests in flight.
  const inflight = 16;
  const total = n;
  const t0 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next++ < total) await agent.getCredential(task.task_id, { profile: 'tool', ttl_seconds: 600 });
    }),
  );
  const throughput = total / ((Date.now() - t0) / 1000);

  // Revocation: complete a task holding 500 leases; time until all are revoked.
  const big = await agent.declareTask({ intent: 'revocation bench', scopes: [{ profile: 'tool' }], ttl_seconds: 3600 });
  for (let i = 0; i < 500; i++) await agent.getCredential(big.task_id, { profile: 'tool' });
  const r0 = Date.now();
  await agent.completeTask(big.task_id);
  await agent.waitForTask(big.task_id, ['completed'], 60_000);
  const revokeAllMs = Date.now() - r0;

  await agent.completeTask(task.task_id);
  await new Promise<void>((r) => floorServer.close(() => r()));
  await tessera.close();
  await issuer.close();
  await redis.stop();

  const f = summary(floor);
  const s = summary(issue);
  console.log('\nCore: credential issuance (broker-token), sequential, n=%d', n);
  console.log('  %s  p50 %s  p99 %s', 'in-process floor (verify JWT + sign JWT + loopback HTTP)'.padEnd(58), ms(f.p50), ms(f.p99));
  console.log('  %s  p50 %s  p99 %s', 'Tessera POST /v1/tasks/{id}/credentials'.padEnd(58), ms(s.p50), ms(s.p99));
  console.log('  ratio to floor: p50 %sx, p99 %sx;  overhead p99 %s', (s.p50 / f.p50).toFixed(2), (s.p99 / f.p99).toFixed(2), ms(s.p99 - f.p99));
  console.log('  throughput with %d in flight: %s credentials/s', inflight, throughput.toFixed(0));
  console.log('  completion of a task with 500 leases → all revoked in %d ms', revokeAllMs);
  return {
    floor_p50_ms: f.p50,
    floor_p99_ms: f.p99,
    issue_p50_ms: s.p50,
    issue_p99_ms: s.p99,
    ratio_p50: s.p50 / f.p50,
    ratio_p99: s.p99 / f.p99,
    throughput_per_s: throughput,
    revoke_500_ms: revokeAllMs,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCoreBench(Number(process.env.BENCH_N ?? 1000));
  process.exit(0);
}
