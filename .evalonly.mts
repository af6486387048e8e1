import { CedarPolicy } from './src/policy/cedar-policy.ts';
import { compilePolicies } from './src/policy/policy-compiler.ts';
import { readPolicyDir } from './src/policy/policy-files.ts';
import { benchPolicyDir } from './bench/policy-fixtures.ts';
const ISSUER = 'https://issuer.bench';
const agent = { issuer: ISSUER, subject: 'spiffe://acme/agent/bench', claims: { iss: ISSUER, sub: 'spiffe://acme/agent/bench', aud: 'tessera', iat: 1750000000, exp: 1750000600, team: 'blue', repository: 'acme/web', tessera_access: 'read-write' } };
const { dir } = benchPolicyDir(50);
const cedar = new CedarPolicy(compilePolicies(readPolicyDir(dir)), { profiles: { 'bench-read': { backend: 'broker-token', max_ttl_seconds: 600, approval: 'none' } as any, 'github-comment': { backend: 'broker-token', max_ttl_seconds: 600, approval: 'none' } as any }, timezone: 'UTC' });
const now = Date.now();
const task = { id: 'tsk_benchbenchbenchbench', agent, intent: 'summarise ticket 4412', scopes: [{ profile: 'bench-read', resources: ['repo:acme/web'] }, { profile: 'github-comment' }], labels: { ticket: '4412', change: 'CHG-1' }, status: 'active', createdAt: now, expiresAt: now + 900000, parentTaskId: null, depth: 0, ttlClampedBy: null, outcome: null, endedAt: null, openLeases: 0 } as any;
const req = () => ({ action: 'request_credential' as const, identity: agent, task, profile: 'bench-read', resources: ['repo:acme/web'], ttlSeconds: 60, context: { ip: '127.0.0.1', now: Date.now() } });
for (let i = 0; i < 1000; i++) await cedar.decide(req());
const ts: number[] = [];
for (let i = 0; i < 20000; i++) { const t = process.hrtime.bigint(); await cedar.decide(req()); ts.push(Number(process.hrtime.bigint() - t) / 1e3); }
ts.sort((a, b) => a - b);
console.log('p50', ts[10000]!.toFixed(0), 'p90', ts[18000]!.toFixed(0), 'p99', ts[19800]!.toFixed(0), 'min', ts[0]!.toFixed(0));
