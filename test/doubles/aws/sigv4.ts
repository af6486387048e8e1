/**
 * Signature Version 4 verification, written from the AWS documentation:
 * - "Create a signed AWS API request" (canonical request, string to sign, signing key, signature):
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 * - "Elements of an AWS API request signature" (Authorization header, X-Amz-Date, X-Amz-Security-Token):
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-elements.html
 * The canonical URI of non-S3 services is the normalized path with each segment URI-encoded once more
 * ("double-encoded"); header values are trimmed with inner runs of spaces collapsed; repeated headers
 * are joined with commas; the payload hash is hex SHA-256 of the body (or x-amz-content-sha256 if sent).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { incompleteSignature, signatureDoesNotMatch } from './errors.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
/** Requests signed more than 15 minutes before or after the server's time are rejected. */
export const MAX_SKEW_MS = 15 * 60 * 1000;

export interface RawRequest {
  method: string;
  /** Path and query exactly as received (`req.url`). */
  url: string;
  /** `req.rawHeaders`: name, value, name, value, ... */
  rawHeaders: string[];
  body: Buffer;
}

export interface AuthorizationHeader {
  accessKeyId: string;
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX (upper-case hex). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts/aws4_request, SignedHeaders=a;b, Signature=hex` */
export function parseAuthorization(value: string): AuthorizationHeader {
  if (!value.startsWith(`${ALGORITHM} `)) {
    throw incompleteSignature(`Unsupported AWS 'algorithm': '${value.split(' ')[0] ?? ''}'`);
  }
  const fields = new Map<string, string>();
  for (const part of value.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    throw incompleteSignature(
      "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.",
    );
  }
  const [accessKeyId, scopeDate, region, service, terminator, ...rest] = credential.split('/');
  if (!accessKeyId || !scopeDate || !region || !service || terminator !== 'aws4_request' || rest.length > 0) {
    throw incompleteSignature(`Credential is not well formed: ${credential}`);
  }
  return { accessKeyId, scopeDate, region, service, signedHeaders: signedHeaders.split(';'), signature };
}

/** Header values by lower-case name, repeated headers joined with ',' in arrival order. */
export function headerMap(rawHeaders: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    const value = (rawHeaders[i + 1] ?? '').replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').trim();
    const prev = out.get(name);
    out.set(name, prev === undefined ? value : `${prev},${value}`);
  }
  return out;
}

function canonicalUri(path: string): string {
  const segments: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(uriEncode(seg));
  }
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return `/${segments.join('/')}${trailing}`;
}

function canonicalQuery(query: string): string {
  if (!query) return '';
  const pairs = query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const k = eq < 0 ? p : p.slice(0, eq);
      const v = eq < 0 ? '' : p.slice(eq + 1);
      const dec = (s: string): string => decodeURIComponent(s.replace(/\+/g, '%20'));
      return [uriEncode(dec(k)), uriEncode(dec(v))] as const;
    });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

export function canonicalRequest(req: RawRequest, signedHeaders: string[], payloadHash: string): string {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  const headers = headerMap(req.rawHeaders);
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${headers.get(h) ?? ''}\n`).join('');
  return [req.method, canonicalUri(path), canonicalQuery(query), canonicalHeaders, signedHeaders.join(';'), payloadHash].join(
    '\n',
  );
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}

/** `20240102T030405Z` -> epoch ms, or undefined when malformed. */
export function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isNaN(ms) ? undefined : ms;
}

export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * STS and IAM answer a stale or future signature with SignatureDoesNotMatch and this wording
 * (as seen in real responses: "Signature expired: <t> is now earlier than <now-15> (<now> - 15 min.)").
 */
export function checkFreshness(amzDate: string, signedAt: number, nowMs: number): void {
  if (signedAt < nowMs - MAX_SKEW_MS) {
    throw signatureDoesNotMatch(
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(nowMs - MAX_SKEW_MS)} (${formatAmzDate(nowMs)} - 15 min.)`,
    );
  }
  if (signedAt > nowMs + MAX_SKEW_MS) {
    throw signatureDoesNotMatch(
      `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(nowMs + MAX_SKEW_MS)} (${formatAmzDate(nowMs)} + 15 min.)`,
    );
  }
}

/** Recomputes the signature with `secret` and compares it in constant time. */
export function signatureMatches(req: RawRequest, auth: AuthorizationHeader, amzDate: string, secret: string): boolean {
  const headers = headerMap(req.rawHeaders);
  const payloadHash = headers.get('x-amz-content-sha256') ?? sha256Hex(req.body);
  const scope = `${auth.scopeDate}/${auth.region}/${auth.service}/aws4_request`;
  const sts = stringToSign(amzDate, scope, canonicalRequest(req, auth.signedHeaders, payloadHash));
  const expected = createHmac('sha256', signingKey(secret, auth.scopeDate, auth.region, auth.service))
    .update(sts)
    .digest();
  const given = Buffer.from(auth.signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
