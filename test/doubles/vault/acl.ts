/**
 * ACL policies: a small HCL subset and Vault's path-matching rules.
 *
 * Policy syntax, `+`/`*` wildcards, capabilities and the priority of overlapping paths:
 *   https://developer.hashicorp.com/vault/docs/concepts/policies
 * Built-in `default` policy contents: https://developer.hashicorp.com/vault/docs/concepts/policies#default-policy
 * `response-wrapping` policy: https://developer.hashicorp.com/vault/docs/concepts/response-wrapping
 *
 * Supported HCL: `path "<pattern>" { capabilities = ["read", ...] }` blocks (plus the legacy
 * `policy = "read" | "write" | "deny" | "sudo"` form), `#`, `//` and C-style comments.
 */
import { VaultError } from './http.js';

export type Capability =
  | 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'sudo' | 'deny' | 'subscribe' | 'recover';

const CAPABILITIES: ReadonlySet<string> = new Set([
  'create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'deny', 'subscribe', 'recover',
]);

const LEGACY: Record<string, Capability[]> = {
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  deny: ['deny'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

export interface PathRule {
  pattern: string;
  capabilities: Set<Capability>;
}

export interface Policy {
  name: string;
  raw: string;
  rules: PathRule[];
}

/** Parses the HCL subset; throws 400 "failed to parse policy: ..." like Vault on anything else. */
export function parsePolicy(name: string, raw: string): Policy {
  const fail = (why: string): never => {
    throw new VaultError(400, `failed to parse policy: ${why}`);
  };
  const text = raw.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:])(#|\/\/).*$/gm, '$1');
  const block = /path\s+"([^"]*)"\s*\{([^{}]*)\}/g;
  const rules: PathRule[] = [];
  let leftover = text;
  for (const m of text.matchAll(block)) {
    const pattern = m[1] ?? '';
    const body = m[2] ?? '';
    leftover = leftover.replace(m[0], ' ');
    if (pattern.includes('*') && pattern.indexOf('*') !== pattern.length - 1) {
      fail(`path "${pattern}": the glob "*" is only allowed at the end of a path`);
    }
    const caps = new Set<Capability>();
    const list = /capabilities\s*=\s*\[([^\]]*)\]/.exec(body);
    const legacy = /policy\s*=\s*"([^"]*)"/.exec(body);
    if (list) {
      for (const item of (list[1] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
        const cap = /^"([^"]*)"$/.exec(item)?.[1];
        if (cap === undefined || !CAPABILITIES.has(cap)) fail(`path "${pattern}": invalid capability ${item}`);
        caps.add(cap as Capability);
      }
    } else if (legacy) {
      const mapped = LEGACY[legacy[1] ?? ''];
      if (!mapped) fail(`path "${pattern}": invalid policy "${legacy[1] ?? ''}"`);
      for (const c of mapped ?? []) caps.add(c);
    } else if (body.trim() !== '') {
      fail(`path "${pattern}": expected capabilities = [...]`);
    }
    rules.push({ pattern: pattern.replace(/^\//, ''), capabilities: caps });
  }
  if (leftover.trim() !== '') fail(`unexpected input near ${JSON.stringify(leftover.trim().slice(0, 40))}`);
  return { name, raw, rules };
}

function matches(pattern: string, path: string): boolean {
  const glob = pattern.endsWith('*');
  const segs = (glob ? pattern.slice(0, -1) : pattern).split('/');
  const target = path.split('/');
  if (!glob && segs.length !== target.length) return false;
  if (target.length < segs.length) return false;
  for (let i = 0; i < segs.length; i++) {
    const p = segs[i] as string;
    const t = target[i] as string;
    const last = i === segs.length - 1;
    if (p === '+') {
      if (t === '' && !(glob && last)) return false;
      continue;
    }
    if (glob && last) return t.startsWith(p);
    if (p !== t) return false;
  }
  return true;
}

/** Vault's priority order: returns true when `a` has lower priority than `b`. */
function lowerPriority(a: string, b: string): boolean {
  const firstWild = (p: string): number => {
    const idx = [p.indexOf('+'), p.indexOf('*')].filter((i) => i >= 0);
    return idx.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...idx);
  };
  const [wa, wb] = [firstWild(a), firstWild(b)];
  if (wa !== wb) return wa < wb;
  const [ga, gb] = [a.endsWith('*'), b.endsWith('*')];
  if (ga !== gb) return ga;
  const plus = (p: string): number => p.split('/').filter((s) => s === '+').length;
  if (plus(a) !== plus(b)) return plus(a) > plus(b);
  if (a.length !== b.length) return a.length < b.length;
  return a < b;
}

/**
 * Capabilities the given policies grant on `path`: rules for the same pattern are merged across
 * policies, then the highest-priority matching pattern decides (as Vault's ACL does).
 */
export function capabilitiesFor(policies: Policy[], path: string): Set<Capability> {
  const merged = new Map<string, Set<Capability>>();
  for (const policy of policies) {
    for (const rule of policy.rules) {
      const caps = merged.get(rule.pattern) ?? new Set<Capability>();
      for (const c of rule.capabilities) caps.add(c);
      merged.set(rule.pattern, caps);
    }
  }
  let best: string | undefined;
  for (const pattern of merged.keys()) {
    if (!matches(pattern, path)) continue;
    if (best === undefined || lowerPriority(best, pattern)) best = pattern;
  }
  const caps = best === undefined ? undefined : merged.get(best);
  if (!caps || caps.has('deny')) return new Set();
  return caps;
}

export const DEFAULT_POLICY_HCL = `
path "auth/token/lookup-self" { capabilities = ["read"] }
path "auth/token/renew-self" { capabilities = ["update"] }
path "auth/token/revoke-self" { capabilities = ["update"] }
path "sys/capabilities-self" { capabilities = ["update"] }
path "sys/leases/renew" { capabilities = ["update"] }
path "sys/renew" { capabilities = ["update"] }
path "sys/leases/lookup" { capabilities = ["update"] }
path "sys/wrapping/wrap" { capabilities = ["update"] }
path "sys/wrapping/lookup" { capabilities = ["update"] }
path "sys/wrapping/unwrap" { capabilities = ["update"] }
path "sys/tools/hash" { capabilities = ["update"] }
`;

export const RESPONSE_WRAPPING_POLICY = parsePolicy(
  'response-wrapping',
  `path "cubbyhole/response" { capabilities = ["create", "read"] }
path "sys/wrapping/unwrap" { capabilities = ["update"] }
path "sys/wrapping/lookup" { capabilities = ["update"] }`,
);
