import type { TesseraConfig } from '../../config/schema.js';

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
    const u = new URL(url);
    const loopback = u.hostname === 'localhost' || u.hostname === '[::1]' || /^127\./.test(u.hostname);
    if (u.protocol !== 'https:' && !loopback && !cfg.server.dev_mode) {
      problems.push(`backends.aws-sts.${key}: must be https (http is accepted for loopback or in server.dev_mode)`);
    }
  }
  return problems;
}
