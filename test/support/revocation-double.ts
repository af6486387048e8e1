import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeNow, listenOnLoopback } from './loopback.js';

/** One credential the double issued, with what happened to it. */
export interface DoubleCredential {
  leaseId: string;
  taskId: string;
  token: string;
  mintedAt: number;
  expiresAt: number;
  revokedAt: number | null;
  /** Every revoke request that succeeded: when it arrived, and which process sent it (`x-caller` header). */
  revokeCalls: Array<{ at: number; caller: string }>;
}

/**
 * A tiny "revocation endpoint" service for fault tests: it mints opaque tokens keyed by lease id and
 * revokes them by lease id (so even a lease whose mint was interrupted can be revoked). It can go
 * down for real (the port refuses connections), answer errors, or hang.
 */
export interface RevocationDouble {
  url: string;
  port: number;
  credentials: Map<string, DoubleCredential>;
  /** Stop listening and cut open connections: clients get ECONNREFUSED. */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  /** Answer revocations with this status (e.g. 503 transient, 403 permanent); null restores normal service. */
  failRevokes(status: number | null): void;
  /** Delay every revocation answer (ms). */
  revokeDelay(ms: number): void;
  /** Revoke requests from `caller` that arrived and are not answered yet (held by `revokeDelay`). */
  inFlight(caller: string): number;
  /** Record mints but never answer them (an issuing process that dies mid-mint). */
  hangMints(on: boolean): void;
  /** Record mints at once but answer them only after this delay (a slow backend). */
  mintDelay(ms: number): void;
  /** Called on every successful revocation (first time only per lease). */
  onRevoke(fn: (c: DoubleCredential) => void): void;
  /** Credentials still usable now: not revoked and not expired. */
  live(now?: number): DoubleCredential[];
  close(): Promise<void>;
}

/** Start the double on a free loopback port. */
export async function startRevocationDouble(): Promise<RevocationDouble> {
  const credentials = new Map<string, DoubleCredential>();
  let failStatus: number | null = null;
  let delayMs = 0;
  const inFlight = new Map<string, number>();
  let hang = false;
  let mintDelayMs = 0;
  const listeners: Array<(c: DoubleCredential) => void> = [];

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readJson(req);
    const send = (status: number, json?: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(json === undefined ? '' : JSON.stringify(json));
    };
    if (req.method === 'GET' && req.url === '/health') return send(200, { ok: true });
    if (req.method === 'POST' && req.url === '/mint') {
      const leaseId = String(body.lease_id);
      const c: DoubleCredential = {
        leaseId,
        taskId: String(body.task_id),
        token: randomBytes(24).toString('base64url'),
        mintedAt: Date.now(),
        expiresAt: Date.now() + Number(body.ttl_seconds) * 1000,
        revokedAt: null,
        revokeCalls: [],
      };
      credentials.set(leaseId, c);
      if (hang) return; // never answers; the caller's process will be killed
      if (mintDelayMs) await new Promise((r) => setTimeout(r, mintDelayMs));
      return send(200, { token: c.token, credential_id: `cred_${leaseId}` });
    }
    if (req.method === 'POST' && req.url === '/revoke') {
      const c = credentials.get(String(body.lease_id));
      const arrived = Date.now();
      const caller = String(req.headers['x-caller'] ?? '');
      inFlight.set(caller, (inFlight.get(caller) ?? 0) + 1);
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs)).finally(() => inFlight.set(caller, inFlight.get(caller)! - 1));
      else inFlight.set(caller, inFlight.get(caller)! - 1);
      if (failStatus) return send(failStatus, { error: 'revocation refused by the double' });
      if (c) {
        c.revokeCalls.push({ at: arrived, caller });
        if (c.revokedAt === null) {
          c.revokedAt = Date.now();
          for (const fn of listeners) fn(c);
        }
      }
      return send(204); // unknown credentials count as revoked (idempotent)
    }
    send(404, { error: 'not found' });
  };

  let server: Server = makeServer();
  function makeServer(): Server {
    const s = createServer((req, res) => {
      handler(req, res).catch(() => res.destroy());
    });
    s.keepAliveTimeout = 1000;
    return s;
  }
  const port = await listenOnLoopback(server);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    credentials,
    async down() {
      await closeNow(server);
    },
    async up() {
      server = makeServer();
      await listenOnLoopback(server, port);
    },
    failRevokes: (status) => void (failStatus = status),
    revokeDelay: (ms) => void (delayMs = ms),
    inFlight: (caller) => inFlight.get(caller) ?? 0,
    hangMints: (on) => void (hang = on),
    mintDelay: (ms) => void (mintDelayMs = ms),
    onRevoke: (fn) => void listeners.push(fn),
    live: (now = Date.now()) => [...credentials.values()].filter((c) => c.revokedAt === null && c.expiresAt > now),
    async close() {
      await closeNow(server);
    },
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}
