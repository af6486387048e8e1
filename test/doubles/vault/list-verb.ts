/**
 * Support for Vault's custom `LIST` HTTP verb.
 *   https://developer.hashicorp.com/vault/api-docs#http-verbs ("LIST" = GET with ?list=true)
 *
 * Node's HTTP parser (llhttp) only knows a fixed set of methods and rejects `LIST` with a
 * clientError (HPE_INVALID_METHOD) before any 'request' event. node-vault's `list()` sends `LIST`,
 * so the double re-parses that packet itself: request line + headers (+ Content-Length body if it
 * arrived in the same packet), answers it, and closes the connection (`Connection: close`), since
 * the parser state of that socket is unusable afterwards.
 */
import { STATUS_CODES } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RequestLike } from './http.js';

/** Parses a raw `LIST ...` request; undefined when the packet is something else or incomplete. */
export function parseListRequest(raw: Buffer | undefined): RequestLike | undefined {
  if (!raw || !raw.subarray(0, 5).equals(Buffer.from('LIST '))) return undefined;
  const headerEnd = raw.indexOf('\r\n\r\n');
  if (headerEnd < 0) return undefined;
  const [requestLine, ...lines] = raw.subarray(0, headerEnd).toString('latin1').split('\r\n');
  const parts = (requestLine ?? '').split(' ');
  if (parts.length !== 3 || !parts[2]?.startsWith('HTTP/1.')) return undefined;
  const headers: IncomingHttpHeaders = {};
  for (const line of lines) {
    const idx = line.indexOf(':');
    if (idx <= 0) return undefined;
    headers[line.slice(0, idx).trim().toLowerCase()] = line.slice(idx + 1).trim();
  }
  const length = Number(headers['content-length'] ?? '0');
  const body = raw.subarray(headerEnd + 4, headerEnd + 4 + (Number.isFinite(length) ? length : 0));
  return {
    method: 'LIST',
    url: parts[1],
    headers,
    async *[Symbol.asyncIterator]() {
      if (body.length > 0) yield body;
    },
  };
}

/** Writes a complete HTTP/1.1 response on a raw socket and closes it. */
export function writeRawResponse(socket: Duplex, status: number, body?: unknown): void {
  if (socket.destroyed) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Cache-Control: no-store',
    'Connection: close',
    ...(body === undefined ? [] : ['Content-Type: application/json']),
    `Content-Length: ${Buffer.byteLength(text)}`,
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${text}`);
}
