import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AuditLog } from '../audit/audit-log.js';
import type { TesseraConfig } from '../config/schema.js';
import { matchIdentity } from '../identity/match.js';
import { BuiltinPolicy } from './builtin-policy.js';
import { CedarPolicy } from './cedar-policy.js';
import type { ExplainablePolicy } from './explain.js';
import { LayeredPolicy } from './layered-policy.js';
import { compilePolicies, type CompiledPolicySet } from './policy-compiler.js';
import { readPolicyDir } from './policy-files.js';
import { PolicyMetrics } from './policy-metrics.js';
import { PolicyReloader } from './policy-reloader.js';

/** The policy engine of one Tessera process, and its reloader when it uses Cedar. */
export interface PolicyStack {
  engine: ExplainablePolicy;
  cedar: CedarPolicy | undefined;
  reloader: PolicyReloader | undefined;
}

/**
 * Read and validate the Cedar policies when `policy.engine` is `cedar` (undefined otherwise).
 * Throws PolicyLoadError (a ConfigError naming file, line and message) when a policy is invalid.
 */
export function loadConfiguredPolicies(cfg: TesseraConfig): CompiledPolicySet | undefined {
  return cfg.policy.engine === 'cedar' ? compilePolicies(readPolicyDir(cfg.policy.policies_dir)) : undefined;
}

/**
 * Build the configured engine. `builtin`: profile `agents:` lists and `approval:` only. `cedar`: those
 * first, then the Cedar policies of `policy.policies_dir`, read and validated now (strict mode).
 * Throws PolicyLoadError (a ConfigError naming file, line and message) when a policy is invalid.
 */
export function buildPolicy(
  cfg: TesseraConfig,
  deps: { log: Logger; audit?: AuditLog; registry?: Registry; compiled?: CompiledPolicySet | undefined },
): PolicyStack {
  const builtin = new BuiltinPolicy(cfg.profiles, matchIdentity);
  if (cfg.policy.engine !== 'cedar') {
    return { engine: new LayeredPolicy([{ name: 'builtin', engine: builtin }]), cedar: undefined, reloader: undefined };
  }
  const metrics = deps.registry ? new PolicyMetrics(deps.registry) : undefined;
  const compiled = deps.compiled ?? loadConfiguredPolicies(cfg)!;
  for (const w of compiled.warnings) deps.log.warn({ dir: compiled.dir }, `policy warning: ${w}`);
  const cedar = new CedarPolicy(compiled, {
    profiles: cfg.profiles,
    timezone: cfg.policy.timezone,
    answerCacheSize: cfg.policy.answer_cache_size,
    observe: metrics ? (action, s) => metrics.evaluation.labels(action).observe(s) : undefined,
  });
  metrics?.loaded.set(compiled.policies.length);
  deps.log.info({ dir: compiled.dir, policies: compiled.policies.length, version: compiled.sha256 }, 'cedar policies loaded');
  const reloader = new PolicyReloader(cedar, {
    dir: cfg.policy.policies_dir,
    watch: cfg.policy.watch,
    debounceMs: cfg.policy.reload_debounce_ms,
    log: deps.log.child({ component: 'policy' }),
    audit: deps.audit,
    metrics,
  });
  const engine = new LayeredPolicy([
    { name: 'builtin', engine: builtin },
    { name: 'cedar', engine: cedar },
  ]);
  return { engine, cedar, reloader };
}
