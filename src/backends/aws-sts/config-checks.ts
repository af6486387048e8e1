import type { TesseraConfig } from '../../config/schema.js';
import { httpsProblem } from '../../config/common.js';

/**
 * Startup checks of `backends.aws-sts` that span fields; each names its path. Endpoints carry the
 * temporary credentials STS returns, so they must be https except on loopback or in dev mode.
 */
export function awsStsConfigProblems(cfg: TesseraConfig): string[] {
  const b = cfg.backends['aws-sts'];
  if (!b) return [];
  const problems: string[] = [];
  for (const key of ['endpoint', 'iam_endpoint'] as const) {
    const url = b[key];
    if (!url) continue;
    problems.push(...httpsProblem(`backends.aws-sts.${key}`, url, cfg.server.dev_mode));
  }
  return problems;
}
