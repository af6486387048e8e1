import { createHmac } from 'node:crypto';
import { Errors } from '../errors/codes.js';
import { safeEqual } from '../util/hash.js';

/** Decode a Standard Webhooks secret: `whsec_<base64>` is base64-decoded; anything else is used as raw bytes. */
export function secretBytes(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
}

/** `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` as the Standard Webhooks spec defines it. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string | Buffer): string {
  const mac = createHmac('sha256', secretBytes(secret)).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

/** Headers of a signed delivery. */
export interface WebhookHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

/**
 * Verify a Standard Webhooks delivery: the timestamp within `toleranceSeconds` of now, and at least one
 * `v1,` signature in the space-separated list matching one of the secrets (several, for rotation).
 * Signatures are compared in constant time. Throws `webhook_signature_invalid` (401).
 */
export function verifyWebhook(
  headers: WebhookHeaders,
  rawBody: Buffer,
  secrets: string[],
  nowMs: number,
  toleranceSeconds: number,
): { id: string; timestamp: number } {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) throw Errors.webhookSignatureInvalid('Missing webhook-id, webhook-timestamp or webhook-signature');
  if (!/^\d{1,12}$/.test(timestamp)) throw Errors.webhookSignatureInvalid('Malformed webhook-timestamp');
  const ts = Number(timestamp);
  if (Math.abs(nowMs / 1000 - ts) > toleranceSeconds) throw Errors.webhookSignatureInvalid('webhook-timestamp is outside the accepted window');
  const offered = signature
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  let ok = false;
  for (const secret of secrets) {
    const expected = Buffer.from(signWebhook(secret, id, ts, rawBody).slice(3), 'base64');
    // Check every candidate: no early exit that would reveal which one matched.
    for (const sig of offered) ok = safeEqual(sig, expected) || ok;
  }
  if (!ok) throw Errors.webhookSignatureInvalid();
  return { id, timestamp: ts };
}
