/** `npm start`: the API server, with the revocation worker in-process unless disabled. */
import { createTessera } from './app.js';
import { createLogger, loadConfigOrExit, onShutdown, startOrExit } from './cli/run-service.js';

const log = createLogger();
const cfg = loadConfigOrExit();
const tessera = await startOrExit(log, () => createTessera(cfg, { log }));
const url = await tessera.listen();
if (cfg.server.worker.in_process) tessera.startWorker();
log.info({ url, worker: cfg.server.worker.in_process ? 'in-process' : 'separate' }, 'tessera listening');
onShutdown(log, () => tessera.close());
