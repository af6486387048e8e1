import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, inOneRoundTrip, waitReady } from '../../src/store/redis.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';

describe('inOneRoundTrip', () => {
  let server: TestRedis;
  let redis: ReturnType<typeof connectRedis>;
  beforeAll(async () => {
    server = await startRedis();
    redis = connectRedis(server.url);
    await waitReady(redis);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('runs the commands in the order given and returns every reply', async () => {
    const replies = await inOneRoundTrip(redis, () => [redis.set('k', 'one'), redis.append('k', '+two'), redis.get('k')]);
    expect(replies).toEqual(['OK', 7, 'one+two']);
  });

  it('holds the socket corked while the commands are issued, so they leave in one write', async () => {
    const writes: number[] = [];
    const socket = redis.stream as unknown as { _writev?: (chunks: unknown[], cb: () => void) => void; _write: (chunk: unknown, enc: string, cb: () => void) => void };
    const { _writev, _write } = socket;
    socket._writev = function (this: unknown, chunks, cb) {
      writes.push(chunks.length);
      return _writev!.call(this, chunks, cb);
    };
    socket._write = function (this: unknown, chunk, enc, cb) {
      writes.push(1);
      return _write.call(this, chunk, enc, cb);
    };
    try {
      let corked = 0;
      const replies = await inOneRoundTrip(redis, () => {
        corked = redis.stream.writableCorked;
        return [redis.set('a', '1'), redis.set('b', '2'), redis.mget('a', 'b')];
      });
      expect(replies).toEqual(['OK', 'OK', ['1', '2']]);
      expect(corked).toBe(1);
      expect(redis.stream.writableCorked).toBe(0);
      expect(writes).toEqual([3]);
    } finally {
      socket._writev = _writev;
      socket._write = _write;
    }
  });

  it('fails with the first error, and the commands before it still ran', async () => {
    await expect(inOneRoundTrip(redis, () => [redis.set('n', 'not-a-number'), redis.incr('n'), redis.set('after', 'x')])).rejects.toThrow(/not an integer/);
    expect(await redis.mget('n', 'after')).toEqual(['not-a-number', 'x']);
  });
});
