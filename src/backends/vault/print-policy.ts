/**
 * `npx tsx src/backends/vault/print-policy.ts [config.yaml]`: print the least-privilege Vault policy
 * Tessera's own identity needs for the Vault profiles of a config file (default: TESSERA_CONFIG or
 * config/tessera.yaml). Environment variables named by `*_env` fields need not be set.
 */
import { parseDocument } from 'yaml';
import { readFileSync } from 'node:fs';
import { configSchema } from '../../config/schema.js';
import { configPath } from '../../config/load.js';
import type { VaultProfile } from './config.js';
import { tesseraPolicyHcl } from './policy-hcl.js';

const file = process.argv[2] ?? configPath();
const parsed = configSchema.safeParse(parseDocument(readFileSync(file, 'utf8')).toJS());
if (!parsed.success) {
  process.stderr.write(`tessera: ${file} does not match the config schema:\n${parsed.error.message}\n`);
  process.exit(2);
}
const vault = Object.fromEntries(Object.entries(parsed.data.profiles).filter(([, p]) => p.backend === 'vault')) as Record<string, VaultProfile>;
process.stdout.write(`# Vault policy for Tessera's own identity (profiles of ${file})\n${tesseraPolicyHcl(vault)}`);
