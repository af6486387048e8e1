/**
 * The deny-list writer against real Redis and a slow, optionally stale in-memory IAM, so that lock
 * holders really interleave: concurrent additions from several processes must never be lost.
 */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDenyPolicy, renderDenyPolicy } from '../../../src/backends/aws-sts/deny-document.js';
import { DenyListWriter, DenyLockTimeout } from '../../../src/backends/aws-sts/deny-list-writer.js';
import { mergeEntry } from '../../../src/backends/aws-sts/deny-state.js';
import type { RolePolicies } from '../../../src/backends/aws-sts/role-policies.js';
import { newId } from '../../../src/util/ids.js';
import { startRedis, type TestRedis } from '../../support/redis-server.js';

const ROLE = 'arn:aws:iam::123456789012:role/agent-s3';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** IAM inline policies with latency; `stale` makes reads return the version before the latest (eventual consistency). */
class SlowIam implements RolePolicies {
  readonly versions: Array<string | null> = [null];
  puts = 0;
  private started!: () => void;
  /** Resolves when the first PutRolePolicy is under way (the lock is held by its writer). */
  readonly firstPut = new Promise<void>((r) => (this.started = r));
  constructor(private readonly stale = false) {}
  async get(): Promise<string | null> {
    await sleep(Math.random() * 8);
    return this.stale && this.versions.length > 1 ? this.versions.at(-2)! : this.versions.at(-1)!;
  }
  async put(_role: string, _name: string, doc: string): Promise<void> {
    this.started();
    await sleep(10 + Math.random() * 10);
    this.versions.push(doc);
    this.puts++;
  }
  async delete(): Promise<void> {
    this.versions.push(null);
  }
  tasks(): string[] {
    const doc = this.versions.at(-1);
    return doc ? [...parseDenyPolicy(doc).tasks.keys()] : [];
  }
}

let server: TestRedis;
const conns: Redis[] = [];
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  for (const c of conns) c.disconnect();
  await server?.stop();
});

function writers(n: number, iam: SlowIam, prefix = `w${Math.random().toString(36).slice(2, 8)}`, o: { lockWaitMs?: number } = {}): DenyListWriter[] {
  return Array.from({ length: n }, () => {
    const redis = new Redis(server.url);
    conns.push(redis);
    return new DenyListWriter({ redis, keyPrefix: prefix, policies: () => iam, policyName: 'tessera-revoked-sessions', maxChars: 10240, clock: { now: Date.now }, log: pino({ level: 'silent' }), ...o });
  });
}

const entry = () => ({ until: Date.now() + 3600_000, issued: Date.now() - 1000 });

describe('DenyListWriter concurrency', () => {
  it('40 revocations from 4 processes, half of them arriving while a write is in flight: none lost, fewer writes than revocations', async () => {
    const iam = new SlowIam();
    const ws = writers(4, iam);
    const ids = Array.from({ length: 40 }, () => newId('tsk'));
    const run = (slice: string[], offset: number) =>
      slice.map(async (id, i) => {
        await sleep(Math.random() * 30);
        return ws[(offset + i) % 4]!.deny(ROLE, id, entry());
      });
    const first = run(ids.slice(0, 20), 0);
    await iam.firstPut;
    const second = run(ids.slice(20), 20);
    await Promise.all([...first, ...second]);
    expect(iam.tasks().sort()).toEqual([...ids].sort());
    expect(iam.puts).toBeGreaterThan(1);
    expect(iam.puts).toBeLessThan(40);
  });

  it('none lost either when IAM reads lag behind writes (eventual consistency)', async () => {
    const iam = new SlowIam(true);
    const ws = writers(4, iam);
    const ids = Array.from({ length: 40 }, () => newId('tsk'));
    await Promise.all(ids.map(async (id, i) => {
      await sleep(Math.random() * 100);
      return ws[i % 4]!.deny(ROLE, id, entry());
    }));
    expect(iam.tasks().sort()).toEqual([...ids].sort());
  });

  it('control: the same load without the lock and Redis copy loses entries', async () => {
    const iam = new SlowIam();
    const ids = Array.from({ length: 40 }, () => newId('tsk'));
    await Promise.all(ids.map(async (id) => {
      await sleep(Math.random() * 100);
      const current = await iam.get();
      const state = current ? parseDenyPolicy(current) : { tasks: new Map(), foreign: [] };
      mergeEntry(state, id, entry());
      await iam.put('', '', renderDenyPolicy(state)!);
    }));
    expect(iam.tasks().length).toBeLessThan(40);
  });

  it('waits for a lock held elsewhere, and gives up with a retryable error when it is held too long', async () => {
    const iam = new SlowIam();
    const prefix = `w${Math.random().toString(36).slice(2, 8)}`;
    const [w] = writers(1, iam, prefix, { lockWaitMs: 300 });
    const lockKey = `${prefix}:aws-sts:{${ROLE}}:deny-lock`;
    await conns.at(-1)!.set(lockKey, 'someone-else', 'PX', 150);
    await w!.deny(ROLE, 'tsk_waited_for_the_lock_0001', entry());
    expect(iam.tasks()).toEqual(['tsk_waited_for_the_lock_0001']);
    await conns.at(-1)!.set(lockKey, 'someone-else', 'PX', 5000);
    await expect(w!.deny(ROLE, 'tsk_lock_never_came_free_01', entry())).rejects.toBeInstanceOf(DenyLockTimeout);
    expect(await conns.at(-1)!.get(lockKey)).toBe('someone-else');
  });
});
