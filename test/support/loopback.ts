import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Listen on 127.0.0.1 (`port` 0 = any free port) and resolve with the port. Test doubles only ever
 * listen on loopback.
 */
export function listenOnLoopback(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Stop listening and cut every open (keep-alive) connection, so clients really see the server gone
 * (ECONNREFUSED / reset) instead of reusing a live socket. Resolves when the listener is closed.
 */
export function closeNow(server: Server): Promise<void> {
  if (!server.listening) {
    server.closeAllConnections();
    return Promise.resolve();
  }
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}
