/** VaultTransport (node-vault's `request-promise` hook) and VaultHttp against real loopback HTTP servers. */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VaultCallError } from '../../../src/backends/vault/errors.js';
import { VaultHttp } from '../../../src/backends/vault/http.js';
import { VaultTransport } from '../../../src/backends/vault/transport.js';
import { closeNow, listenOnLoopback } from '../../support/loopback.js';

/** One request as the server saw it. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Served {
  server: Server;
  base: string;
  seen: Seen[];
}

type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void;

const servers: Server[] = [];
const transports: VaultTransport[] = [];
const clients: VaultHttp[] = [];

/** Start a loopback server that records every request (body included) before handing it to `handler`. */
async function serve(handler: Handler): Promise<Served> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(s);
      handler(req, res, s);
    });
  });
  servers.push(server);
  const port = await listenOnLoopback(server);
  return { server, base: `http://127.0.0.1:${port}`, seen };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function transport(timeoutMs = 2000): VaultTransport {
  const t = new VaultTransport({ timeoutMs });
  transports.push(t);
  return t;
}

afterEach(async () => {
  for (const t of transports.splice(0)) t.destroy();
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => closeNow(s)));
});

describe('VaultTransport', () => {
  it('sends a JSON POST with its headers and resolves { statusCode, parsed body, request.path }', async () => {
    const { base, seen } = await serve((_req, res) => json(res, 200, { data: { ok: true } }));
    const res = await transport().defaults()({
      method: 'POST',
      uri: `${base}/v1/auth/token/create`,
      headers: { 'X-Vault-Token': 'tok-1', 'X-Vault-Namespace': 'ns1' },
      json: { policies: ['a'], ttl: '1m' },
    });

    expect(seen).toHaveLength(1);
    const s = seen[0]!;
    expect(s.method).toBe('POST');
    expect(s.url).toBe('/v1/auth/token/create');
    expect(s.headers['content-type']).toBe('application/json');
    expect(s.headers['accept']).toBe('application/json');
    expect(s.headers['x-vault-token']).toBe('tok-1');
    expect(s.headers['x-vault-namespace']).toBe('ns1');
    expect(s.body).toBe('{"policies":["a"],"ttl":"1m"}');
    expect(s.headers['content-length']).toBe(String(Buffer.byteLength(s.body)));
    expect(res).toEqual({ statusCode: 200, body: { data: { ok: true } }, request: { path: '/v1/auth/token/create' } });
  });

  it('resolves a 204 with body undefined and sends no body for node-vault\'s `json: true`', async () => {
    const { base, seen } = await serve((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const res = await transport().defaults()({ method: 'PUT', uri: `${base}/v1/sys/leases/revoke`, json: true });

    expect(res.statusCode).toBe(204);
    expect(res.body).toBeUndefined();
    expect(res.request.path).toBe('/v1/sys/leases/revoke');
    expect(seen[0]!.body).toBe('');
    expect(seen[0]!.headers['content-type']).toBeUndefined();
  });

  it('returns a non-JSON body as text', async () => {
    const { base } = await serve((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>bad gateway</html>');
    });
    const res = await transport().defaults()({ method: 'GET', uri: `${base}/v1/sys/health` });

    expect(res.statusCode).toBe(502);
    expect(res.body).toBe('<html>bad gateway</html>');
  });

  it('reuses one keep-alive connection for sequential calls, and destroy() closes it', async () => {
    const { server, base, seen } = await serve((_req, res) => json(res, 200, { n: seen.length }));
    let connections = 0;
    let closed = 0;
    server.on('connection', (socket) => {
      connections += 1;
      socket.on('close', () => (closed += 1));
    });
    const t = transport();
    const call = t.defaults();

    const first = await call({ method: 'GET', uri: `${base}/v1/a` });
    const second = await call({ method: 'GET', uri: `${base}/v1/b` });
    expect(first.body).toEqual({ n: 1 });
    expect(second.body).toEqual({ n: 2 });
    expect(connections).toBe(1);

    t.destroy();
    await expect.poll(() => closed, { timeout: 2000 }).toBe(1);
  });

  it('follows 307 and 308 redirects (relative and absolute) with the same method, body and headers', async () => {
    const { base, seen } = await serve((req, res) => {
      if (req.url === '/v1/start') {
        res.writeHead(307, { location: '/v1/next' });
        res.end();
      } else if (req.url === '/v1/next') {
        res.writeHead(308, { location: `${base}/v1/final` });
        res.end();
      } else {
        json(res, 200, { at: req.url });
      }
    });
    const res = await transport().defaults()({
      method: 'POST',
      uri: `${base}/v1/start`,
      headers: { 'X-Vault-Token': 'tok-2' },
      json: { k: 'v' },
    });

    expect(res).toEqual({ statusCode: 200, body: { at: '/v1/final' }, request: { path: '/v1/final' } });
    expect(seen.map((s) => s.url)).toEqual(['/v1/start', '/v1/next', '/v1/final']);
    for (const s of seen) {
      expect(s.method).toBe('POST');
      expect(s.body).toBe('{"k":"v"}');
      expect(s.headers['content-type']).toBe('application/json');
      expect(s.headers['x-vault-token']).toBe('tok-2');
    }
  });

  it('follows at most 3 redirects and returns the 4th as-is', async () => {
    const { base, seen } = await serve((req, res) => {
      const n = Number((req.url ?? '').replace('/v1/r', ''));
      res.writeHead(307, { location: `/v1/r${n + 1}` });
      res.end();
    });
    const res = await transport().defaults()({ method: 'GET', uri: `${base}/v1/r0` });

    expect(res.statusCode).toBe(307);
    expect(res.body).toBeUndefined();
    expect(res.request.path).toBe('/v1/r3');
    expect(seen.map((s) => s.url)).toEqual(['/v1/r0', '/v1/r1', '/v1/r2', '/v1/r3']);
  });

  it('rejects with ETIMEDOUT when the server never answers', async () => {
    const { base, seen } = await serve(() => {
      /* never answer */
    });
    const started = Date.now();
    const err = await transport(200).defaults()({ method: 'GET', uri: `${base}/v1/hang` }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;

    expect(seen).toHaveLength(1);
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).toBe('ETIMEDOUT');
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(3000);
  });

  it('rejects with ETIMEDOUT when the body stops arriving after the headers', async () => {
    const { base } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"auth": ');
    });
    const started = Date.now();
    const err = await transport(200).defaults()({ method: 'GET', uri: `${base}/v1/stall` }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;

    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).toBe('ETIMEDOUT');
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(3000);
  });

  it('cuts a body that trickles past the call deadline with VAULT_DEADLINE, and closes its connection', async () => {
    let closed = false;
    const { base } = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const drip = setInterval(() => res.write(' '), 50);
      req.socket.on('close', () => {
        clearInterval(drip);
        closed = true;
      });
    });
    const started = Date.now();
    const err = await transport(200).defaults()({ method: 'GET', uri: `${base}/v1/drip` }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;

    expect((err as { code?: string }).code).toBe('VAULT_DEADLINE');
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(3000);
    await vi.waitFor(() => expect(closed).toBe(true));
  });

  it('rejects with ECONNREFUSED when nothing listens', async () => {
    const { server, base } = await serve(() => undefined);
    await closeNow(server);
    const err = await transport().defaults()({ method: 'GET', uri: `${base}/v1/sys/health` }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).toBe('ECONNREFUSED');
  });
});

