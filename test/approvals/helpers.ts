import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TesseraClient } from '../../src/client/tessera-client.js';
import type { Stack } from '../support/stack.js';

/** Signing secret of approval notifications in tests (Standard Webhooks format). */
export const NOTIFY_SECRET = 'whsec_' + Buffer.from('tessera-approval-notify-secret-0123').toString('base64');

/** The cedar policies of the approval tests: open baseline, and approval above 120 s for ticket-read. */
export const APPROVAL_POLICIES = {
  'base.cedar': `permit (principal, action, resource);\n`,
  'approval.cedar': `@id("ticket-read-long-ttl") @approval("required") @reason("ticket-read above 120 s needs a human")
permit (principal, action == Tessera::Action::"request_credential", resource == Tessera::Profile::"ticket-read")
when { context.request.ttl_seconds > 120 };\n`,
};

/** A webhook receiver that records deliveries; it can be told to fail. */
export interface Receiver {
  url: string;
  received: Array<{ headers: IncomingHttpHeaders; body: Buffer }>;
  failWith: number | null;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const r: Receiver = { url: '', received, failWith: null, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(r.failWith ?? 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/approvals`;
  r.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return r;
}

/** A client whose token carries extra claims. */
export function clientFor(s: Stack, sub: string, claims?: Record<string, unknown>): TesseraClient {
  return new TesseraClient({ baseUrl: s.url, token: () => s.token(sub, claims) });
}

/** Call and return either the JSON body or the error (status, code, body). */
export async function call(c: TesseraClient, method: string, path: string, body?: unknown): Promise<any> {
  return c.call<Record<string, any>>(method, path, body).catch((e: unknown) => e);
}
