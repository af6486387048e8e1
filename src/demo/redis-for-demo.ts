import { redisAnswers, redisServerOnPath, startRedisServer, type TestRedis } from './local-redis.js';

/**
 * Find a Redis for the demo: REDIS_URL if set; else one answering on 127.0.0.1:6379; else a throwaway
 * redis-server on a free port when the binary is on PATH. Returns null when none can be had.
 */
export async function redisForDemo(env: NodeJS.ProcessEnv): Promise<{ url: string; owned?: TestRedis; how: string } | null> {
  if (env.REDIS_URL) return { url: env.REDIS_URL, how: 'REDIS_URL' };
  if (await redisAnswers('127.0.0.1', 6379)) return { url: 'redis://127.0.0.1:6379', how: 'the Redis on 127.0.0.1:6379' };
  if (await redisServerOnPath()) {
    const owned = await startRedisServer();
    return { url: owned.url, owned, how: `a throwaway redis-server on port ${owned.port}` };
  }
  return null;
}
