import { randomBytes } from 'node:crypto';

/** A random, URL-safe identifier with a type prefix, e.g. `tsk_3q2…`. 128 bits of entropy. */
export function newId(prefix: 'tsk' | 'lse' | 'apr' | 'req' | 'evt'): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}

const ID_RE = /^(tsk|lse|apr)_[A-Za-z0-9_-]{16,64}$/;

/** True if `s` looks like an id Tessera issued with the given prefix (cheap check before any Redis lookup). */
export function isId(s: unknown, prefix: 'tsk' | 'lse' | 'apr'): s is string {
  return typeof s === 'string' && ID_RE.test(s) && s.startsWith(prefix + '_');
}
