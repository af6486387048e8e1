/** Test-suite access to a throwaway redis-server (shared with the demo). */
export { freePort, startRedisServer as startRedis, type TestRedis } from '../../src/demo/local-redis.js';
