import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type TesseraConfig } from './schema.js';
import { crossFieldErrors } from './cross-checks.js';

/** A configuration problem; `problems` each name their path (`profiles.x.max_ttl_seconds: …`). */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super(`invalid configuration in ${source}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[') || '(root)';
}

function zodProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const base = pathOf(issue.path);
      return issue.keys.map((k) => `${base === '(root)' ? k : `${base}.${k}`}: unknown key`).join('\n  ');
    }
    return `${pathOf(issue.path)}: ${issue.message}`;
  });
}

/** Validate an already-parsed config object: schema, then cross-field checks. Throws ConfigError. */
export function validateConfig(raw: unknown, source = 'config', env: NodeJS.ProcessEnv = process.env): TesseraConfig {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(source, zodProblems(parsed.error));
  const problems = crossFieldErrors(parsed.data, env);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return parsed.data;
}

/** Read, parse and validate a YAML config file. Throws ConfigError naming each bad path. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): TesseraConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read file: ${(err as Error).message}`]);
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => `YAML: ${e.message}`));
  }
  return validateConfig(doc.toJS(), file, env);
}

/** The config file named by TESSERA_CONFIG, else `config/tessera.yaml`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.TESSERA_CONFIG ?? 'config/tessera.yaml';
}
