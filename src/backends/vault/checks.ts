import { accessSync, constants } from 'node:fs';
import type { TesseraConfig } from '../../config/schema.js';
import { envProblem, httpsProblem } from '../../config/common.js';

const readable = (file: string): boolean => {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * Startup checks of `backends.vault` and the Vault profiles that span fields or need the environment.
 * Each problem names its config path. (Path/policies presence is checked in config/cross-checks.ts.)
 */
export function vaultConfigProblems(cfg: TesseraConfig, env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const v = cfg.backends.vault;
  if (v) {
    const at = 'backends.vault';
    problems.push(...httpsProblem(`${at}.address`, v.address, cfg.server.dev_mode));
    if (v.ca_file && !readable(v.ca_file)) problems.push(`${at}.ca_file: cannot read ${v.ca_file}`);
    const a = v.auth;
    const needEnv = (field: string, name: string): void => {
      problems.push(...envProblem(`${at}.auth.${field}`, name, env));
    };
    if (a.method === 'token') needEnv('token_env', a.token_env);
    if (a.method === 'approle') {
      needEnv('role_id_env', a.role_id_env);
      needEnv('secret_id_env', a.secret_id_env);
    }
    if (a.method === 'jwt' && !readable(a.token_file)) problems.push(`${at}.auth.token_file: cannot read ${a.token_file}`);
  }
  for (const [name, p] of Object.entries(cfg.profiles)) {
    if (p.backend !== 'vault') continue;
    const at = `profiles.${name}`;
    if (p.kind === 'dynamic') {
      for (const f of ['policies', 'token_role', 'num_uses', 'no_parent', 'no_default_policy'] as const) {
        if (p[f] !== undefined) problems.push(`${at}.${f}: only for kind "token"`);
      }
    } else {
      if (p.path !== undefined) problems.push(`${at}.path: only for kind "dynamic"`);
      if (p.params !== undefined) problems.push(`${at}.params: only for kind "dynamic"`);
      if (p.no_parent && p.token_role) {
        problems.push(`${at}.no_parent: not with token_role (set orphan=true on the token role; no_parent there needs sudo)`);
      }
    }
  }
  return problems;
}
