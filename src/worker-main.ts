/** `npm run worker`: a revocation worker alone, for scale-out against the same Redis. */
import { createTessera } from './app.js';
import { createLogger, loadConfigOrExit, onShutdown, startOrExit } from './cli/run-service.js';

const log = createLogger({ name: 'tessera-worker' });
const cfg = loadConfigOrExit();
const tessera = await startOrExit(log, () => createTessera(cfg, { log }));
tessera.startWorker();
log.info('tessera revocation worker running');
onShutdown(log, () => tessera.close());
