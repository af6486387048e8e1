import { policyConfigProblems } from '../policy/config.js';
import { awsStsConfigProblems } from '../backends/aws-sts/config-checks.js';
import { vaultConfigProblems } from '../backends/vault/checks.js';
import type { TesseraConfig } from './schema.js';
import { envProblem, httpsProblem } from './common.js';

/**
 * Checks that span fields: each problem names the path it is about.
 * `env` is consulted for `*_env` references that must be set at startup.
 */
export function crossFieldErrors(cfg: TesseraConfig, env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  if (cfg.tasks.default_ttl_seconds > cfg.tasks.max_ttl_seconds) {
    problems.push('tasks.default_ttl_seconds: must be ≤ tasks.max_ttl_seconds');
  }
  const seenIssuers = new Set<string>();
  cfg.issuers.forEach((iss, i) => {
    if (seenIssuers.has(iss.issuer)) problems.push(`issuers[${i}].issuer: ${iss.issuer} is listed twice`);
    seenIssuers.add(iss.issuer);
    if (iss.jwks_uri) problems.push(...httpsProblem(`issuers[${i}].jwks_uri`, iss.jwks_uri, cfg.server.dev_mode));
  });
  for (const [name, p] of Object.entries(cfg.profiles)) {
    const at = `profiles.${name}`;
    if (p.max_ttl_seconds > cfg.tasks.max_ttl_seconds) {
      problems.push(`${at}.max_ttl_seconds: must be ≤ tasks.max_ttl_seconds (${cfg.tasks.max_ttl_seconds})`);
    }
    if (p.backend === 'vault') {
      if (!cfg.backends.vault) problems.push(`${at}.backend: backend "vault" is not configured under backends.vault`);
      if (p.kind === 'dynamic' && !p.path) problems.push(`${at}.path: required for kind "dynamic"`);
      if (p.kind === 'token' && !p.policies?.length && !p.token_role) {
        problems.push(`${at}.policies: kind "token" needs policies or token_role`);
      }
    }
    if (p.backend === 'aws-sts') {
      if (!cfg.backends['aws-sts']) problems.push(`${at}.backend: backend "aws-sts" is not configured under backends.aws-sts`);
      if (p.max_ttl_seconds > p.role_max_session_seconds) {
        problems.push(`${at}.max_ttl_seconds: must be ≤ ${at}.role_max_session_seconds (${p.role_max_session_seconds})`);
      }
    }
  }
  problems.push(...awsStsConfigProblems(cfg));
  problems.push(...vaultConfigProblems(cfg, env));
  const bt = cfg.backends['broker-token'];
  if (bt.signing_key_env && bt.signing_key_file) {
    problems.push('backends.broker-token.signing_key_env: give signing_key_env or signing_key_file, not both');
  }
  if (!bt.signing_key_env && !bt.signing_key_file && !cfg.server.dev_mode) {
    problems.push('backends.broker-token.signing_key_env: a signing key is required unless server.dev_mode is true');
  }
  if (bt.signing_key_env) problems.push(...envProblem('backends.broker-token.signing_key_env', bt.signing_key_env, env));
  cfg.webhooks.task_complete?.secrets_env.forEach((name, i) => problems.push(...envProblem(`webhooks.task_complete.secrets_env[${i}]`, name, env)));
  const approvalProfiles = Object.entries(cfg.profiles).filter(([, p]) => p.approval === 'required').map(([n]) => n);
  problems.push(...policyConfigProblems(cfg.policy, { env, devMode: cfg.server.dev_mode, approvers: cfg.approvers.length, approvalProfiles }));
  return problems;
}

