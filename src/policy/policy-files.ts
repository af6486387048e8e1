import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/load.js';

/** One `.cedar` file as read from disk. */
export interface PolicyFile {
  /** File name inside the policy directory (used in default policy ids). */
  name: string;
  /** Path as reported in errors (`config/policies/base.cedar`). */
  path: string;
  text: string;
}

/** The policy files of a directory and a digest of their content (to skip reloads that change nothing). */
export interface PolicySource {
  dir: string;
  files: PolicyFile[];
  sha256: string;
}

/**
 * Policies that cannot be used: each problem reads `file:line:column: message`.
 * A ConfigError, so startup prints every problem and exits non-zero like any bad configuration.
 */
export class PolicyLoadError extends ConfigError {
  constructor(dir: string, problems: string[]) {
    super(dir, problems);
    this.name = 'PolicyLoadError';
    this.message = `invalid Cedar policies in ${dir}:\n  ${problems.join('\n  ')}`;
  }
}

/** Read every `*.cedar` file of `dir` (not recursive), in name order. Throws PolicyLoadError. */
export function readPolicyDir(dir: string): PolicySource {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.cedar'))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    throw new PolicyLoadError(dir, [`${dir}: cannot read directory: ${(err as Error).message}`]);
  }
  if (names.length === 0) throw new PolicyLoadError(dir, [`${dir}: no *.cedar files (with policy.engine "cedar", no policy would permit anything)`]);
  const files = names.map((name) => {
    const path = join(dir, name);
    try {
      return { name, path, text: readFileSync(path, 'utf8') };
    } catch (err) {
      throw new PolicyLoadError(dir, [`${path}: cannot read file: ${(err as Error).message}`]);
    }
  });
  return { dir, files, sha256: digest(files) };
}

/** SHA-256 over the file names and contents. */
export function digest(files: PolicyFile[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(f.name).update('\0').update(f.text).update('\0');
  return h.digest('hex');
}
