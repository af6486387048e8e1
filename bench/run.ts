/**
 * `npm run bench`: every benchmark, each printing its figures and its ratio to an in-process floor
 * measured in the same run. Optional suites (Vault, policy) run when their modules are present.
 */
import { existsSync } from 'node:fs';
import { runCoreBench } from './core.js';

const n = Number(process.env.BENCH_N ?? 1000);
await runCoreBench(n);

type Suite = { file: string; fn: string };
const optional: Suite[] = [
  { file: './vault.ts', fn: 'runVaultBench' },
  { file: './policy.ts', fn: 'runPolicyBench' },
];
for (const s of optional) {
  if (!existsSync(new URL(s.file, import.meta.url))) continue;
  const mod = (await import(s.file)) as Record<string, (n?: number) => Promise<unknown>>;
  await mod[s.fn]?.();
}
process.exit(0);
