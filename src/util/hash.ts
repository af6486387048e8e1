import { createHash, timingSafeEqual } from 'node:crypto';

/** Hex SHA-256 of a string: the only form in which a credential value is ever recorded. */
export function sha256Hex(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Base64url SHA-256 of the parts, fed in order: a short, fixed-size cache key for any input. */
export function sha256Base64url(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('base64url');
}

/** Constant-time comparison of two byte strings of possibly different length. */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) {
    // Compare against itself so the time spent does not depend on where a mismatch is.
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}
