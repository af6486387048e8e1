/**
 * The HTTP side of the AWS double (node:http): reads a Query request, applies fault injection,
 * routes it, authenticates it (SigV4), enforces explicit denies for session callers, and renders
 * the XML answer. Response headers as AWS sends them: `Content-Type: text/xml`, `x-amzn-RequestId`.
 * Protocol: https://docs.aws.amazon.com/IAM/latest/UserGuide/programming.html (Query API over HTTPS POST).
 * Fault modes: `unavailable` -> 503 ServiceUnavailable, `throttle` -> 400 Throttling ("Rate exceeded"),
 * `refuse` -> the listener is closed (connections refused) and re-opened on the same port when cleared.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { authenticate, claimedAccessKeyId } from './authenticate.js';
import { accessDenied, AwsError, internalFailure, serviceUnavailable, throttling } from './errors.js';
import { parsePolicy } from './policy-document.js';
import { findExplicitDeny, sessionContext } from './policy-eval.js';
import { parseParams, type Params } from './query.js';
import { findRoute, VERSIONS, type Route } from './routes.js';
import type { RawRequest } from './sigv4.js';
import type { DoubleState, SessionRecord } from './state.js';
import { renderError, renderResult } from './xml.js';
import { closeNow, listenOnLoopback } from '../../support/loopback.js';

export type FaultMode = 'none' | 'unavailable' | 'throttle' | 'refuse';

const MAX_BODY = 1024 * 1024;

export class QueryServer {
  private readonly server: Server;
  private fault: FaultMode = 'none';
  private port = 0;
  private listening = false;
  private closed = false;

  constructor(
    private readonly state: DoubleState,
    private readonly signatureClock: () => number,
  ) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(port: number): Promise<void> {
    this.port = await listenOnLoopback(this.server, port);
    this.listening = true;
  }

  async setFault(mode: FaultMode): Promise<void> {
    const previous = this.fault;
    this.fault = mode;
    if (mode === 'refuse' && previous !== 'refuse') await this.stop();
    if (mode !== 'refuse' && previous === 'refuse' && !this.closed) await this.listen(this.port);
  }

  /** Stops for good: a later setFault('none') does not re-open the port. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  /** Closes the listener and drops every open (keep-alive) connection so clients really fail. */
  async stop(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    await closeNow(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      res.writeHead(413).end();
      return;
    }
    const url = req.url ?? '/';
    const raw: RawRequest = { method: req.method ?? 'GET', url, rawHeaders: req.rawHeaders, body };
    const q = url.indexOf('?');
    const params = parseParams(body.toString('utf8'), q < 0 ? '' : url.slice(q + 1));
    const action = params.get('Action') ?? '';
    const service = VERSIONS[params.get('Version') ?? ''] ?? 'sts';
    let status = 200;
    let xml: string;
    try {
      if (this.fault === 'throttle') throw throttling();
      if (this.fault === 'unavailable') throw serviceUnavailable();
      const route = findRoute(action, params.get('Version'));
      const principal = authenticate(this.state, raw, { service: route.service, signatureNow: this.signatureClock() });
      if (principal.kind === 'session') this.enforceDenies(principal.session, route, action, params);
      xml = renderResult(service, action, route.handler({ state: this.state, principal, params }), requestId);
    } catch (e) {
      const err = e instanceof AwsError ? e : internalFailure();
      if (!(e instanceof AwsError)) console.error('AWS double: unexpected error', e);
      status = err.status;
      xml = renderError(service, err, requestId);
    }
    const accessKeyId = claimedAccessKeyId(raw);
    this.state.log.push({ action, ...(accessKeyId !== undefined ? { accessKeyId } : {}), status });
    res.writeHead(status, {
      'content-type': 'text/xml',
      'content-length': Buffer.byteLength(xml),
      'x-amzn-requestid': requestId,
    });
    res.end(xml);
  }

  /**
   * Explicit Deny in the role's inline policies (or the session policy) answers 403 AccessDenied for
   * ANY action signed with the session's credentials. DEVIATION: real STS never denies
   * GetCallerIdentity ("No permissions are required to perform this operation", API_GetCallerIdentity);
   * the double denies it so tests can observe a revoked session with the cheapest call. IAM actions
   * (e.g. ListRolePolicies) called with session credentials are denied by real AWS too, so they are
   * the probe that behaves the same against real AWS.
   */
  private enforceDenies(session: SessionRecord, route: Route, action: string, params: Params): void {
    const docs = [...session.role.inlinePolicies.values()].map((d) => parsePolicy(d, 'identity'));
    if (session.policy !== undefined) docs.push(parsePolicy(session.policy, 'session'));
    const iamAction = `${route.service}:${action}`;
    const resource = route.resource(params, this.state);
    if (findExplicitDeny(docs, iamAction, resource, sessionContext(session, this.state.now()))) {
      throw accessDenied(session.arn, iamAction, resource, true);
    }
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}
