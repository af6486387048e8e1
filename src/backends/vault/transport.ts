import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** What node-vault hands its `request-promise` hook for each call (see node-vault's src/index.js). */
export interface NodeVaultCall {
  method: string;
  uri: string;
  headers?: Record<string, string>;
  /** The JSON body, or `true` (node-vault's default) for none. */
  json?: unknown;
  timeout?: number;
}

/** What node-vault expects back: the status, the parsed body and the request path (for `sys/health`). */
export interface NodeVaultResponse {
  statusCode: number;
  body: unknown;
  request: { path: string };
}

/** node-vault's injection point for its HTTP layer: `config['request-promise'].defaults(rpDefaults)`. */
export interface RequestPromiseLike {
  defaults(defaults: { timeout?: number }): (call: NodeVaultCall) => Promise<NodeVaultResponse>;
}

/** Transport settings: the CA of Vault's TLS certificate and the per-call timeout. */
export interface TransportOptions {
  ca?: Buffer | undefined;
  timeoutMs: number;
}

const MAX_REDIRECTS = 3;
/** A whole call (redirects and body included) gets this much beyond the idle timeout before it is cut. */
const DEADLINE_SLACK_MS = 250;

/**
 * A lean HTTP layer for node-vault, plugged in through its documented `request-promise` option
 * (node-vault still builds every call and maps every answer). Keep-alive connections to Vault, JSON in
 * and out, a socket timeout, and 307/308 redirects (a standby Vault without request forwarding sends
 * clients to the active node) followed with method and body kept, at most 3 times, never from https
 * to http. It replaces node-vault's axios default, which costs about a millisecond per call here.
 * Two limits: the socket's idle timeout (`ETIMEDOUT`), and a deadline on the whole call (a Vault that
 * trickles bytes never goes idle) that cancels the request and fails with `VAULT_DEADLINE`.
 * TLS is always verified (`rejectUnauthorized` is Node's default and never turned off).
 */
export class VaultTransport implements RequestPromiseLike {
  private readonly http = new HttpAgent({ keepAlive: true });
  private readonly https: HttpsAgent;

  constructor(private readonly opts: TransportOptions) {
    this.https = new HttpsAgent({ keepAlive: true, ...(opts.ca ? { ca: opts.ca } : {}) });
  }

  defaults(): (call: NodeVaultCall) => Promise<NodeVaultResponse> {
    return (call) => this.withDeadline(call);
  }

  /** Close idle keep-alive connections. */
  destroy(): void {
    this.http.destroy();
    this.https.destroy();
  }

  /** Run one call under its deadline: when it passes, the request in flight is destroyed. */
  private async withDeadline(call: NodeVaultCall): Promise<NodeVaultResponse> {
    const ms = (call.timeout ?? this.opts.timeoutMs) + DEADLINE_SLACK_MS;
    const cancel = new AbortController();
    // The error is made only when the deadline passes: capturing a stack on every call cost ~60 µs.
    let deadline: Error | undefined;
    const timer = setTimeout(() => {
      deadline = Object.assign(new Error(`no answer within ${ms} ms`), { code: 'VAULT_DEADLINE' });
      cancel.abort(deadline);
    }, ms);
    try {
      return await this.send(call, new URL(call.uri), 0, cancel.signal);
    } catch (err) {
      throw deadline ?? err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async send(call: NodeVaultCall, url: URL, redirects: number, signal: AbortSignal): Promise<NodeVaultResponse> {
    const { req, res } = await this.once(call, url, signal);
    const location = res.headers.location;
    if ((res.statusCode === 307 || res.statusCode === 308) && location && redirects < MAX_REDIRECTS) {
      res.resume();
      const next = new URL(location, url);
      if (url.protocol === 'https:' && next.protocol !== 'https:') throw Object.assign(new Error('Vault redirected from https to http; not followed'), { code: 'EVAULTREDIRECT' });
      return this.send(call, next, redirects + 1, signal);
    }
    const text = await readBody(req, res);
    return { statusCode: res.statusCode ?? 0, body: parse(text), request: { path: url.pathname } };
  }

  private once(call: NodeVaultCall, url: URL, signal: AbortSignal): Promise<{ req: ClientRequest; res: IncomingMessage }> {
    const body = call.json !== undefined && typeof call.json === 'object' ? JSON.stringify(call.json) : undefined;
    const headers: Record<string, string | number> = { accept: 'application/json', ...call.headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const secure = url.protocol === 'https:';
    const timeout = call.timeout ?? this.opts.timeoutMs;
    return new Promise((resolve, reject) => {
      // `timeout` is the socket's idle timeout: it also covers a response body that stops arriving.
      const req = (secure ? httpsRequest : httpRequest)(url, { method: call.method, headers, agent: secure ? this.https : this.http, timeout, signal }, (res) => resolve({ req, res }));
      req.on('timeout', () => req.destroy(Object.assign(new Error(`Vault did not answer within ${timeout} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** Read a response body as text; a body cut off by the request's timeout fails with ETIMEDOUT. */
function readBody(req: ClientRequest, res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let failure: Error | undefined;
    req.once('error', (err) => (failure = err));
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', (err) => reject(failure ?? err));
    res.on('aborted', () => reject(failure ?? Object.assign(new Error('Vault response aborted'), { code: 'ECONNRESET' })));
  });
}

/** Vault answers JSON (or nothing, for 204); anything else is kept as text for the error path. */
function parse(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
