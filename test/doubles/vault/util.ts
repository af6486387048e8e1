/**
 * Small helpers shared by the Vault test double: duration parsing, random identifiers and
 * time formatting.
 *
 * Durations follow Vault's "duration string" rules (https://developer.hashicorp.com/vault/docs/concepts/duration-format):
 * an integer is seconds, a string may be "300", "90s", "5m", "1h30m", "2d" or "500ms".
 */
import { randomBytes, randomInt } from 'node:crypto';
import { VaultError } from './http.js';

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** Parses a Vault duration into whole seconds; `undefined`/`""` yield `undefined`. Throws 400 on garbage. */
export function parseDuration(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.floor(value);
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (/^\d+$/.test(trimmed)) return Number(trimmed);
    const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
    let total = 0;
    let consumed = 0;
    for (let m = re.exec(trimmed); m; m = re.exec(trimmed)) {
      const unit = UNIT_SECONDS[m[2] ?? ''] ?? 0;
      total += Number(m[1]) * unit;
      consumed = re.lastIndex;
    }
    if (consumed === trimmed.length && consumed > 0) return Math.floor(total);
  }
  throw new VaultError(400, `error converting input ${JSON.stringify(value)} for field "${field}": invalid duration`);
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random base62 string (Vault's token, accessor and lease suffixes are base62). */
export function base62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[randomInt(BASE62.length)];
  return out;
}

/** A random UUID-shaped identifier as Vault uses for request ids, role ids and secret ids. */
export function uuid(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * A password shaped like Vault's default password policy: 20 characters from
 * [A-Za-z0-9-] with at least one lower, upper, digit and dash.
 */
export function password(): string {
  const lower = 'abcdefghijklmnopqrstuvwxyz';
  const upper = lower.toUpperCase();
  const digits = '0123456789';
  const all = lower + upper + digits + '-';
  const chars = [pick(lower), pick(upper), pick(digits), '-'];
  while (chars.length < 20) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    const tmp = chars[i] as string;
    chars[i] = chars[j] as string;
    chars[j] = tmp;
  }
  return chars.join('');
}

function pick(alphabet: string): string {
  return alphabet[randomInt(alphabet.length)] as string;
}

/** RFC 3339 timestamp as Vault prints `issue_time` / `expire_time`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Seconds left until `expireAt` (ms), never negative. */
export function secondsLeft(expireAt: number, now: number): number {
  return Math.max(0, Math.round((expireAt - now) / 1000));
}

/** Reads a list field that Vault accepts either as a JSON array or a comma-separated string. */
export function stringList(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    if (!value.every((v): v is string => typeof v === 'string')) {
      throw new VaultError(400, `field "${field}" must be a list of strings`);
    }
    return value.map((v) => v.trim()).filter((v) => v !== '');
  }
  if (typeof value === 'string') return value.split(',').map((v) => v.trim()).filter((v) => v !== '');
  throw new VaultError(400, `field "${field}" must be a list of strings`);
}

export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new VaultError(400, `field "${field}" must be a string`);
  return value;
}

export function optionalBool(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new VaultError(400, `field "${field}" must be a boolean`);
}

export function optionalInt(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0) return n;
  throw new VaultError(400, `field "${field}" must be a non-negative integer`);
}

export function stringMap(value: unknown, field: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new VaultError(400, `field "${field}" must be a map`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new VaultError(400, `field "${field}" must map strings to strings`);
    out[k] = v;
  }
  return out;
}
