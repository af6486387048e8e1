/**
 * The double's HTTP listener, `sys/health` and fault injection.
 *   website/content/api-docs/system/health.mdx (200 initialized+unsealed, 503 sealed; JSON body)
 *   https://developer.hashicorp.com/vault/api-docs#http-status-codes (503: Vault is down / sealed)
 *
 * Faults:
 * - 'unavailable': every request gets 503 — `sys/health` its health JSON with sealed=true, any
 *   other path {"errors":["Vault is sealed"]} — and, like a sealed Vault, leases do not expire-revoke
 *   meanwhile (the sweep resumes when the fault is cleared);
 * - 'hang': requests are accepted but not answered; when the fault is cleared they are processed
 *   (unless the client gave up); background expiry keeps running;
 * - 'refuse': the listener is closed and open connections dropped (ECONNREFUSED / ECONNRESET);
 *   clearing the fault listens again on the same port. No background expiry while refused.
 * Vault's LIST verb is accepted through list-verb.ts.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import type { RequestLike } from './http.js';
import { header, sendJson } from './http.js';
import { parseListRequest, writeRawResponse } from './list-verb.js';
import { normalizeNamespace } from './namespaces.js';
import type { Router } from './router.js';
import { closeNow, listenOnLoopback } from '../../support/loopback.js';

export type Fault = 'none' | 'unavailable' | 'hang' | 'refuse';

export interface SeenRequest {
  method: string;
  path: string;
  namespace?: string;
}

/** One request and how to answer it (a normal ServerResponse, or a raw socket for LIST). */
interface Exchange {
  req: RequestLike;
  respond(status: number, body?: unknown): void;
  gone(): boolean;
  drop(): void;
}

const CLUSTER_ID = randomUUID();

export class DoubleServer {
  fault: Fault = 'none';
  readonly requests: SeenRequest[] = [];
  private readonly server: Server;
  private readonly hung: Exchange[] = [];
  private port = 0;

  constructor(
    private readonly router: Router,
    private readonly now: () => number,
  ) {
    this.server = createServer((req, res) =>
      this.accept({
        req,
        respond: (status, body) => sendJson(res, status, body),
        gone: () => req.socket.destroyed,
        drop: () => req.socket.destroy(),
      }),
    );
    this.server.on('clientError', (err: Error & { rawPacket?: Buffer }, socket: Duplex) => {
      const list = parseListRequest(err.rawPacket);
      if (!list) {
        if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        else socket.destroy();
        return;
      }
      this.accept({
        req: list,
        respond: (status, body) => writeRawResponse(socket, status, body),
        gone: () => socket.destroyed,
        drop: () => socket.destroy(),
      });
    });
    // Vault keeps idle client connections for its listener's http_idle_timeout, 5 minutes by default
    // (https://developer.hashicorp.com/vault/docs/configuration/listener/tcp#http_idle_timeout); closing
    // the double cuts them (closeNow). A short timeout here would make every client reconnect per call.
    this.server.keepAliveTimeout = 300_000;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(port: number): Promise<void> {
    this.port = await listenOnLoopback(this.server, port);
  }

  async setFault(mode: Fault): Promise<void> {
    const previous = this.fault;
    this.fault = mode;
    if (previous === 'hang' && mode !== 'hang') {
      for (const ex of this.hung.splice(0)) {
        if (mode === 'refuse' || ex.gone()) ex.drop();
        else this.process(ex);
      }
    }
    if (mode === 'refuse' && previous !== 'refuse') await this.stopListening();
    if (previous === 'refuse' && mode !== 'refuse') await this.listen(this.port);
  }

  async close(): Promise<void> {
    for (const ex of this.hung.splice(0)) ex.drop();
    if (this.fault !== 'refuse') await this.stopListening();
  }

  private async stopListening(): Promise<void> {
    await closeNow(this.server);
  }

  private accept(ex: Exchange): void {
    const url = new URL(ex.req.url ?? '/', 'http://vault.local');
    const ns = normalizeNamespace(header(ex.req, 'x-vault-namespace'));
    this.requests.push({ method: ex.req.method ?? 'GET', path: url.pathname, ...(ns !== '' ? { namespace: ns } : {}) });
    if (this.fault === 'hang') this.hung.push(ex);
    else this.process(ex);
  }

  private process(ex: Exchange): void {
    const path = new URL(ex.req.url ?? '/', 'http://vault.local').pathname.replace(/\/+$/, '');
    const sealed = this.fault === 'unavailable';
    if (path === '/v1/sys/health' && (ex.req.method === 'GET' || ex.req.method === 'HEAD')) {
      ex.respond(sealed ? 503 : 200, this.health(sealed));
      return;
    }
    if (sealed) {
      ex.respond(503, { errors: ['Vault is sealed'] });
      return;
    }
    void this.router.handle(ex.req).then((reply) => ex.respond(reply.status, reply.body));
  }

  private health(sealed: boolean): Record<string, unknown> {
    return {
      initialized: true,
      sealed,
      standby: false,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: Math.floor(this.now() / 1000),
      version: '1.17.0+double',
      enterprise: false,
      cluster_name: 'vault-double',
      cluster_id: CLUSTER_ID,
    };
  }
}
