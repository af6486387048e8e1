import type { Logger } from 'pino';
import { ConfigError, configPath, loadConfig } from '../config/load.js';
import type { TesseraConfig } from '../config/schema.js';
import { createLogger } from '../ops/logger.js';

/** Load and validate the config, or print every problem (with its path) and exit non-zero. */
export function loadConfigOrExit(): TesseraConfig {
  try {
    return loadConfig(configPath());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tessera: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/**
 * Run a startup step; a configuration problem found there (e.g. an invalid Cedar policy, which names
 * its file and line) exits with status 2 like a bad config file, anything else with status 1.
 */
export async function startOrExit<T>(log: Logger, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tessera: ${err.message}\n`);
      process.exit(2);
    }
    log.fatal({ err }, 'tessera failed to start');
    process.exit(1);
  }
}

/** Run `stop` once on SIGTERM/SIGINT, then exit. */
export function onShutdown(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down gracefully');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}

export { createLogger };
