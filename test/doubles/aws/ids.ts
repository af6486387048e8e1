/**
 * Identifiers in the shapes AWS uses: access key ids `AKIA…`/`ASIA…`, unique ids `AIDA…` (users)
 * and `AROA…` (roles), 40-character secrets, opaque session tokens, and ARN parsing.
 * See "Unique identifiers" in https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
 * and ARN formats in https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
import { createHash, randomBytes } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE32[(bytes[i % bytes.length] ?? 0) % 32];
  return out;
}

/** Random id such as `ASIA` + 16 base32 characters (20 in all, like AWS access key ids). */
export function randomKeyId(prefix: string): string {
  return prefix + base32(randomBytes(16), 20 - prefix.length);
}

/** Stable unique id derived from a seed (so a role keeps its `AROA…` id across sessions). */
export function stableUniqueId(prefix: string, seed: string): string {
  return prefix + base32(createHash('sha256').update(seed).digest(), 21 - prefix.length);
}

export function randomSecret(): string {
  return randomBytes(30).toString('base64');
}

export function randomSessionToken(): string {
  return randomBytes(192).toString('base64');
}

export interface ParsedArn {
  partition: string;
  service: string;
  account: string;
  /** The resource part after the account, e.g. `role/path/name`. */
  resource: string;
}

export function parseArn(arn: string): ParsedArn | undefined {
  const m = /^arn:(aws[a-z-]*):([a-z0-9-]+):[a-z0-9-]*:(\d{12}|):(.+)$/.exec(arn);
  if (!m) return undefined;
  return { partition: m[1] ?? 'aws', service: m[2] ?? '', account: m[3] ?? '', resource: m[4] ?? '' };
}

/** `arn:aws:iam::<acct>:role/<path/>name` -> `{ account, name }`. */
export function parseRoleArn(arn: string): { account: string; name: string } | undefined {
  const p = parseArn(arn);
  if (!p || p.service !== 'iam' || !p.resource.startsWith('role/')) return undefined;
  const name = p.resource.split('/').pop() ?? '';
  return name ? { account: p.account, name } : undefined;
}
