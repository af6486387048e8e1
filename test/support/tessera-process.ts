/**
 * A Tessera process for fault tests and `npm run chaos`: an API server, a revocation worker, or both,
 * against the Redis and revocation double named in its environment. Prints `READY <url|->` when up.
 * Environment: TESSERA_TEST_CONFIG (config object as JSON), REDIS_URL, DOUBLE_URL,
 * TESSERA_MODE (`worker` | `api` | `both`), TEST_LOG_LEVEL.
 */
import { pino } from 'pino';
import { createTessera } from '../../src/app.js';
import { validateConfig } from '../../src/config/load.js';
import { FlakyBackend } from './flaky-backend.js';

const env = process.env;
const mode = env.TESSERA_MODE ?? 'worker';
const cfg = validateConfig(JSON.parse(env.TESSERA_TEST_CONFIG ?? '{}'), 'TESSERA_TEST_CONFIG', env);
const log = pino({ level: env.TEST_LOG_LEVEL ?? 'silent' });
const tessera = await createTessera(cfg, { env, log, redisUrl: env.REDIS_URL, backends: [new FlakyBackend(env.DOUBLE_URL!)] });
let url = '-';
if (mode === 'api' || mode === 'both') url = await tessera.listen(0, '127.0.0.1');
if (mode === 'worker' || mode === 'both') tessera.startWorker();
process.stdout.write(`READY ${url}\n`);
process.on('SIGTERM', () => {
  tessera.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
