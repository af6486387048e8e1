/**
 * A Tessera process for fault tests and `npm run chaos`: an API server, a revocation worker, or both,
 * against the Redis and revocation double named in its environment. Prints `READY <url|->` when up.
 * Environment: TESSERA_TEST_CONFIG (config object as JSON), REDIS_URL, DOUBLE_URL (optional),
 * TESSERA_MODE (`worker` | `api` | `both`), TEST_LOG_LEVEL.
 */
import { pino } from 'pino';
import { createTessera } from '../../src/app.js';
import { validateConfig } from '../../src/config/load.js';
import { FlakyBackend } from './flaky-backend.js';

const env = process.env;
// TESSERA_CPU_PROFILE=<dir>: profile this process until SIGTERM (benchmarks; --cpu-prof is refused in NODE_OPTIONS).
const profiler = env.TESSERA_CPU_PROFILE ? await startProfile() : undefined;
const mode = env.TESSERA_MODE ?? 'worker';
const cfg = validateConfig(JSON.parse(env.TESSERA_TEST_CONFIG ?? '{}'), 'TESSERA_TEST_CONFIG', env);
const log = pino({ level: env.TEST_LOG_LEVEL ?? 'silent' });
// With DOUBLE_URL, the broker-token backend is the fault-injecting one talking to the revocation double.
const backends = env.DOUBLE_URL ? [new FlakyBackend(env.DOUBLE_URL)] : [];
const tessera = await createTessera(cfg, { env, log, redisUrl: env.REDIS_URL, backends });
let url = '-';
if (mode === 'api' || mode === 'both') url = await tessera.listen(0, '127.0.0.1');
if (mode === 'worker' || mode === 'both') tessera.startWorker();
process.stdout.write(`READY ${url}\n`);
process.on('SIGTERM', () => {
  tessera
    .close()
    .then(() => profiler?.())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
});

/** Start V8's sampling profiler; the returned function writes the profile to TESSERA_CPU_PROFILE. */
async function startProfile(): Promise<() => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(`${env.TESSERA_CPU_PROFILE}/tessera-${process.pid}.cpuprofile`, JSON.stringify(profile));
  };
}
