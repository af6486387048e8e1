import { createHash, timingSafeEqual } from 'node:crypto';

/** Hex SHA-256 of a string: the only form in which a credential value is ever recorded. */
export function sha256Hex(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
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