describe('VaultHttp over VaultTransport (node-vault end to end)', () => {
  it('returns the Vault envelope of a POST and maps a 403 to a VaultCallError', async () => {
    const envelope = { request_id: 'r1', data: null, auth: { client_token: 'child', accessor: 'acc', lease_duration: 60, renewable: true } };
    const { base, seen } = await serve((req, res) => {
      if (req.url === '/v1/auth/token/create') json(res, 200, envelope);
      else json(res, 403, { errors: ['permission denied'] });
    });
    const http = new VaultHttp({ address: base, timeoutMs: 1000 });
    clients.push(http);

    const body = await http.send({ method: 'POST', path: 'auth/token/create', body: { policies: ['p'], ttl: '60s' }, token: 't' });
    expect(body).toEqual(envelope);
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.headers['x-vault-token']).toBe('t');
    expect(JSON.parse(seen[0]!.body)).toEqual({ policies: ['p'], ttl: '60s' });

    const err = await http.send({ method: 'POST', path: 'secret/forbidden', body: {}, token: 't' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VaultCallError);
    const e = err as VaultCallError;
    expect(e.status).toBe(403);
    expect(e.errors).toEqual(['permission denied']);
    expect(e.failure).toBe('denied');
    expect(e.message).toContain('permission denied');
  });
});
