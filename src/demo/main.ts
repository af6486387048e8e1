/**
 * `npm run demo`: the whole story on one machine, no Vault or AWS needed.
 * Starts Tessera (and Redis if needed), a local dev OIDC issuer, and an agent that declares a task,
 * gets a broker token, sees it introspect as active, completes the task, sees it inactive, and
 * prints the task's audit trail as a timeline.
 */
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { createTessera } from '../app.js';
import { TesseraClient } from '../client/tessera-client.js';
import { validateConfig } from '../config/load.js';
import { startDevIssuer } from './dev-issuer.js';
import { redisForDemo } from './redis-for-demo.js';
import { renderTimeline } from './timeline.js';

const say = (s = '') => process.stdout.write(s + '\n');
const env = { ...process.env };
env.TESSERA_WEBHOOK_SECRET ??= 'whsec_' + Buffer.from('demo-only-webhook-secret').toString('base64');

const redis = await redisForDemo(env);
if (!redis) {
  say('tessera demo: no Redis found. Start one (`redis-server --port 6379`) or set REDIS_URL=redis://host:port, then run `npm run demo` again.');
  process.exit(1);
}

const issuer = await startDevIssuer();
const raw = parse(readFileSync(process.env.TESSERA_CONFIG ?? 'config/demo.yaml', 'utf8')) as { issuers: Array<{ issuer: string }> };
raw.issuers[0]!.issuer = issuer.issuer;
const cfg = validateConfig(raw, 'config/demo.yaml', env);
const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
const tessera = await createTessera(cfg, { env, log, redisUrl: redis.url });
const url = await tessera.listen();
tessera.startWorker();

say('Tessera demo: task-bound credentials for an AI agent');
say(`  Tessera      ${url}  (Redis: ${redis.how})`);
say(`  OIDC issuer  ${issuer.issuer}  (local dev issuer standing in for SPIFFE / Kubernetes / CI)`);
say();

const subject = 'spiffe://demo.example/agent/ticket-summariser';
const agent = new TesseraClient({ baseUrl: url, token: () => issuer.mint({ sub: subject, aud: 'tessera', ttlSeconds: 300 }) });
let failed = false;
try {
  say(`1. The agent (${subject}) declares its task`);
  const task = await agent.declareTask({
    intent: 'summarise ticket 4412 and post a comment',
    scopes: [{ profile: 'github-comment', resources: ['repo:acme/web'] }],
    ttl_seconds: 600,
    labels: { ticket: '4412' },
  });
  say(`   → ${task.task_id}  status=${task.status}  expires_at=${task.expires_at}`);

  say('2. It asks for a credential for one declared resource');
  const grant = await agent.getCredential(task.task_id, { profile: 'github-comment', resources: ['repo:acme/web'], ttl_seconds: 120, reason: 'post the summary' });
  const token = grant.credential.token as string;
  say(`   → ${grant.lease_id}  ${grant.credential.type} token for ${String(grant.credential.audience)}, ttl=${grant.ttl_seconds}s, revocation=${grant.revocation}`);
  say(`     token: ${token.slice(0, 24)}… (the broker keeps only its SHA-256)`);

  say('3. A downstream tool introspects the token (RFC 7662)');
  const before = await agent.introspect(token);
  say(`   → active=${before.active}  sub=${String(before.sub)}  task_id=${String(before.task_id)}  scope=${String(before.scope)}`);

  say('4. Asking for something the task never declared is refused');
  try {
    await agent.getCredential(task.task_id, { profile: 'github-comment', resources: ['repo:acme/payroll'] });
    say('   → unexpectedly issued!');
    failed = true;
  } catch (err) {
    say(`   → refused: ${(err as Error).message}`);
  }

  say('5. The agent completes its task; the revocation worker tears everything down');
  const started = Date.now();
  await agent.completeTask(task.task_id);
  const done = await agent.waitForTask(task.task_id, ['completed'], 10_000);
  say(`   → task ${done.status} in ${Date.now() - started} ms; lease ${done.leases?.[0]?.status}`);

  const after = await agent.introspect(token);
  say(`6. The same token now introspects as active=${after.active}`);
  if (before.active !== true || after.active !== false) failed = true;

  say();
  say(`Audit trail of ${task.task_id}:`);
  say(renderTimeline(await agent.taskAudit(task.task_id)));
} catch (err) {
  failed = true;
  say(`demo failed: ${(err as Error).message}`);
} finally {
  await tessera.close();
  await issuer.close();
  await redis.owned?.stop();
}
say();
say(failed ? 'Demo FAILED.' : 'Demo complete: the credential lived exactly as long as its task.');
process.exit(failed ? 1 : 0);
