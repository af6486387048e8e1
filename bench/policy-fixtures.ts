import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REQ = 'Tessera::Action::"request_credential"';
const DECLARE = 'Tessera::Action::"declare_task"';

/**
 * A policy directory with `total` policies: the shipped examples plus generated ones in the shapes
 * platform teams write (claim, label, intent, address, TTL and depth conditions, approval policies).
 * None of the generated ones matches the bench's request, so every policy is evaluated each time.
 */
export function benchPolicyDir(total = 50): { dir: string; count: number } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-policies-'));
  let count = 0;
  for (const f of readdirSync('config/policies').filter((n) => n.endsWith('.cedar'))) {
    const text = readFileSync(join('config/policies', f), 'utf8');
    writeFileSync(join(dir, f), text);
    count += (text.match(/^(permit|forbid)\s*\(/gm) ?? []).length;
  }
  const generated: string[] = [];
  for (let i = 0; count + generated.length < total; i++) {
    const shape = i % 6;
    if (shape === 0) {
      generated.push(`@id("team-${i}") forbid (principal, action == ${REQ}, resource == Tessera::Profile::"svc-${i}")
unless { principal.hasTag("team") && principal.getTag("team") == "team-${i}" };`);
    } else if (shape === 1) {
      generated.push(`@id("label-${i}") forbid (principal, action in [${DECLARE}, ${REQ}], resource)
when { context.task.hasTag("env") && context.task.getTag("env") == "restricted-${i}" };`);
    } else if (shape === 2) {
      generated.push(`@id("intent-${i}") forbid (principal, action in [${DECLARE}, ${REQ}], resource)
when { context.task.intent like "*forbidden phrase ${i}*" };`);
    } else if (shape === 3) {
      generated.push(`@id("net-${i}") forbid (principal, action == ${REQ}, resource == Tessera::Profile::"svc-${i}")
when { context has source_ip && context.source_ip.isInRange(ip("10.${i}.0.0/16")) };`);
    } else if (shape === 4) {
      generated.push(`@id("ttl-${i}") forbid (principal, action == ${REQ}, resource)
when { resource.backend == "vault-${i}" && context.request.ttl_seconds > ${60 + i} && context.depth > 0 };`);
    } else {
      generated.push(`@id("approval-${i}") @approval("required") permit (principal, action == ${REQ}, resource == Tessera::Profile::"svc-${i}")
when { context.request.ttl_seconds > ${100 + i} || context.time.hour < 6 };`);
    }
  }
  writeFileSync(join(dir, 'generated.cedar'), generated.join('\n\n') + '\n');
  return { dir, count: count + generated.length };
}
