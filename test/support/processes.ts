import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./tessera-process.ts', import.meta.url));

/** A Tessera child process (see tessera-process.ts). */
export interface TesseraProcess {
  proc: ChildProcess;
  pid: number;
  /** The API base URL (`-` for a worker-only process). */
  url: string;
  /** SIGKILL: no shutdown, locks and in-flight work are simply abandoned. */
  kill(): Promise<void>;
  /** SIGTERM and wait for a graceful exit. */
  stop(): Promise<void>;
}

/**
 * Spawn Tessera as a real process (`node --import tsx`, i.e. `tsx` without npx's lookup) running a
 * worker, an API server or both against the given Redis (and revocation double, when given).
 */
export async function spawnTessera(opts: {
  mode: 'worker' | 'api' | 'both';
  config: Record<string, unknown>;
  redisUrl: string;
  /** The revocation double for the fault-injecting broker-token backend; without it, the real backends. */
  doubleUrl?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}): Promise<TesseraProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    env: {
      ...process.env,
      ...opts.env,
      TESSERA_MODE: opts.mode,
      TESSERA_TEST_CONFIG: JSON.stringify(opts.config),
      REDIS_URL: opts.redisUrl,
      ...(opts.doubleUrl ? { DOUBLE_URL: opts.doubleUrl } : {}),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('tessera process did not start in time')), opts.timeoutMs ?? 20_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tessera process exited early (${code})`));
    });
  });
  proc.stdout!.resume();
  return {
    proc,
    pid: proc.pid!,
    url,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
