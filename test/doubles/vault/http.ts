/**
 * Wire types and helpers of Vault's HTTP API as the double speaks it.
 *
 * Response envelope and error shape: https://developer.hashicorp.com/vault/api-docs#http-status-codes
 * ("errors": [...] with 400 invalid request, 403 forbidden / permission denied, 404 invalid path,
 * 405 unsupported operation, 500 internal error, 503 sealed) and the sample responses in
 * website/content/api-docs/auth/token.mdx (request_id, lease_id, renewable, lease_duration, data,
 * wrap_info, warnings, auth).
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

/**
 * What the pipeline needs from a request: a node IncomingMessage, or a request re-parsed by hand
 * for the LIST verb (which Node's HTTP parser rejects, see list-verb.ts).
 */
export interface RequestLike extends AsyncIterable<Buffer | string> {
  url?: string | undefined;
  method?: string | undefined;
  headers: IncomingHttpHeaders;
}

/** An error that becomes `{"errors": [...]}` with the given status, like Vault's logical.ErrorResponse. */
export class VaultError extends Error {
  constructor(
    readonly status: number,
    message?: string,
  ) {
    super(message ?? '');
    this.name = 'VaultError';
  }
  /** Vault answers 404 with an empty error list. */
  get errors(): string[] {
    return this.message === '' ? [] : [this.message];
  }
}

export const permissionDenied = (): VaultError => new VaultError(403, 'permission denied');
export const notFound = (): VaultError => new VaultError(404);

export interface AuthBlock {
  client_token: string;
  accessor: string;
  policies: string[];
  token_policies: string[];
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
  token_type: 'service';
  orphan: boolean;
  mfa_requirement: null;
  num_uses: number;
}

export interface WrapInfo {
  token: string;
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor?: string;
}

/** Vault's standard JSON response envelope. */
export interface Envelope {
  request_id: string;
  lease_id: string;
  renewable: boolean;
  lease_duration: number;
  data: Record<string, unknown> | null;
  wrap_info: WrapInfo | null;
  warnings: string[] | null;
  auth: AuthBlock | null;
  mount_type: string;
}

/** Builds an envelope with Vault's defaults for every field not given. */
export function envelope(parts: Partial<Envelope>): Envelope {
  return {
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: null,
    wrap_info: null,
    warnings: null,
    auth: null,
    mount_type: '',
    ...parts,
  };
}

/** A read of a stored item: its `data`, or Vault's bare 404 when there is none. */
export function readData<T>(item: T | undefined, data: (item: T) => Record<string, unknown>): Envelope {
  if (item === undefined) throw notFound();
  return envelope({ data: data(item) });
}

/** A warning list or `null`, as Vault prints it. */
export const warningsOrNull = (w: string[]): string[] | null => (w.length > 0 ? w : null);

/** Reads the request body as a JSON object (empty body -> `{}`); 400 on malformed JSON. */
export async function readJsonBody(req: RequestLike): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new VaultError(400, 'failed to parse JSON input: invalid character in request body');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new VaultError(400, 'failed to parse JSON input: body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** Writes a JSON body (or an empty 204 when `body` is undefined). */
export function sendJson(res: ServerResponse, status: number, body?: unknown): void {
  if (res.headersSent || res.destroyed) return;
  if (body === undefined) {
    res.writeHead(status, { 'Cache-Control': 'no-store' });
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: VaultError): void {
  sendJson(res, err.status, { errors: err.errors });
}

/** A header value as a single string (first one wins). */
export function header(req: Pick<RequestLike, 'headers'>, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
